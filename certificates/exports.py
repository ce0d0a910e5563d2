"""Certificate downloads: one PDF, a class's PDFs as a ZIP or merged for printing, the register book.

Every download is limited to the certificates the actor may see (``certificates.verification``) and
recorded as a personal-data export (``training.people.privacy.record_access``).
"""

from __future__ import annotations

import asyncio
import io
import zipfile
from typing import Any

from openpyxl.styles import Alignment, Font

from certificates import codes
from certificates.rendering import render_many
from certificates.storage import ensure_pdfs, stored_pdfs, view_of, zip_entry_name
from certificates.tables import Certificate
from certificates.verification import class_certificates, code_readers, effective_status, visible_certificate
from training.auth.access import Actor, own_people_where
from training.core.db import chunks
from training.core.enums import CertificateStatus, Sex, label
from training.core.errors import DomainError, NotFound
from training.core.filenames import safe_filename
from training.core.i18n import N_, _
from training.people.privacy import record_access
from training.people.tables import Organisation
from training.records.rows import visible_row
from training.spreadsheets.writer import XlsxBook


async def pdf_bytes(cert_id: int, actor: Actor, language: str = "vi") -> tuple[dict[str, Any], bytes]:
    """The stored PDF of a certificate the actor may see (rendered and recorded first when missing)."""
    row = await visible_certificate(cert_id, actor)
    language = "en" if language == "en" else "vi"
    await ensure_pdfs([row], language=language)
    content = await _read_pdf(row, language)
    await record_access(actor, "export", count=1, export=f"certificate-pdf:{cert_id}")
    return row, content


async def _read_pdf(row: dict[str, Any], language: str = "vi") -> bytes:
    found = await stored_pdfs([row["id"]], language)
    if row["id"] not in found:  # removed since ensure_pdfs looked: store it once more
        await ensure_pdfs([{**row, "pdf_sha256": None, "pdf_en_sha256": None}], language=language)
        found = await stored_pdfs([row["id"]], language)
    return found[row["id"]]


def download_name(row: dict[str, Any], language: str = "vi") -> str:
    """The name a certificate's PDF is downloaded under: chung-chi-<number>[-en].pdf."""
    return f"chung-chi-{safe_filename(row['number'])}{'' if language == 'vi' else '-en'}.pdf"


async def class_zip(class_id: int, actor: Actor) -> tuple[str, bytes]:
    """The class's certificate PDFs as stored (missing files rendered again), plain file names only."""
    cls, rows = await class_certificates(class_id, actor)
    _need_rows(rows, cls)
    await ensure_pdfs(rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for chunk in chunks(rows, 100):  # a hundred PDFs in memory at a time
            found = await stored_pdfs([r["id"] for r in chunk])
            for r in chunk:
                zf.writestr(zip_entry_name(r), found[r["id"]] if r["id"] in found else await _read_pdf(r))
    await record_access(actor, "export", count=len(rows), export=f"class-certificates-zip:{class_id}")
    return cls["code"], buffer.getvalue()


async def class_pdf(class_id: int, actor: Actor, language: str = "vi") -> tuple[str, bytes]:
    """All valid certificates of a class in one PDF, one per page, for printing."""
    cls, rows = await class_certificates(class_id, actor)
    rows = [r for r in rows if r["status"] == CertificateStatus.valid]
    _need_rows(rows, cls)
    views = [view_of(r, language) for r in rows]
    data = await asyncio.get_running_loop().run_in_executor(
        None, render_many, views, _("Certificates of class {code}", code=cls["code"]))
    await record_access(actor, "export", count=len(rows), export=f"class-certificates-pdf:{class_id}")
    return cls["code"], data


def _need_rows(rows: list, cls: dict[str, Any]) -> None:
    if not rows:
        raise NotFound.single("no_certificates", N_("Class {code} has no certificates yet."), "training_class",
                              code=cls["code"])


async def register_xlsx(organisation_id: int, year: int, actor: Actor) -> tuple[str, bytes]:
    """Sổ cấp chứng chỉ: every certificate of an issuer in a year, in register order."""
    org = await visible_row(Organisation, organisation_id, actor)
    if not 2000 <= year <= 2100:
        raise DomainError.single("bad_year", N_("The year must be between 2000 and 2100."), "year")
    query = Certificate.select(
        Certificate.all_columns(), Certificate.replaced_by.number.as_alias("replaced_by_number"),
    ).where((Certificate.issuer == organisation_id) & (Certificate.register_year == year))
    where = own_people_where(actor, Certificate.enrolment.person.province)  # other provinces' rows are theirs
    if where is not None:
        query = query.where(where)
    rows = await query.order_by(Certificate.register_number).run()
    if not rows:
        raise NotFound.single("empty_register", N_("{name} issued no certificates in {year}."), "year",
                              name=org["name"], year=year)
    book = XlsxBook(_("Register"))  # the one writer: no cell can hold a live formula
    ws = book.sheet
    book.append([_("CERTIFICATE REGISTER — {name} — {year}", name=org["name"], year=year)])
    ws["A1"].font = Font(bold=True, size=13)
    headers = [_("No."), _("Register No."), _("Certificate No."), _("Full name"), _("Date of birth"), _("Sex"),
               _("Course"), _("Hours"), _("Class"), _("Classification"), _("Date of issue"), _("Valid until"),
               _("Status"), _("Notes"), _("Verification code")]
    book.append([])
    book.append(headers)
    for cell in ws[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    readable = await code_readers([r["id"] for r in rows], actor)
    for i, r in enumerate(rows, 1):
        note = ""
        if r["status"] == CertificateStatus.revoked:
            note = _("Revoked: {reason}", reason=r["revoked_reason"] or "")
        elif r["status"] == CertificateStatus.replaced:
            note = _("Replaced by {number}: {reason}", number=r["replaced_by_number"], reason=r["revoked_reason"] or "")
        book.append([i, r["register_number"], r["number"], r["holder_name"],
                   r["holder_birth_date"].strftime("%d/%m/%Y") if r["holder_birth_date"] else "",
                   label(Sex, r["holder_sex"]),
                   r["course_name_vi"], r["hours"], r["class_code"], r["classification"],
                   r["issued_on"].strftime("%d/%m/%Y"),
                   r["expires_on"].strftime("%d/%m/%Y") if r["expires_on"] else "",
                   label(CertificateStatus, effective_status(r)), note,
                   codes.display(r["verification_code"]) if r["id"] in readable else ""])
    for col, width in zip("ABCDEFGHIJKLMNO", (6, 10, 24, 28, 12, 8, 40, 8, 18, 14, 12, 12, 12, 40, 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    content = book.to_bytes()
    await record_access(actor, "export", count=len(rows), export=f"certificate-register:{organisation_id}:{year}")
    return f"so-cap-chung-chi-{organisation_id}-{year}.xlsx", content
