"""Certificates: issue, number, sign, store, re-issue, revoke, verify, export.

The API, the admin forms and the command line all call these functions.

- **Issuing** is for completed enrolments of closed classes only and idempotent: an enrolment that
  already has a certificate (valid, replaced or revoked) gets no second one from a class run; asking
  for one learner twice is a 409. At most one certificate per enrolment is valid (a unique index).
- **Numbers.** Số vào sổ runs 1, 2, 3 … per issuing organisation and year, decided inside a write
  transaction that holds the issuer (BEGIN IMMEDIATE on SQLite, ``SELECT … FOR UPDATE`` of the
  organisation row on PostgreSQL) and backed by a unique index; certificate rows are never
  deleted, so a number is never repeated or skipped. Số hiệu is ``<prefix>-<year>-<register>``,
  the prefix being unique per issuer, so it is unique nationally.
- **Immutable.** Every printed field is frozen on the row at issue; corrections are re-issues
  (new number, old row ``replaced`` and linked), withdrawals are revocations with a reason.
- **PDFs** are rendered after the rows are committed and their SHA-256 recorded, so an uploaded
  file can be checked against the original; ``certificates.storage`` renders, stores and completes
  them (after a crash, a missing file) wherever a file is needed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import sqlite3
import threading
import zipfile
from dataclasses import dataclass, field
from typing import Any

from certificates import codes
from certificates.rendering import issuer_display_name, issuer_snapshot, render_many
from certificates.signing import keyring
from certificates.storage import Progress, ensure_pdfs, pdf_path, view_of, zip_entry_name
from certificates.tables import Certificate, IssuerProfile
from training.auth.access import Actor, own_people_where, scope_where
from training.classes.tables import Course, Enrolment, TrainingClass
from training.core.db import chunks, lock_row, write_transaction
from training.core.enums import CertificateStatus, ClassStatus, EnrolmentStatus, Level, Role, Sex, label
from training.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from training.core.filenames import safe_filename
from training.core.i18n import N_, _
from training.coverage import facts
from training.people.privacy import record_access
from training.people.tables import Organisation
from training.records.audit import audit, audit_many
from training.records.rows import is_integrity_error, visible_row
from training.records.validation import NUMBER_PREFIX, clean_text, default_number_prefix, formula_errors
from training.spreadsheets.writer import XlsxBook

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


def token_fields(row: dict[str, Any]) -> dict[str, Any]:
    """The essential fields a certificate's token signs (no date of birth, no CCCD)."""
    return {
        "n": row["number"], "h": row["holder_name"], "c": row["course_code"], "hr": row["hours"],
        "s": _iso(row["start_date"]), "e": _iso(row["end_date"]),
        "i": _iso(row["issued_on"]), "x": _iso(row.get("expires_on")),
    }


# --- issuing ---------------------------------------------------------------------------------------

@dataclass
class IssueResult:
    class_code: str
    issued: list[dict[str, Any]] = field(default_factory=list)
    already: int = 0
    completed: int = 0
    completed_pdfs: int = 0  # PDFs of an earlier, interrupted run rendered by this one

    def as_dict(self) -> dict[str, Any]:
        return {"class_code": self.class_code, "issued": len(self.issued), "already_issued": self.already,
                "completed": self.completed,
                "numbers": [r["number"] for r in self.issued], "completed_pdfs": self.completed_pdfs,
                "message": self.message()}

    def message(self) -> str:
        if not self.issued and self.completed_pdfs:
            return _("No new certificate for class {code}; the PDF files of {count} certificate(s) from an "
                     "interrupted run were completed.", code=self.class_code, count=self.completed_pdfs)
        if not self.issued:
            return _("Every learner who completed class {code} already has a certificate; nothing was issued.",
                     code=self.class_code)
        return _("{count} certificate(s) issued for class {code} ({first} … {last}).", count=len(self.issued),
                 code=self.class_code, first=self.issued[0]["number"], last=self.issued[-1]["number"])


async def _issuer_profile(org_id: int | None, class_code: str) -> dict[str, Any]:
    if org_id is None:
        raise DomainError.single("no_issuer", N_(
            "Class {code} has no training institution, so nobody can issue its certificates; "
            "choose the institution on the class first."), "institution", code=class_code)
    profile = await IssuerProfile.select().where(IssuerProfile.organisation == org_id).first().run()
    if profile is None:
        org = await Organisation.select(Organisation.name).where(Organisation.id == org_id).first().run()
        raise DomainError.single("no_issuer_profile", N_(
            "{name} has no issuer profile (name, signer, place) yet; add one under Issuer profiles first."),
            "institution", name=org["name"] if org else org_id)
    province = await Organisation.select(
        Organisation.province.name.as_alias("province"), Organisation.province.kind.as_alias("province_kind"),
    ).where(Organisation.id == org_id).first().run()
    return {**profile, **(province or {})}


def _prefix(profile: dict[str, Any]) -> str:
    """The issuer's number prefix, checked again here: it becomes part of numbers and file names."""
    prefix = (profile["number_prefix"] or default_number_prefix(profile["organisation"])).upper()
    if not NUMBER_PREFIX.fullmatch(prefix):
        raise DomainError.single("number_prefix_format", N_(
            "The number prefix \"{value}\" of this issuer is not allowed (2 to 12 capital letters, digits or "
            "hyphens); correct it under Issuer profiles first."), "number_prefix", value=prefix[:40])
    return prefix


async def _completed_enrolments(class_id: int) -> list[dict[str, Any]]:
    return await Enrolment.select(
        Enrolment.id, Enrolment.status, Enrolment.classification, Enrolment.person,
        Enrolment.person.full_name.as_alias("full_name"), Enrolment.person.date_of_birth.as_alias("dob"),
        Enrolment.person.sex.as_alias("sex"),
    ).where((Enrolment.training_class == class_id) & (Enrolment.status == EnrolmentStatus.completed)).order_by(
        Enrolment.id).run()


async def _enrolments_with_certificate(enrolment_ids: list[int]) -> set[int]:
    out: set[int] = set()
    for chunk in chunks(enrolment_ids, 500):
        rows = await Certificate.select(Certificate.enrolment).where(Certificate.enrolment.is_in(chunk)).run()
        out |= {r["enrolment"] for r in rows}
    return out


def _snapshot(enrolment: dict[str, Any], course: dict[str, Any], cls: dict[str, Any],
              profile: dict[str, Any]) -> dict[str, Any]:
    return {
        "holder_name": clean_text(enrolment["full_name"]) or "",
        "holder_birth_date": enrolment["dob"],
        "holder_sex": enrolment["sex"] or "",
        "course_code": course["code"], "course_name_vi": clean_text(course["name_vi"]) or "",
        "course_name_en": clean_text(course["name_en"]) or "", "level": course["level"],
        "kind": course["certificate_kind"], "hours": course["hours"],
        "start_date": cls["start_date"], "end_date": cls["end_date"],
        "classification": enrolment["classification"] or "", "class_code": cls["code"],
        "issuer_snapshot": issuer_snapshot(profile),
    }


async def _insert_certificates(issuer_id: int, profile: dict[str, Any], snapshots: list[tuple[int, dict]],
                               issued_on: dt.date, validity_months: int | None, actor: Actor,
                               action: str = "issue") -> list[dict[str, Any]]:
    """Number, sign and insert certificates (caller holds the write transaction)."""
    await lock_row(Organisation, issuer_id)
    year = issued_on.year
    last = await Certificate.select(Certificate.register_number).where(
        (Certificate.issuer == issuer_id) & (Certificate.register_year == year)).order_by(
        Certificate.register_number, ascending=False).first().run()
    next_number = (last["register_number"] if last else 0) + 1
    ring = keyring()
    now = dt.datetime.now(dt.UTC)
    expires = add_months(issued_on, validity_months) if validity_months else None
    rows = []
    for offset, (enrolment_id, snap) in enumerate(snapshots):
        register = next_number + offset
        row = {**snap, "enrolment": enrolment_id, "issuer": issuer_id,
               "number": f"{_prefix(profile)}-{year}-{register:06d}", "register_year": year,
               "register_number": register, "issued_on": issued_on, "expires_on": expires,
               "status": CertificateStatus.valid, "created_at": now, "verification_code": codes.new_code()}
        row["token"], row["key_id"] = ring.sign(token_fields(row))
        rows.append(row)
    for chunk in chunks(rows, 100):
        await Certificate.insert(*[Certificate(**r) for r in chunk]).run()
    numbers = [r["number"] for r in rows]
    saved: list[dict[str, Any]] = []
    for chunk in chunks(numbers, 500):
        saved += await Certificate.select().where(Certificate.number.is_in(chunk)).run()
    saved.sort(key=lambda r: r["register_number"])
    await audit_many(actor, action, Certificate, [
        (r["id"], None, {"number": r["number"], "enrolment": r["enrolment"],
                         "register": f"{r['register_number']}/{r['register_year']}"}) for r in saved])
    return saved


async def issue_for_class(class_id: int, actor: Actor, enrolment_id: int | None = None,
                          issued_on: dt.date | None = None, progress: Progress | None = None) -> IssueResult:
    """Issue certificates to every learner of the closed class who completed (or to one enrolment).

    Every decision (class closed, who completed, who already has a certificate, the next register
    number) is made on rows read inside one write transaction that holds the class and the issuer;
    a unique index allows at most one valid certificate per enrolment. Then the PDFs: of this run,
    and of any earlier run that was interrupted (see ``ensure_pdfs``), so running it again after a
    crash finishes the job.
    """
    cls = await visible_row(TrainingClass, class_id, actor, write=True)
    course = await Course.select().where(Course.id == cls["course"]).first().run()
    profile = await _issuer_profile(cls["institution"], cls["code"])
    issued_on = issued_on or dt.date.today()
    result = IssueResult(class_code=cls["code"])
    try:
        async with write_transaction():
            await lock_row(TrainingClass, class_id)
            await lock_row(Organisation, cls["institution"])
            current = await TrainingClass.select(TrainingClass.status).where(TrainingClass.id == class_id).first().run()
            completed = await _completed_to_issue(cls, enrolment_id, current["status"])
            result.completed = len(completed)
            if progress:
                progress("records", 0, len(completed))
            have = await _enrolments_with_certificate([e["id"] for e in completed])
            if enrolment_id is not None and have:
                raise Conflict.single("already_issued", N_(
                    "{name} already has a certificate for class {code}; to correct it, re-issue that certificate."),
                    "enrolment", name=completed[0]["full_name"], code=cls["code"])
            todo = [e for e in completed if e["id"] not in have]
            result.already = len(completed) - len(todo)
            if todo:
                snaps = [(e["id"], _snapshot(e, course, cls, profile)) for e in todo]
                result.issued = await _insert_certificates(cls["institution"], profile, snaps, issued_on,
                                                           course["validity_months"], actor)
                await facts.class_changed(class_id)
    except Exception as exc:
        if is_integrity_error(exc):  # the unique index saw a certificate the lock should have shown
            raise Conflict.single("already_issued_concurrently", N_(
                "Certificates of class {code} were being issued by someone else at the same time; "
                "nothing was issued by this request. Reload to see them."), "training_class",
                code=cls["code"]) from exc
        raise
    if progress:
        progress("records", result.completed, result.completed)
    pending = await Certificate.select().where(
        (Certificate.enrolment.training_class == class_id)
        & (Certificate.status == CertificateStatus.valid)).order_by(Certificate.id).run()
    rendered = await ensure_pdfs(pending, progress)
    result.completed_pdfs = max(0, rendered - len(result.issued))
    return result


async def _completed_to_issue(cls: dict[str, Any], enrolment_id: int | None, status: str) -> list[dict[str, Any]]:
    """The completed enrolments to consider (all, or the one asked for); errors say what is missing."""
    if status != ClassStatus.closed:
        raise Conflict.single("class_not_closed", N_(
            "Class {code} is not closed yet: close the class (which decides who completed) before issuing "
            "certificates."), "training_class", code=cls["code"])
    completed = await _completed_enrolments(cls["id"])
    if enrolment_id is not None:
        one = await Enrolment.select(Enrolment.id, Enrolment.status, Enrolment.person.full_name.as_alias("name")).where(
            (Enrolment.id == enrolment_id) & (Enrolment.training_class == cls["id"])).first().run()
        if one is None:
            raise NotFound.single("unknown_enrolment", N_("Learner {id} is not enrolled in class {code}."),
                                  "enrolment", id=enrolment_id, code=cls["code"])
        if one["status"] != EnrolmentStatus.completed:
            raise DomainError.single("not_completed", N_(
                "{name} has not completed class {code}, so no certificate can be issued."),
                "enrolment", name=one["name"], code=cls["code"])
        completed = [e for e in completed if e["id"] == enrolment_id]
    if not completed:
        raise DomainError.single("nobody_completed", N_(
            "Nobody has completed class {code} yet: close the class to decide completion first."),
            "training_class", code=cls["code"])
    return completed


async def _certificate_for_change(cert_id: int, actor: Actor) -> dict[str, Any]:
    if not (actor.is_coordinator or actor.is_department):
        raise PermissionDenied.single("forbidden", N_("Your account cannot do this."))
    return await _visible_certificate(cert_id, actor)


def _reason(reason: str | None, msgid: str) -> str:
    text = clean_text(reason) or ""
    if formula_errors(text, "reason"):
        raise DomainError(formula_errors(text, "reason"))
    if len(text) < 5:
        raise DomainError.single("reason_required", msgid, "reason")
    if len(text) > 255:
        raise DomainError.single("reason_too_long", N_("The reason is too long (at most 255 characters)."), "reason")
    return text


def _must_be_valid(row: dict[str, Any]) -> None:
    if row["status"] != CertificateStatus.valid:
        raise Conflict.single("not_valid", N_(
            "Certificate {number} is already {status}; only a valid certificate can be changed."), "certificate",
            number=row["number"], status=label(CertificateStatus, row["status"]).lower())


async def revoke(cert_id: int, reason: str | None, actor: Actor) -> dict[str, Any]:
    """Withdraw a certificate, with a reason; it then verifies as revoked."""
    text = _reason(reason, N_("Give the reason for revoking (at least 5 characters)."))
    before = await _certificate_for_change(cert_id, actor)
    async with write_transaction():
        await lock_row(Certificate, cert_id)
        row = await Certificate.select().where(Certificate.id == cert_id).first().run()
        _must_be_valid(row)
        await Certificate.update({Certificate.status: CertificateStatus.revoked, Certificate.revoked_reason: text,
                                  Certificate.revoked_at: dt.datetime.now(dt.UTC)}).where(
            Certificate.id == cert_id).run()
        after = await Certificate.select().where(Certificate.id == cert_id).first().run()
        await audit(actor, "revoke", Certificate, cert_id, _audit_view(before), _audit_view(after))
        await facts.certificate_status_changed(row["enrolment"])  # a revoked certificate stops counting
    return after


async def reissue(cert_id: int, reason: str | None, actor: Actor, issued_on: dt.date | None = None) -> dict[str, Any]:
    """A corrected certificate from today's person, course and issuer data: new number, old one replaced."""
    text = _reason(reason, N_("Give the reason for re-issuing (at least 5 characters)."))
    old = await _certificate_for_change(cert_id, actor)
    _must_be_valid(old)
    enrolment = await Enrolment.select(
        Enrolment.id, Enrolment.classification, Enrolment.status, Enrolment.training_class,
        Enrolment.person.full_name.as_alias("full_name"), Enrolment.person.date_of_birth.as_alias("dob"),
        Enrolment.person.sex.as_alias("sex")).where(Enrolment.id == old["enrolment"]).first().run()
    cls = await TrainingClass.select().where(TrainingClass.id == enrolment["training_class"]).first().run()
    course = await Course.select().where(Course.id == cls["course"]).first().run()
    issuer_id = old["issuer"]
    profile = await _issuer_profile(issuer_id, cls["code"])
    async with write_transaction():
        await lock_row(Certificate, cert_id)
        current = await Certificate.select().where(Certificate.id == cert_id).first().run()
        _must_be_valid(current)
        snap = _snapshot(enrolment, course, cls, profile)
        if not snap["classification"]:
            snap["classification"] = old["classification"]
        # The old one stops being valid before the new one exists: at most one valid certificate per
        # enrolment (a unique index) holds at every statement.
        await Certificate.update({Certificate.status: CertificateStatus.replaced, Certificate.revoked_reason: text,
                                  Certificate.revoked_at: dt.datetime.now(dt.UTC)}).where(
            Certificate.id == cert_id).run()
        [new] = await _insert_certificates(issuer_id, profile, [(old["enrolment"], snap)],
                                           issued_on or dt.date.today(), course["validity_months"], actor,
                                           action="reissue")
        await Certificate.update({Certificate.replaced_by: new["id"]}).where(Certificate.id == cert_id).run()
        after = await Certificate.select().where(Certificate.id == cert_id).first().run()
        await audit(actor, "replace", Certificate, cert_id, _audit_view(current), _audit_view(after))
        await facts.certificate_status_changed(old["enrolment"])
    await ensure_pdfs([new])
    return await Certificate.select().where(Certificate.id == new["id"]).first().run()


def _audit_view(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("number", "status", "replaced_by", "revoked_reason", "holder_name", "course_code", "issued_on")
    return {k: row.get(k) for k in keys}


# --- who may see a certificate -------------------------------------------------------------------

async def _visible_certificate(cert_id: int, actor: Actor) -> dict[str, Any]:
    """The certificate if the actor may see it: coordinators all, departments their province,
    learners their own; otherwise 404 (never reveal someone else's certificate)."""
    row = await _scoped(Certificate.select().where(Certificate.id == cert_id), actor).first().run()
    if row is None:
        raise NotFound.single("unknown_certificate", N_("There is no certificate with ID {id} that you may see."),
                              "certificate", id=cert_id)
    return row


def _scoped(query, actor: Actor):
    """Restrict a certificate query to what the actor may see: coordinators all, departments the
    certificates of their province's learners, learners their own."""
    if actor.role == Role.learner:
        if actor.person_id is None:
            return query.where(Certificate.id < 0)
        return query.where(Certificate.enrolment.person == actor.person_id)
    if not actor.is_coordinator:
        where = scope_where(Certificate, actor)
        if where is not None:
            return query.where(where)
    return query


async def code_readers(cert_ids: list[int], actor: Actor) -> set[int]:
    """Which of these certificates' verification codes the actor may read: the same rule as seeing
    the certificate itself (the learner herself, coordinators, the department of her province); a
    department hosting a class of another province's learners does not get theirs."""
    if actor.is_coordinator:
        return set(cert_ids)
    out: set[int] = set()
    for chunk in chunks(cert_ids, 500):
        rows = await _scoped(Certificate.select(Certificate.id).where(Certificate.id.is_in(chunk)), actor).run()
        out |= {r["id"] for r in rows}
    return out


async def find_by_number(number: str, actor: Actor) -> dict[str, Any]:
    """The certificate of this number if the actor may see it; one answer for "no such number" and
    "another province's certificate" (no enumeration)."""
    row = await _scoped(Certificate.select().where(Certificate.number == clean_number(number)), actor).first().run()
    if row is None:
        raise NotFound.single("unknown_number", N_("There is no certificate numbered {number}."), "number",
                              number=number)
    return row


async def pdf_bytes(cert_id: int, actor: Actor, language: str = "vi") -> tuple[dict[str, Any], bytes]:
    """The stored PDF of a certificate the actor may see (rendered and recorded first when missing)."""
    row = await _visible_certificate(cert_id, actor)
    language = "en" if language == "en" else "vi"
    await ensure_pdfs([row], language=language)
    content = await _read_pdf(row, language)
    await record_access(actor, "export", count=1, export=f"certificate-pdf:{cert_id}")
    return row, content


async def _read_pdf(row: dict[str, Any], language: str = "vi") -> bytes:
    path = pdf_path(row["number"], row["register_year"], language)
    try:
        return path.read_bytes()
    except FileNotFoundError:  # removed since ensure_pdfs looked: render it once more
        await ensure_pdfs([{**row, "pdf_sha256": None, "pdf_en_sha256": None}], language=language)
        return path.read_bytes()


def download_name(row: dict[str, Any], language: str = "vi") -> str:
    """The name a certificate's PDF is downloaded under: chung-chi-<number>[-en].pdf."""
    return f"chung-chi-{safe_filename(row['number'])}{'' if language == 'vi' else '-en'}.pdf"


def summary(row: dict[str, Any], with_code: bool = True) -> dict[str, Any]:
    """A certificate as listed to signed-in users; the verification code only ``with_code`` (see
    ``code_readers``)."""
    return {
        "id": row["id"], "number": row["number"],
        "register": f"{row['register_number']:06d}/{row['register_year']}",
        "holder_name": row["holder_name"], "course": row["course_name_vi"], "course_code": row["course_code"],
        "level": row["level"], "level_label": label(Level, row["level"]),
        "hours": row["hours"], "class_code": row["class_code"], "classification": row["classification"],
        "issued_on": _iso(row["issued_on"]), "expires_on": _iso(row["expires_on"]),
        "status": effective_status(row), "status_label": label(CertificateStatus, effective_status(row)),
        "reason": row["revoked_reason"],
        "verification_code": codes.display(row.get("verification_code")) if with_code else None,
    }


def effective_status(row: dict[str, Any], today: dt.date | None = None) -> str:
    if row["status"] != CertificateStatus.valid:
        return row["status"]
    if row["expires_on"] and row["expires_on"] < (today or dt.date.today()):
        return "expired"
    return "valid"


async def my_certificates(actor: Actor) -> list[dict[str, Any]]:
    if actor.role != Role.learner or actor.person_id is None:
        raise PermissionDenied.single("learners_only",
                                      N_("This page is for learners signed in with their own account."))
    rows = await Certificate.select().where(Certificate.enrolment.person == actor.person_id).order_by(
        Certificate.issued_on, ascending=False).order_by(Certificate.id, ascending=False).run()
    return [summary(r) for r in rows]


async def class_certificates(class_id: int, actor: Actor) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The class and the certificates of its learners the actor may see: a department hosting the class sees
    only those of its own province's learners (training.auth.access.own_people_where)."""
    cls = await visible_row(TrainingClass, class_id, actor)
    query = Certificate.select().where(Certificate.enrolment.training_class == class_id)
    where = own_people_where(actor, Certificate.enrolment.person.province)
    if where is not None:
        query = query.where(where)
    rows = await query.order_by(Certificate.register_year).order_by(Certificate.register_number).run()
    return cls, rows


async def class_summaries(class_id: int, actor: Actor) -> list[dict[str, Any]]:
    """The certificates of a class as listed, with the codes the actor may read."""
    _cls, rows = await class_certificates(class_id, actor)
    readable = await code_readers([r["id"] for r in rows], actor)
    return [summary(r, with_code=r["id"] in readable) for r in rows]


# --- verification ----------------------------------------------------------------------------------

def clean_number(number: str) -> str:
    """A certificate number as typed, cleaned for lookup: upper case, at most 40 characters."""
    return (clean_text(number) or "").upper()[:40]


async def verification(number: str, token: str | None = None, code: str | None = None) -> dict[str, Any]:
    """What the public may know about a certificate; never the CCCD or the birth date.

    The number alone says only that the certificate exists and its status (valid, revoked, replaced,
    expired): numbers are sequential, so anything more would make them a directory of holders. The
    holder, course, dates, classification and issuer need proof of holding the certificate: the
    token of its QR code (the signature is checked and must match this certificate; a bad one is an
    error) or the verification code printed on it (``certificates.codes``). A wrong code answers
    exactly as no code: it never tells whether it was close.
    """
    number = clean_number(number)
    fields = None
    if token:
        fields = keyring().verify(token)
        if fields.get("n") != number:
            raise DomainError.single("token_mismatch", N_(
                "The code in the QR does not belong to certificate {number}: the paper may have been altered."),
                "qr_token", http_status=400, number=number)
    row = await _public_row(number)
    if row is None:
        raise NotFound.single("unknown_number", N_("There is no certificate numbered {number}."), "number",
                              number=number or "?")
    if fields is not None and fields != {k: v for k, v in {**token_fields(row), "kid": fields.get("kid")}.items()
                                         if v not in (None, "")}:
        raise DomainError.single("token_mismatch", N_(
            "The code in the QR does not belong to certificate {number}: the paper may have been altered."),
            "qr_token", http_status=400, number=number)
    details = fields is not None or codes.matches(row["verification_code"], code)
    return public_view(row, details=details, token_checked=fields is not None)


_PUBLIC_COLUMNS = ("id", "number", "status", "holder_name", "course_code", "course_name_vi", "course_name_en", "level",
                   "hours", "start_date", "end_date", "issued_on", "expires_on", "classification", "issuer_snapshot",
                   "revoked_reason", "register_number", "register_year", "kind", "verification_code")
_PUBLIC_SQL = ("SELECT " + ", ".join(f"c.{c}" for c in _PUBLIC_COLUMNS) + ", r.number AS replaced_by_number "
               "FROM certificate c LEFT JOIN certificate r ON r.id = c.replaced_by WHERE c.number = {}")
_DATE_COLUMNS = ("start_date", "end_date", "issued_on", "expires_on")
_sqlite_reader = threading.local()


def _sqlite_connection(path: str) -> sqlite3.Connection:
    """A read-only connection kept per thread: the public lookup is the hottest query, and opening a
    connection per query (as the async SQLite driver does) costs more than the query itself."""
    conn = getattr(_sqlite_reader, "conn", None)
    if conn is None or getattr(_sqlite_reader, "path", None) != path:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=2)
        conn.row_factory = sqlite3.Row
        _sqlite_reader.conn, _sqlite_reader.path = conn, path
    return conn


async def _public_row(number: str) -> dict[str, Any] | None:
    from training.core.db import engine

    db = engine()
    if db.engine_type == "sqlite":
        found = _sqlite_connection(db.path).execute(_PUBLIC_SQL.replace("{}", "?"), (number,)).fetchone()
        if found is None:
            return None
        row = dict(found)
        for name in _DATE_COLUMNS:
            if isinstance(row[name], str):
                row[name] = dt.date.fromisoformat(row[name][:10])
        return row
    pool = getattr(db, "pool", None)
    if pool is not None:  # the server's pool: straight to asyncpg, skipping the query builder
        async with pool.acquire() as conn:
            found = await conn.fetchrow(_PUBLIC_SQL.replace("{}", "$1"), number)
        return dict(found) if found is not None else None
    rows = await Certificate.raw(_PUBLIC_SQL, number).run()
    return rows[0] if rows else None


def public_view(row: dict[str, Any], details: bool = False, token_checked: bool = False) -> dict[str, Any]:
    """The public answer for a certificate row: status only, or (``details``) everything printed on
    it but the birth date. The issuer is named with its province (``issuer_display_name``)."""
    status = effective_status(row)
    brief = {"number": row["number"], "status": status, "status_label": label(CertificateStatus, status),
             "details": details, "signature_checked": token_checked}
    if not details:
        return brief
    issuer = json.loads(row["issuer_snapshot"] or "{}")
    return {
        **brief,
        "holder_name": row["holder_name"], "course": row["course_name_vi"], "course_en": row["course_name_en"],
        "course_code": row["course_code"], "level": row["level"],
        "level_label": label(Level, row["level"]), "hours": row["hours"],
        "start_date": _iso(row["start_date"]), "end_date": _iso(row["end_date"]),
        "issued_on": _iso(row["issued_on"]), "expires_on": _iso(row["expires_on"]),
        "classification": row["classification"],
        "register": f"{row['register_number']:06d}/{row['register_year']}",
        "issuer": issuer_display_name(issuer.get("issuer_name", ""), issuer.get("province", ""),
                                      issuer.get("province_kind", "")),
        "issuer_parent": issuer.get("governing_body", ""),
        "revoked_reason": row["revoked_reason"] if status == "revoked" else None,
        "replaced_by": row.get("replaced_by_number") if status == "replaced" else None,
    }


async def check_pdf(content: bytes) -> dict[str, Any]:
    """Is this file a genuine, unmodified copy of a certificate we issued? (SHA-256 recorded at issue.)"""
    if len(content) > MAX_UPLOAD_BYTES:
        raise DomainError.single("file_too_large", N_("The file is too large (at most {limit} MB)."), "file",
                                 http_status=413, limit=MAX_UPLOAD_BYTES // (1024 * 1024))
    if not content.startswith(b"%PDF-"):
        raise DomainError.single("not_pdf", N_("This file is not a PDF: upload the certificate's PDF file."),
                                 "file", http_status=415)
    digest = hashlib.sha256(content).hexdigest()
    row = await Certificate.select(Certificate.number, Certificate.verification_code).where(
        (Certificate.pdf_sha256 == digest) | (Certificate.pdf_en_sha256 == digest)).first().run()
    if row is None:
        return {"genuine": False, "sha256": digest, "certificate": None,
                "message": _("This PDF does not match any certificate issued by this system: it was changed "
                             "after issue or it was not issued here.")}
    # Whoever holds the genuine file holds everything printed on it, code included: the details.
    view = await verification(row["number"], code=row["verification_code"])
    return {"genuine": True, "sha256": digest, "certificate": view,
            "message": _("This PDF is an unmodified copy of certificate {number}.", number=row["number"])}


# --- exports -----------------------------------------------------------------------------------------

async def class_zip(class_id: int, actor: Actor) -> tuple[str, bytes]:
    """The class's certificate PDFs as stored (missing files rendered again), plain file names only."""
    cls, rows = await class_certificates(class_id, actor)
    _need_rows(rows, cls)
    await ensure_pdfs(rows)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for r in rows:
            zf.writestr(zip_entry_name(r), await _read_pdf(r))
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
    from openpyxl.styles import Alignment, Font

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


async def learner_overview(actor: Actor) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The signed-in learner, and their classes with enrolment status and attended share."""
    from training.classes.attendance import attended_shares
    from training.people.tables import Person

    if actor.role != Role.learner or actor.person_id is None:
        raise PermissionDenied.single("learners_only",
                                      N_("This page is for learners signed in with their own account."))
    person = await Person.select(Person.id, Person.full_name).where(Person.id == actor.person_id).first().run()
    rows = await Enrolment.select(
        Enrolment.id, Enrolment.status, Enrolment.training_class, Enrolment.training_class.code.as_alias("code"),
        Enrolment.training_class.course.name_vi.as_alias("course"),
        Enrolment.training_class.start_date.as_alias("start"), Enrolment.training_class.end_date.as_alias("end"),
    ).where(Enrolment.person == actor.person_id).order_by(Enrolment.training_class.start_date, ascending=False).run()
    out = []
    for r in rows:
        shares = await attended_shares(r["training_class"])
        share = shares.get(r["id"], {}).get("share")
        out.append({"code": r["code"], "course": r["course"], "start": r["start"].strftime("%d/%m/%Y"),
                    "end": r["end"].strftime("%d/%m/%Y"),
                    "status": label(EnrolmentStatus, r["status"]),
                    "attendance": f"{round(share * 100)}%" if share is not None else "—"})
    return person, out


async def issue_demo_certificates() -> str:
    """Certificates for every closed class that has an issuer (the demo; safe to run again)."""
    from training.auth.access import SYSTEM

    classes = await TrainingClass.select(TrainingClass.id, TrainingClass.institution, TrainingClass.end_date).where(
        TrainingClass.status == "closed").order_by(TrainingClass.start_date).run()
    issuers = {r["organisation"] for r in await IssuerProfile.select(IssuerProfile.organisation).run()}
    issued = 0
    for cls in classes:
        if cls["institution"] in issuers and await Enrolment.exists().where(
                (Enrolment.training_class == cls["id"]) & (Enrolment.status == EnrolmentStatus.completed)).run():
            # dated two weeks after the class ended, as an issuer would have done
            day = min(cls["end_date"] + dt.timedelta(days=14), dt.date.today())
            issued += len((await issue_for_class(cls["id"], SYSTEM, issued_on=day)).issued)
    total = await Certificate.count().run()
    return _("Demo certificates: {issued} issued by this run, {total} in all.", issued=issued, total=total)
