"""The printable invitation sheet (issue 13, ADR 0038): one PDF, one section per learner whom no email or
SMS can reach — her name, class, the name she signs in with, her activation code, the activation address
and its QR code, and what to do, in the current language. Three sections to an A4 page, with cut lines,
for the coordinator to hand out in class. Fonts and the QR drawing are the certificates' (IBM Plex Serif,
embedded; ``certificates.rendering``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from certificates.codes import display
from certificates.rendering import nfc, qr_path, register_fonts
from training.core.i18n import _

PER_PAGE = 3
MARGIN = 36
GREY = Color(0.45, 0.45, 0.45)
QR_SIZE = 118


@dataclass(frozen=True)
class SheetEntry:
    name: str
    group: str  # the class (code and course) or the province's staff registry
    username: str
    code: str  # as issued (no dash)
    valid_until: dt.datetime
    url: str


def _qr_form(canvas: Canvas, url: str) -> str:
    """The QR code of ``url`` drawn once per PDF as a form (XObject) that every section reuses."""
    name = f"qr{hashlib.sha256(url.encode()).hexdigest()[:12]}"
    if not canvas.hasForm(name):
        canvas.beginForm(name, lowerx=0, lowery=0, upperx=QR_SIZE, uppery=QR_SIZE)
        qr_path(canvas, url, 0, 0, QR_SIZE)
        canvas.endForm()
    return name


def _section(canvas: Canvas, entry: SheetEntry, top: float, height: float, font: str) -> None:
    width = A4[0] - 2 * MARGIN
    canvas.saveState()
    canvas.translate(A4[0] - MARGIN - QR_SIZE, top - QR_SIZE - 44)
    canvas.doForm(_qr_form(canvas, entry.url))
    canvas.restoreState()
    y = top - 30
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font + "-Bold", 12)
    canvas.drawString(MARGIN, y, _("ACCOUNT INVITATION — training and certification in social work"))
    lines = [
        (font + "-Bold", 15, nfc(entry.name)),
        (font, 11, nfc(entry.group)),
        (font, 11, _("Sign in with: {username} (or your citizen ID)", username=entry.username)),
        (font + "-Bold", 16, _("Activation code: {code}", code=display(entry.code))),
        (font, 11, _("Valid until {date}", date=entry.valid_until.astimezone(
            dt.timezone(dt.timedelta(hours=7))).strftime("%d/%m/%Y"))),
        (font, 11, _("Address: {url}", url=entry.url)),
    ]
    y -= 8
    for face, size, text in lines:
        y -= size + 6
        while size > 7 and canvas.stringWidth(text, face, size) > width - QR_SIZE - 12:
            size -= 0.5  # a long name or course: smaller, never under the QR code
        canvas.setFont(face, size)
        canvas.drawString(MARGIN, y, text)
    steps = _("Open the address (or scan the QR code) on your phone; type your citizen ID or the name above, the "
              "activation code and a new password (at least 8 characters with letters and digits), twice. The code "
              "works once: keep it to yourself.")
    canvas.setFont(font, 10)
    for line in simpleSplit(steps, font, 10, width - QR_SIZE - 12):
        y -= 13
        canvas.drawString(MARGIN, y, line)
    canvas.setStrokeColor(GREY)
    canvas.setDash(4, 4)
    canvas.line(MARGIN / 2, top - height, A4[0] - MARGIN / 2, top - height)
    canvas.setDash()


def render_sheet(entries: list[SheetEntry], title: str) -> bytes:
    """The sheet as PDF bytes (deterministic for the same entries)."""
    font = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=font)
    canvas.setTitle(title)
    height = (A4[1] - 2 * MARGIN) / PER_PAGE
    for index, entry in enumerate(entries):
        slot = index % PER_PAGE
        if index and slot == 0:
            canvas.showPage()
        _section(canvas, entry, A4[1] - MARGIN - slot * height, height, font)
    if not entries:
        canvas.setFont(font, 12)
        canvas.drawString(MARGIN, A4[1] - 2 * MARGIN, _("Nobody needs a printed invitation."))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
