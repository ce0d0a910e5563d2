"""Who may see a certificate, and what of it: lookups by number, QR token and verification code.

- Signed-in users see the certificates of their scope (``visible_certificate``): coordinators all,
  departments those of their province's learners, learners their own; anything else is a 404 (never
  reveal someone else's certificate). The verification code is readable under the same rule
  (``code_readers``).
- The public (``verification``): the number alone says only that the certificate exists and its status;
  the details need proof of holding it (the QR token, or the printed code). Never the CCCD or the
  birth date. ``check_pdf`` tells whether an uploaded PDF is a genuine, unmodified copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from typing import Any

from certificates import codes
from certificates.numbering import clean_number
from certificates.rendering import issuer_display_name
from certificates.signing import keyring
from certificates.tables import Certificate
from training.auth.access import Actor, own_people_where, scope_where
from training.classes.attendance import person_shares
from training.classes.tables import Enrolment, TrainingClass
from training.core.db import chunks, engine
from training.core.enums import CertificateStatus, EnrolmentStatus, Level, Role, label
from training.core.errors import DomainError, NotFound, PermissionDenied
from training.core.i18n import N_, _
from training.people.tables import Person
from training.records.rows import visible_row

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


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


# --- who may see a certificate -------------------------------------------------------------------

async def visible_certificate(cert_id: int, actor: Actor) -> dict[str, Any]:
    """The certificate if the actor may see it: coordinators all, departments their province,
    learners their own; otherwise 404 (never reveal someone else's certificate)."""
    row = await scoped_query(Certificate.select().where(Certificate.id == cert_id), actor).first().run()
    if row is None:
        raise NotFound.single("unknown_certificate", N_("There is no certificate with ID {id} that you may see."),
                              "certificate", id=cert_id)
    return row


def scoped_query(query, actor: Actor):
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
        rows = await scoped_query(Certificate.select(Certificate.id).where(Certificate.id.is_in(chunk)), actor).run()
        out |= {r["id"] for r in rows}
    return out


async def find_by_number(number: str, actor: Actor) -> dict[str, Any]:
    """The certificate of this number if the actor may see it; one answer for "no such number" and
    "another province's certificate" (no enumeration)."""
    query = Certificate.select().where(Certificate.number == clean_number(number))
    row = await scoped_query(query, actor).first().run()
    if row is None:
        raise NotFound.single("unknown_number", N_("There is no certificate numbered {number}."), "number",
                              number=number)
    return row


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


async def learner_overview(actor: Actor) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The signed-in learner, and their classes with enrolment status and attended share."""
    if actor.role != Role.learner or actor.person_id is None:
        raise PermissionDenied.single("learners_only",
                                      N_("This page is for learners signed in with their own account."))
    person = await Person.select(Person.id, Person.full_name).where(Person.id == actor.person_id).first().run()
    rows = await Enrolment.select(
        Enrolment.id, Enrolment.status, Enrolment.training_class, Enrolment.training_class.code.as_alias("code"),
        Enrolment.training_class.course.name_vi.as_alias("course"),
        Enrolment.training_class.start_date.as_alias("start"), Enrolment.training_class.end_date.as_alias("end"),
    ).where(Enrolment.person == actor.person_id).order_by(Enrolment.training_class.start_date, ascending=False).run()
    shares = await person_shares(actor.person_id)
    out = []
    for r in rows:
        share = shares.get(r["id"])
        out.append({"code": r["code"], "course": r["course"], "start": r["start"].strftime("%d/%m/%Y"),
                    "end": r["end"].strftime("%d/%m/%Y"),
                    "status": label(EnrolmentStatus, r["status"]),
                    "attendance": f"{round(share * 100)}%" if share is not None else "—"})
    return person, out


# --- verification ----------------------------------------------------------------------------------

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
        fields = await keyring().verify(token)
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
