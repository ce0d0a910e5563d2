"""Coverage reports as downloads: labels, the table of a report, its file name, CSV and XLSX."""

from __future__ import annotations

from typing import Any

from training.core.enums import Level, StaffCategory, label
from training.core.i18n import N_, _
from training.coverage.figures import CoverageReport
from training.spreadsheets.writer import csv_bytes, xlsx_bytes


def category_label(category: str | None, language: str | None = None) -> str:
    if category is None:
        return _(N_("All categories"), language=language)
    return label(StaffCategory, category, language)


def level_label(level: str | None, language: str | None = None) -> str:
    if level is None:
        return _(N_("Any level"), language=language)
    return label(Level, level, language)


def report_table(report: CoverageReport, language: str | None = None) -> tuple[list[str], list[list[Any]], list[int]]:
    """Headers, rows and the indexes of share columns of a coverage report, for downloads."""
    unit = N_("Province before 2025") if report.view == "legacy" else (
        N_("Commune") if report.scope.kind == "commune" else N_("Province"))
    headers = [_(N_("Code"), language=language), _(unit, language=language),
               _(N_("Staff category"), language=language), _(N_("Level"), language=language),
               _(N_("Active staff"), language=language), _(N_("People trained"), language=language),
               _(N_("Share trained"), language=language), _(N_("Target"), language=language),
               _(N_("Target year"), language=language), _(N_("Gap (people)"), language=language),
               _(N_("Person-times {start} – {end}"), language=language, start=report.start.strftime("%d/%m/%Y"),
                 end=report.end.strftime("%d/%m/%Y")),
               _(N_("Target note"), language=language)]
    rows = [[r.unit_code or "", r.unit_name, category_label(r.staff_category, language),
             level_label(r.level, language), r.active, r.trained, r.share, r.target, r.target_year, r.gap,
             r.person_times, r.target_note] for r in report.rows]
    return headers, rows, [6, 7]


def export_name(report: CoverageReport, ext: str) -> str:
    """An ASCII file name: bao-phu-<scope>-<yyyy-mm-dd>.<ext>."""
    scope = report.scope.commune["code"] if report.scope.commune else (
        report.scope.province["code"] if report.scope.province else "toan-quoc")
    view = "-63-tinh-cu" if report.view == "legacy" else ""
    return f"bao-phu-{scope}{view}-{report.date.isoformat()}.{ext}"


def export(report: CoverageReport, fmt: str, language: str | None = None) -> bytes:
    """The report as a CSV (shares in per cent) or an XLSX workbook (shares formatted as per cent)."""
    headers, rows, percent = report_table(report, language)
    if fmt == "csv":
        rows = [[round(v * 100, 1) if i in percent and v is not None else v for i, v in enumerate(row)]
                for row in rows]
        headers = [f"{h} (%)" if i in percent else h for i, h in enumerate(headers)]
        return csv_bytes(headers, rows)
    heading = _(N_("Trained share of social-work staff on {date}"), language=language,
                date=report.date.strftime("%d/%m/%Y"))
    return xlsx_bytes(_(N_("Coverage"), language=language), headers, rows, percent, heading)
