"""Issuing certificates: issue for a closed class, re-issue (correct), revoke (withdraw).

The API, the admin forms and the command line all call these functions.

- **Issuing** is for completed enrolments of closed classes only and idempotent: an enrolment that
  already has a certificate (valid, replaced or revoked) gets no second one from a class run; asking
  for one learner twice is a 409. At most one certificate per enrolment is valid (a unique index).
- **Numbers** are decided inside the write transaction that holds the issuer; how a number is made
  is in ``certificates.numbering``.
- **Immutable.** Every printed field is frozen on the row at issue; corrections are re-issues
  (new number, old row ``replaced`` and linked), withdrawals are revocations with a reason.
- **PDFs** are rendered after the rows are committed and their SHA-256 recorded, so an uploaded
  file can be checked against the original; ``certificates.storage`` renders, stores and completes
  them (after a crash, a missing file) wherever a file is needed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from certificates import codes
from certificates.numbering import certificate_number, next_register_number, number_prefix
from certificates.rendering import issuer_snapshot
from certificates.signing import signing_keyring
from certificates.storage import Progress, ensure_pdfs, verify_url
from certificates.tables import Certificate, IssuerProfile
from certificates.verification import token_fields, visible_certificate
from training.auth.access import SYSTEM, Actor
from training.classes.tables import Course, Enrolment, TrainingClass
from training.core.db import chunks, lock_row, write_transaction
from training.core.enums import CertificateStatus, ClassStatus, EnrolmentStatus, NotificationKind, label
from training.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from training.core.i18n import N_, _
from training.core.text import clean_text
from training.coverage import facts
from training.notifications.outbox import enqueue_many
from training.people.tables import Organisation
from training.records.audit import audit, audit_many
from training.records.rows import is_integrity_error, visible_row
from training.records.validation import formula_errors


def add_months(day: dt.date, months: int) -> dt.date:
    """The expiry date ``months`` after ``day`` (the last day of a shorter month)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


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


async def issuer_profile(org_id: int | None, class_code: str) -> dict[str, Any]:
    """The issuer profile of a class's institution, with its province (errors say what is missing)."""
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


async def completed_enrolments(class_id: int) -> list[dict[str, Any]]:
    """The completed enrolments of a class with what a certificate prints of the person."""
    return await Enrolment.select(
        Enrolment.id, Enrolment.status, Enrolment.classification, Enrolment.person,
        Enrolment.person.full_name.as_alias("full_name"), Enrolment.person.date_of_birth.as_alias("dob"),
        Enrolment.person.sex.as_alias("sex"),
    ).where((Enrolment.training_class == class_id) & (Enrolment.status == EnrolmentStatus.completed)).order_by(
        Enrolment.id).run()


async def missing_certificates(class_id: int) -> int:
    """How many completed learners of the class have no certificate yet (what issuing would make)."""
    completed = [r["id"] for r in await completed_enrolments(class_id)]
    return len(completed) - len(await _enrolments_with_certificate(completed))


async def _enrolments_with_certificate(enrolment_ids: list[int]) -> set[int]:
    out: set[int] = set()
    for chunk in chunks(enrolment_ids, 500):
        rows = await Certificate.select(Certificate.enrolment).where(Certificate.enrolment.is_in(chunk)).run()
        out |= {r["enrolment"] for r in rows}
    return out


def certificate_snapshot(enrolment: dict[str, Any], course: dict[str, Any], cls: dict[str, Any],
                         profile: dict[str, Any]) -> dict[str, Any]:
    """Everything a certificate prints, frozen from today's person, course, class and issuer."""
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
    next_number = await next_register_number(issuer_id, year)
    prefix = number_prefix(profile)
    ring = await signing_keyring()
    now = dt.datetime.now(dt.UTC)
    expires = add_months(issued_on, validity_months) if validity_months else None
    rows = []
    for offset, (enrolment_id, snap) in enumerate(snapshots):
        register = next_number + offset
        row = {**snap, "enrolment": enrolment_id, "issuer": issuer_id,
               "number": certificate_number(prefix, year, register), "register_year": year,
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
    await notify_issued(saved)
    return saved


def certificate_params(row: dict[str, Any]) -> dict[str, Any]:
    """What a message about a certificate names (``training.notifications.messages``)."""
    return {"number": row["number"], "class_code": row["class_code"], "course_name": row["course_name_vi"],
            "course_name_en": row["course_name_en"], "issued_on": row["issued_on"].isoformat(),
            "expires_on": row["expires_on"].isoformat() if row["expires_on"] else None,
            "verify_url": verify_url(row["number"], row["token"])}


async def notify_issued(saved: list[dict[str, Any]]) -> list[int]:
    """Tell each holder that her certificate is issued (issue and re-issue), in the issuing transaction."""
    holders: dict[int, int] = {}
    for chunk in chunks([r["enrolment"] for r in saved], 500):
        rows = await Enrolment.select(Enrolment.id, Enrolment.person).where(Enrolment.id.is_in(chunk)).run()
        holders.update({r["id"]: r["person"] for r in rows})
    kind = NotificationKind.certificate_issued
    return await enqueue_many(kind, [(holders[r["enrolment"]], certificate_params(r), f"{kind}:{r['id']}:{r['number']}")
                                     for r in saved if r["enrolment"] in holders])


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
    profile = await issuer_profile(cls["institution"], cls["code"])
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
                snaps = [(e["id"], certificate_snapshot(e, course, cls, profile)) for e in todo]
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
    completed = await completed_enrolments(cls["id"])
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
    return await visible_certificate(cert_id, actor)


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
    profile = await issuer_profile(issuer_id, cls["code"])
    async with write_transaction():
        await lock_row(Certificate, cert_id)
        current = await Certificate.select().where(Certificate.id == cert_id).first().run()
        _must_be_valid(current)
        snap = certificate_snapshot(enrolment, course, cls, profile)
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


async def issue_demo_certificates() -> str:
    """Certificates for every closed class that has an issuer (the demo; safe to run again)."""
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


async def counts_by_status() -> dict[str, int]:
    """How many certificates there are in each status (valid, revoked, replaced, expired): the
    ``training_certificates`` figure of ``/metrics``."""
    rows = await Certificate.raw("SELECT status, count(*) AS n FROM certificate GROUP BY status").run()
    return {r["status"]: int(r["n"]) for r in rows}
