"""The trainer workload report as XLSX (for fee settlement): one row per trainer and month with sessions, then
a row for the whole year, through the one safe writer. Figures: ``training.classes.trainers.workload``."""

from __future__ import annotations

from typing import Any

from training.core.i18n import N_, _
from training.spreadsheets.writer import xlsx_bytes

HEADERS = (N_("Trainer"), N_("Province"), N_("Month"), N_("Number of sessions"), N_("Hours"))


def workload_xlsx(rows: list[dict[str, Any]], year: int) -> bytes:
    """Per trainer: a row per month with sessions ("MM/YYYY"), then the year ("Cả năm YYYY")."""
    lines: list[list[Any]] = []
    for t in rows:
        for month, figures in t["months"].items():
            if figures["sessions"]:
                lines.append([t["name"], t["province"] or "", f"{month:02d}/{year}", figures["sessions"],
                              figures["hours"]])
        lines.append([t["name"], t["province"] or "", _("Year {year}", year=year), t["sessions"], t["hours"]])
    return xlsx_bytes(_("Workload {year}", year=year), [_(h) for h in HEADERS], lines,
                      heading=_("Trainer workload, {year}: sessions and hours", year=year))
