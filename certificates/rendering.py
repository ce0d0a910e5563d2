"""The certificate PDF: A4 landscape, Vietnamese layout, fonts embedded, QR code drawn as one path.

Rendering is deterministic (ReportLab's ``invariant`` mode): the same certificate renders to the
same bytes, which is what the SHA-256 recorded at issue relies on. Everything printed comes from
the certificate row's snapshot (holder, course, issuer), never from live tables.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import segno
from babel.dates import format_date
from babel.numbers import format_decimal
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from certificates.codes import display as display_code
from training.core.i18n import _

PAGE = landscape(A4)
FAMILY = "PlexSerif"
DARK = Color(0.12, 0.14, 0.20)
ACCENT = Color(0.62, 0.09, 0.09)
FRAME = Color(0.55, 0.42, 0.16)

CLASSIFICATION_EN = {"Xuất sắc": "Excellent", "Giỏi": "Very good", "Khá": "Good", "Trung bình": "Pass"}


@cache
def register_fonts() -> str:
    """Register IBM Plex Serif (covers Vietnamese; installed by pip) in its four styles, once."""
    import fontpkg_ibm_plex_serif

    folder = Path(fontpkg_ibm_plex_serif.__file__).resolve().parent / "files"
    styles = {"": "Regular", "-Bold": "Bold", "-Italic": "Italic", "-BoldItalic": "BoldItalic"}
    for suffix, style in styles.items():
        pdfmetrics.registerFont(TTFont(FAMILY + suffix, str(folder / f"IBMPlexSerif-{style}.ttf")))
    pdfmetrics.registerFontFamily(FAMILY, normal=FAMILY, bold=FAMILY + "-Bold", italic=FAMILY + "-Italic",
                                  boldItalic=FAMILY + "-BoldItalic")
    return FAMILY


@dataclass
class CertificateView:
    """Everything printed on one certificate (from the certificate row's snapshot)."""

    number: str
    register_label: str
    holder_name: str
    holder_sex: str
    holder_birth_date: dt.date | None
    course_name: str
    kind: str
    hours: int
    start_date: dt.date | None
    end_date: dt.date | None
    classification: str
    issued_on: dt.date
    expires_on: dt.date | None
    issuer: dict = field(default_factory=dict)
    verify_url: str = ""
    language: str = "vi"
    verification_code: str = ""  # as stored (no dash); printed grouped next to the number


def nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def official_date_line(place: str, day: dt.date, language: str = "vi") -> str:
    """"Hà Nội, ngày 05 tháng 02 năm 2026": Decree 30/2020/NĐ-CP pads days 1–9 and months 1–2 only."""
    if language == "en":
        text = format_date(day, "d MMMM y", locale="en")
        return f"{place}, {text}" if place else text
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    text = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {text}" if place else text


def _date(value: dt.date | None, language: str) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if language == "vi" else format_date(value, "d MMMM y", locale="en")


def qr_path(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw the QR code of ``data`` as a single filled path (runs of dark modules per row)."""
    # A fixed mask pattern: every mask decodes; searching the best of eight costs ~35 ms per code.
    qr = segno.make(data, error="m", micro=False, mask=2)
    matrix = qr.matrix
    n = len(matrix)
    module = size / n
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * module
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(x + start * module, top, (c - start) * module, module)
            else:
                c += 1
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


def _fit(canvas: Canvas, text: str, font: str, size: float, width: float, minimum: float) -> float:
    while size > minimum and canvas.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _centred_lines(canvas: Canvas, text: str, font: str, size: float, cx: float, y: float, width: float,
                   leading: float) -> float:
    """Draw text centred, wrapped to ``width``; return the y below the last line."""
    for line in simpleSplit(text, font, size, width):
        canvas.setFont(font, size)
        canvas.drawCentredString(cx, y, line)
        y -= leading
    return y


def _labels(view: CertificateView) -> dict[str, str]:
    lang = view.language
    if view.holder_sex == "male":
        honorific = _("Mr.", language=lang)
    elif view.holder_sex == "female":
        honorific = _("Ms.", language=lang)
    else:
        honorific = _("Mr./Ms.", language=lang)
    if view.kind == "certificate":
        title = _("CERTIFICATE", language=lang)
    else:
        title = _("CERTIFICATE OF COMPLETION", language=lang)
    start, end = _date(view.start_date, lang), _date(view.end_date, lang)
    return {
        "nation": _("SOCIALIST REPUBLIC OF VIETNAM", language=lang),
        "motto": _("Independence - Freedom - Happiness", language=lang),
        "title": title,
        "grant": _("hereby certifies that", language=lang),
        "honorific": honorific,
        "born": _("Date of birth", language=lang),
        "completed": _("has completed the course", language=lang),
        "hours": _("Duration", language=lang),
        "hours_value": _("{hours} hours", language=lang, hours=format_decimal(view.hours, locale=lang)),
        "dates": _("from {start} to {end}", language=lang, start=start, end=end),
        "classification": _("Classification", language=lang),
        "number": _("Certificate No.", language=lang),
        "register": _("Register No.", language=lang),
        "code": _("Verification code", language=lang),
        "expires": _("Valid until", language=lang),
        "scan": _("Scan to verify", language=lang),
    }


@dataclass
class _Pen:
    """The canvas and what every part of a certificate draws with."""

    canvas: Canvas
    view: CertificateView
    labels: dict[str, str]
    font: str
    bold: str
    italic: str

    @property
    def lang(self) -> str:
        return self.view.language


def _draw_frame(pen: _Pen) -> None:
    """The double frame around the page."""
    canvas, (w, h) = pen.canvas, PAGE
    canvas.setStrokeColor(FRAME)
    canvas.setLineWidth(3)
    canvas.rect(22, 22, w - 44, h - 44)
    canvas.setLineWidth(0.8)
    canvas.rect(30, 30, w - 60, h - 60)
    canvas.setFillColor(DARK)


def _draw_heading(pen: _Pen) -> str:
    """The issuing body (top left, with its logo) and the national motto (top right); returns the issuer's name."""
    canvas, issuer, font, bold = pen.canvas, pen.view.issuer, pen.font, pen.bold
    w, h = PAGE
    left_cx, right_cx, top = 215, w - 230, h - 70
    governing = nfc(issuer.get("governing_body"))
    name = nfc(issuer.get("issuer_name"))
    logo = issuer.get("logo_path") or ""
    if logo and Path(logo).is_file():
        canvas.drawImage(logo, 48, top - 52, width=56, height=56, preserveAspectRatio=True, mask="auto")
    y = top
    if governing:
        size = _fit(canvas, governing, font, 11.5, 300, 8)
        canvas.setFont(font, size)
        canvas.drawCentredString(left_cx, y, governing)
        y -= 16
    size = _fit(canvas, name, bold, 11.5, 320, 8)
    canvas.setFont(bold, size)
    canvas.drawCentredString(left_cx, y, name)
    canvas.setLineWidth(0.7)
    canvas.setStrokeColor(DARK)
    canvas.line(left_cx - 40, y - 6, left_cx + 40, y - 6)

    canvas.setFont(bold, 11.5)
    canvas.drawCentredString(right_cx, top, pen.labels["nation"])
    canvas.setFont(bold, 12.5)
    canvas.drawCentredString(right_cx, top - 16, pen.labels["motto"])
    motto_w = canvas.stringWidth(pen.labels["motto"], bold, 12.5)
    canvas.line(right_cx - motto_w / 2, top - 22, right_cx + motto_w / 2, top - 22)
    return name


def _draw_holder(pen: _Pen, name: str) -> float:
    """The title, the grant wording, the holder's name and date of birth; returns the next line's y."""
    canvas, view, labels, font, bold, lang = pen.canvas, pen.view, pen.labels, pen.font, pen.bold, pen.lang
    w, h = PAGE
    cx = w / 2
    canvas.setFillColor(ACCENT)
    canvas.setFont(bold, 34)
    canvas.drawCentredString(cx, h - 165, labels["title"])
    canvas.setFillColor(DARK)
    wording = nfc(view.issuer.get("wording_en") if lang == "en" else view.issuer.get("wording"))
    grant = wording or f"{name.title() if lang == 'en' else name} {labels['grant']}"
    y = _centred_lines(canvas, grant, pen.italic, 13, cx, h - 193, w - 200, 17)

    y -= 14
    holder = nfc(view.holder_name)
    canvas.setFont(font, 14)
    prefix = labels["honorific"] + " "
    size = _fit(canvas, holder, bold, 22, w - 260, 14)
    total = canvas.stringWidth(prefix, font, 14) + canvas.stringWidth(holder, bold, size)
    x0 = cx - total / 2
    canvas.drawString(x0, y, prefix)
    canvas.setFont(bold, size)
    canvas.setFillColor(ACCENT)
    canvas.drawString(x0 + canvas.stringWidth(prefix, font, 14), y, holder)
    canvas.setFillColor(DARK)
    y -= 24
    if view.holder_birth_date:
        canvas.setFont(font, 13)
        canvas.drawCentredString(cx, y, f"{labels['born']}: {_date(view.holder_birth_date, lang)}")
        y -= 24
    return y


def _draw_course(pen: _Pen, y: float) -> None:
    """The course completed, its hours and dates, and the classification."""
    canvas, view, labels, font, bold, lang = pen.canvas, pen.view, pen.labels, pen.font, pen.bold, pen.lang
    w, _h = PAGE
    cx = w / 2
    canvas.setFont(font, 13)
    canvas.drawCentredString(cx, y, labels["completed"] + ":")
    y -= 22
    course = nfc(view.course_name)
    size = _fit(canvas, course, bold, 16, w - 180, 12)
    y = _centred_lines(canvas, course, bold, size, cx, y, w - 180, size + 4)
    y -= 6
    facts = [f"{labels['hours']}: {labels['hours_value']}"]
    if view.start_date and view.end_date:
        facts.append(labels["dates"])
    canvas.setFont(font, 13)
    canvas.drawCentredString(cx, y, " — ".join(facts))
    y -= 22
    if view.classification:
        value = view.classification if lang == "vi" else CLASSIFICATION_EN.get(view.classification,
                                                                                 view.classification)
        canvas.setFont(font, 13)
        label = f"{labels['classification']}: "
        total = canvas.stringWidth(label, font, 13) + canvas.stringWidth(value, bold, 13)
        canvas.drawString(cx - total / 2, y, label)
        canvas.setFont(bold, 13)
        canvas.drawString(cx - total / 2 + canvas.stringWidth(label, font, 13), y, value)


def _draw_signer(pen: _Pen) -> None:
    """Place and date, the signer's title and name (bottom right)."""
    canvas, issuer, lang = pen.canvas, pen.view.issuer, pen.lang
    sx = PAGE[0] - 215
    canvas.setFont(pen.italic, 12.5)
    canvas.drawCentredString(sx, 168, official_date_line(nfc(issuer.get("place")), pen.view.issued_on, lang))
    signer_title = nfc(issuer.get("signer_title_en") if lang == "en" and issuer.get("signer_title_en")
                       else issuer.get("signer_title"))
    canvas.setFont(pen.bold, 12.5)
    canvas.drawCentredString(sx, 148, signer_title)
    canvas.setFont(pen.bold, 13.5)
    canvas.drawCentredString(sx, 68, nfc(issuer.get("signer_name")))


def _draw_numbers(pen: _Pen) -> None:
    """The QR code, the number, verification code, register number and validity (bottom left)."""
    canvas, view, labels, font, bold, italic = pen.canvas, pen.view, pen.labels, pen.font, pen.bold, pen.italic
    qr_size = 108  # mm-sized modules even for a version-16 code, for phone cameras
    if view.verify_url:
        qr_path(canvas, view.verify_url, 52, 52, qr_size)
    tx = 52 + qr_size + 12
    canvas.setFillColor(DARK)
    line_y = 134 if view.verification_code else 118
    for label, value in ((labels["number"], view.number), (labels["code"], display_code(view.verification_code))):
        if not value:
            continue
        canvas.setFont(font, 11)
        canvas.drawString(tx, line_y, f"{label}: ")
        canvas.setFont(bold, 11)
        canvas.drawString(tx + canvas.stringWidth(f"{label}: ", font, 11), line_y, value)
        line_y -= 16
    canvas.setFont(font, 11)
    canvas.drawString(tx, line_y, f"{labels['register']}: {view.register_label}")
    line_y -= 16
    if view.expires_on:
        canvas.drawString(tx, line_y, f"{labels['expires']}: {_date(view.expires_on, pen.lang)}")
        line_y -= 16
    canvas.setFont(italic, 9)
    canvas.drawString(tx, line_y, labels["scan"])
    if view.verification_code and "/verify/" in view.verify_url:
        page = view.verify_url.split("/verify/", 1)[0] + "/verify"
        text = _("or type the number and the code at {url}", language=pen.lang, url=page)
        # clear of the signer
        canvas.setFont(italic, _fit(canvas, text, italic, 9, PAGE[0] - 215 - 125 - tx, 6.5))
        canvas.drawString(tx, line_y - 11, text)


def draw_certificate(canvas: Canvas, view: CertificateView) -> None:
    """Draw one certificate on the current page of ``canvas``: frame, heading, holder, course,
    signer, numbers."""
    font = register_fonts()
    pen = _Pen(canvas, view, _labels(view), font, font + "-Bold", font + "-Italic")
    _draw_frame(pen)
    name = _draw_heading(pen)
    y = _draw_holder(pen, name)
    _draw_course(pen, y)
    _draw_signer(pen)
    _draw_numbers(pen)


def _new_canvas(buffer: io.BytesIO, title: str, language: str) -> Canvas:
    canvas = Canvas(buffer, pagesize=PAGE, invariant=1, pageCompression=1, initialFontName=register_fonts(),
                    lang="vi-VN" if language == "vi" else "en-GB")
    canvas.setTitle(title)
    canvas.setAuthor("training")
    canvas.setSubject(title)
    canvas.setCreator("training")
    return canvas


# ReportLab's embedded-font subsetting keeps state on the shared font objects: two renders at once
# in threads of one process corrupt each other (IndexError in makeSubset). Renders in one process
# take turns; parallel rendering uses worker processes (certificates.exports.class_pdf).
_RENDER_LOCK = threading.Lock()


def render_pdf(view: CertificateView) -> bytes:
    """One certificate as a PDF document."""
    buffer = io.BytesIO()
    with _RENDER_LOCK:
        canvas = _new_canvas(buffer, f"{view.number} - {nfc(view.holder_name)}", view.language)
        draw_certificate(canvas, view)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def render_many(views: Iterable[CertificateView], title: str) -> bytes:
    """Several certificates, one per page, in one PDF (for printing a whole class)."""
    with _RENDER_LOCK:
        return _render_many(views, title)


def _render_many(views: Iterable[CertificateView], title: str) -> bytes:
    buffer = io.BytesIO()
    canvas = None
    for view in views:
        if canvas is None:
            canvas = _new_canvas(buffer, title, view.language)
        draw_certificate(canvas, view)
        canvas.showPage()
    if canvas is None:
        canvas = _new_canvas(buffer, title, "vi")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def issuer_snapshot(profile: dict) -> str:
    """The issuer as printed, frozen on the certificate; ``province``/``province_kind`` are the issuing
    organisation's province (for ``issuer_display_name``)."""
    keys = ("governing_body", "issuer_name", "signer_title", "signer_name", "place", "wording", "logo_path",
            "province", "province_kind")
    return json.dumps({k: nfc(profile.get(k) or "") for k in keys}, ensure_ascii=False, sort_keys=True)


_TONES = "\u0300\u0301\u0303\u0309\u0323"  # the five Vietnamese tone marks (combining)


def _words(text: str) -> list[str]:
    """The words of a name compared as people read them: any case, tone mark wherever it sits
    ("Hoà" = "Hòa" = "HOÀ"), but "Huệ" ≠ "Huế"."""
    out = []
    for word in re.findall(r"\w+", nfc(text).casefold()):
        decomposed = unicodedata.normalize("NFD", word)
        tones = "".join(ch for ch in decomposed if ch in _TONES)
        base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
        out.append(base + "/" + tones)
    return out


@lru_cache(maxsize=1024)  # pure, and asked on every public verification
def issuer_display_name(name: str, province: str = "", province_kind: str = "") -> str:
    """The issuer's name as the public sees it: with its province, since "TRUNG TÂM CÔNG TÁC XÃ HỘI"
    alone names no one ("TRUNG TÂM CÔNG TÁC XÃ HỘI TỈNH KHÁNH HÒA"). A name that already contains the
    province (in any case or accent spelling) stays as it is; an upper-case name gets an upper-case
    province."""
    name, province, kind = nfc(name).strip(), nfc(province).strip(), nfc(province_kind).strip()
    if not province:
        return name
    if not name:
        return f"{kind} {province}".strip()
    words, wanted = _words(name), _words(province)
    if any(words[i:i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
        return name
    suffix = f"{kind.lower()} {province}".strip()
    letters = [ch for ch in name if ch.isalpha()]
    if letters and all(ch.isupper() for ch in letters):
        suffix = suffix.upper()
    return f"{name} {suffix}"
