"""The training record as a PDF, "Quá trình đào tạo, bồi dưỡng" (A4 portrait, the certificates' embedded
Vietnamese font ``rendering.register_fonts``): the person's name, birth date and masked CCCD, every
completed training, the hours per calendar year and the certificates with their verify links. The data is
``certificates.record.training_record``'s; nothing is computed here.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from certificates.rendering import nfc, register_fonts
from training.core.i18n import _


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=font, fontSize=9.5, leading=12)
    return {
        "body": base,
        "title": ParagraphStyle("title", parent=base, fontName=font + "-Bold", fontSize=15, leading=19,
                                alignment=1, spaceAfter=4 * mm),
        "h2": ParagraphStyle("h2", parent=base, fontName=font + "-Bold", fontSize=11.5, leading=15,
                             spaceBefore=5 * mm, spaceAfter=2 * mm),
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10),
    }


def _table(rows: list[list[Any]], widths: list[float], font: str) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 9), ("FONT", (0, 0), (-1, 0), font + "-Bold", 9),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.94, 0.97)),
    ]))
    return table


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(nfc(str(text))), style)


def record_pdf(record: dict[str, Any], language: str = "vi") -> bytes:
    """The PDF of one training record."""
    font = register_fonts()
    st = _styles(font)
    person, body = record["person"], st["body"]
    facts = ((_("Full name", language=language), person["full_name"]),
             (_("Date of birth", language=language), person["date_of_birth"] or "—"),
             (_("Citizen ID", language=language), person["citizen_id"] or "—"),
             (_("Printed on", language=language), record["printed_on"]))
    story: list[Any] = [_p(_("TRAINING RECORD", language=language), st["title"])]
    story += [_p(f"{name}: {value}", body) for name, value in facts]
    story.append(_p(_("Completed trainings", language=language), st["h2"]))
    head = [_("Course", language=language), _("Class", language=language), _("Dates", language=language),
            _("Hours", language=language), _("Result", language=language)]
    rows = [[_p(h, body) for h in head]]
    for t in record["trainings"]:
        course = t["course_en"] if language == "en" else t["course"]
        rows.append([_p(course, body), _p(t["class_code"], body), _p(f'{t["start"]} – {t["end"]}', body),
                     _p(t["hours"], body), _p(t["result"], body)])
    if record["trainings"]:
        story.append(_table(rows, [58 * mm, 26 * mm, 48 * mm, 16 * mm, 30 * mm], font))
    else:
        story.append(_p(_("No completed training yet.", language=language), body))
    story.append(_p(_("Hours per calendar year", language=language), st["h2"]))
    years = [[_p(_("Year", language=language), body), _p(_("Trainings", language=language), body),
              _p(_("Hours", language=language), body)]]
    years += [[_p(y["year"], body), _p(y["trainings"], body), _p(y["hours"], body)] for y in record["years"]]
    years.append([_p(_("Total", language=language), body), _p(len(record["trainings"]), body),
                  _p(record["total_hours"], body)])
    story.append(_table(years, [30 * mm, 30 * mm, 30 * mm], font))
    story.append(_p(_("Certificates", language=language), st["h2"]))
    if record["certificates"]:
        certs = [[_p(h, body) for h in (_("Certificate No.", language=language), _("Course", language=language),
                                        _("Date of issue", language=language), _("Status", language=language))]]
        for c in record["certificates"]:
            certs.append([_p(c["number"], body), [_p(c["course"], body), _p(c["verify"], st["small"])],
                          _p(c["issued"], body), _p(c["status"], body)])
        story.append(_table(certs, [48 * mm, 78 * mm, 26 * mm, 26 * mm], font))
    else:
        story.append(_p(_("No certificate yet.", language=language), body))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=nfc(_("TRAINING RECORD", language=language) + " – "
                                                      + person["full_name"]), author="")
    doc.build(story)
    return out.getvalue()
