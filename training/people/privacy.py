"""Personal data under the Personal Data Protection Law (Decree 13/2023/NĐ-CP, Law 91/2025/QH15).

- ``record_access``: the one writer of the access log (``personal_data_access``): who read or exported a
  person's personal data, when, which person (or how many people) and which export, from which route.
  Called by the admin's person detail, every export with personal columns, the data export and erasure.
- ``person_data`` / ``data_export_xlsx``: everything held about one person, for a data subject's access
  request (JSON and XLSX through ``XlsxBook``).
- ``erase_person``: anonymise (or delete, when nothing refers to them) a person who asks, unless they hold a
  certificate: issued certificates and the register book are kept (``docs/decisions.md``, "PDPL").
- ``access_entries``: the access log for coordinators.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from contextvars import ContextVar
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from certificates.tables import Certificate
from training.auth.access import Actor, check_table_access
from training.auth.signin import normalise_username
from training.auth.tables import Account, ApiToken, LoginFailure
from training.classes.tables import Attendance, Enrolment, Trainer, TrainingClass
from training.core.db import lock_row, write_transaction
from training.core.enums import Role
from training.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from training.core.i18n import N_, _
from training.core.labels import field_label
from training.core.text import clean_text
from training.coverage.facts import refresh_people
from training.notifications.tables import LearnerPreference, Notification
from training.people.tables import Person, PersonalDataAccess
from training.records.audit import audit
from training.records.rows import visible_row
from training.records.tables import AuditLog
from training.spreadsheets.writer import XlsxBook

# The request path of the current request (set by ``training.web.app.route_middleware``); "cli" elsewhere.
current_route: ContextVar[str] = ContextVar("current_route", default="cli")

ACTIONS = ("view", "export", "data-export", "erase")
# What an anonymised person is called: a fixed value, the same for everyone (not a pseudonym of the name).
ANONYMISED_NAME = "(đã ẩn danh)"


def set_route(route: str):
    """Name the route (request path or command) the access log records; returns the token to reset it."""
    return current_route.set(route[:255])


async def record_access(actor: Actor, action: str, *, person: int | None = None, count: int | None = None,
                        export: str = "", route: str | None = None) -> None:
    """Append one entry to the access log (in the caller's transaction, if any)."""
    assert action in ACTIONS, action
    await PersonalDataAccess.insert(PersonalDataAccess(
        created_at=dt.datetime.now(dt.UTC), user_id=actor.user_id, username=actor.username, role=actor.role,
        action=action, person=person, person_count=count if count is not None else (1 if person else 0),
        export=export[:120], route=(route or current_route.get())[:255],
    )).run()


async def access_entries(actor: Actor, person_id: int | None = None, limit: int = 500) -> list[dict[str, Any]]:
    """The access log, newest first (coordinators only), optionally about one person."""
    check_table_access(PersonalDataAccess, actor, write=False)
    query = PersonalDataAccess.select()
    if person_id is not None:
        query = query.where(PersonalDataAccess.person == person_id)
    return await query.order_by(PersonalDataAccess.id, ascending=False).limit(max(1, min(limit, 5000))).run()


# --- the data subject's copy -------------------------------------------------------------------------

async def _subject(person_id: int, actor: Actor) -> dict[str, Any]:
    """The person row if the actor may export it: a coordinator, the person's province, or the learner herself."""
    if actor.role == Role.learner:
        if actor.person_id != person_id:
            raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
        row = await Person.select().where(Person.id == person_id).first().run()
        if row is None:
            raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
        return row
    return await visible_row(Person, person_id, actor)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _json_value(text: Any) -> Any:
    if isinstance(text, str):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


async def person_data(person_id: int, actor: Actor) -> dict[str, Any]:
    """Everything held about one person, and the access log entry saying it was exported."""
    await _subject(person_id, actor)
    person = await Person.select(
        Person.all_columns(), Person.province.name.as_alias("province_name"),
        Person.legacy_province.name.as_alias("legacy_province_name"),
        Person.commune.name.as_alias("commune_name"), Person.organisation.name.as_alias("organisation_name"),
    ).where(Person.id == person_id).first().run()
    enrolments = await Enrolment.select(
        Enrolment.id, Enrolment.training_class.code.as_alias("class_code"),
        Enrolment.training_class.course.code.as_alias("course_code"),
        Enrolment.training_class.course.name_vi.as_alias("course_name"),
        Enrolment.training_class.start_date.as_alias("start_date"),
        Enrolment.training_class.end_date.as_alias("end_date"),
        Enrolment.status, Enrolment.score, Enrolment.classification, Enrolment.enrolled_at,
    ).where(Enrolment.person == person_id).order_by(Enrolment.id).run()
    enrolment_ids = [e["id"] for e in enrolments]
    attendance = await Attendance.select(
        Attendance.enrolment, Attendance.session.training_class.code.as_alias("class_code"),
        Attendance.session.session_date.as_alias("session_date"),
        Attendance.session.start_time.as_alias("start_time"), Attendance.status, Attendance.note,
    ).where(Attendance.enrolment.is_in(enrolment_ids or [-1])).order_by(Attendance.id).run()
    certificates = await Certificate.select(
        Certificate.id, Certificate.number, Certificate.register_number, Certificate.register_year,
        Certificate.enrolment, Certificate.status, Certificate.issued_on, Certificate.expires_on,
        Certificate.holder_name, Certificate.holder_birth_date, Certificate.holder_sex, Certificate.course_code,
        Certificate.course_name_vi, Certificate.hours, Certificate.class_code, Certificate.classification,
        Certificate.revoked_reason,
    ).where(Certificate.enrolment.is_in(enrolment_ids or [-1])).order_by(Certificate.id).run()
    accounts = await Account.select(
        Account.id, Account.role, Account.user.username.as_alias("username"),
        Account.user.email.as_alias("email"), Account.user.active.as_alias("active"),
        Account.user.last_login.as_alias("last_login"),
    ).where(Account.person == person_id).order_by(Account.id).run()
    trainers = await Trainer.select(Trainer.id, Trainer.qualifications).where(Trainer.person == person_id).run()
    notifications = await Notification.select(
        Notification.created_at, Notification.kind, Notification.channel, Notification.address,
        Notification.language, Notification.status, Notification.sent_at,
    ).where(Notification.person == person_id).order_by(Notification.id).run()
    preferences = await LearnerPreference.select(LearnerPreference.language, LearnerPreference.reminders).where(
        LearnerPreference.person == person_id).run()
    about = ((AuditLog.table_name == "person") & (AuditLog.row_id == person_id))
    for table, ids in (("enrolment", enrolment_ids), ("certificate", [c["id"] for c in certificates]),
                       ("account", [a["id"] for a in accounts]), ("trainer", [t["id"] for t in trainers])):
        if ids:
            about = about | ((AuditLog.table_name == table) & AuditLog.row_id.is_in(ids))
    audit_rows = await AuditLog.select(
        AuditLog.created_at, AuditLog.username, AuditLog.action, AuditLog.table_name, AuditLog.row_id,
        AuditLog.before, AuditLog.after, AuditLog.redacted_at).where(about).order_by(AuditLog.id).run()
    for row in audit_rows:
        row["before"], row["after"] = _json_value(row["before"]), _json_value(row["after"])
    await record_access(actor, "data-export", person=person_id, export=f"person:{person_id}")
    access = await PersonalDataAccess.select(
        PersonalDataAccess.created_at, PersonalDataAccess.username, PersonalDataAccess.role,
        PersonalDataAccess.action, PersonalDataAccess.export, PersonalDataAccess.route,
    ).where(PersonalDataAccess.person == person_id).order_by(PersonalDataAccess.id).run()
    return _plain({
        "exported_at": dt.datetime.now(dt.UTC), "person": person, "enrolments": enrolments,
        "attendance": attendance, "certificates": certificates, "accounts": accounts, "trainer": trainers,
        "notifications": notifications, "preferences": preferences, "audit_log": audit_rows, "access_log": access,
    })


SECTIONS = {
    "person": N_("Personal data"),
    "enrolments": N_("Enrolments"),
    "attendance": N_("Attendance"),
    "certificates": N_("Certificates"),
    "accounts": N_("Accounts"),
    "trainer": N_("Trainer record"),
    "notifications": N_("Messages sent or to be sent"),
    "preferences": N_("Message preferences"),
    "audit_log": N_("Changes recorded in the audit log"),
    "access_log": N_("Who read or exported these data"),
}


def data_export_xlsx(data: dict[str, Any]) -> bytes:
    """The data export as one worksheet: the person's fields, then one block per kind of record."""
    from openpyxl.styles import Font

    book = XlsxBook(_("Personal data"))
    book.append([_("Data held about person {id}, exported {when}", id=data["person"]["id"],
                   when=data["exported_at"][:19].replace("T", " "))])
    book.sheet["A1"].font = Font(bold=True, size=13)
    for key, msgid in SECTIONS.items():
        book.append([])
        row = book.append([_(msgid)])
        book.sheet.cell(row, 1).font = Font(bold=True)
        value = data[key]
        if isinstance(value, dict):
            for name, item in value.items():
                book.append([field_label(name), _cell(item)])
            continue
        if not value:
            book.append([_("(none)")])
            continue
        headers = list(value[0])
        book.append([field_label(h) for h in headers])
        for item in value:
            book.append([_cell(item.get(h)) for h in headers])
    book.sheet.column_dimensions["A"].width = 28
    return book.to_bytes()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


# --- erasure -------------------------------------------------------------------------------------------

async def erase_person(person_id: int, reason: str, actor: Actor) -> dict[str, Any]:
    """Erase a person's personal data at their request (coordinators only).

    Refused (409, nothing changed) when the person holds a certificate of any status. Otherwise, decided on
    rows read under the locks of the person and of their classes (so no certificate can be issued meanwhile):
    a person nothing refers to is deleted; anyone else is anonymised (name replaced, CCCD, birth date, phone
    and e-mail cleared, attendance notes and trainer qualifications emptied, accounts deactivated and their
    contact data replaced). Either way the content of the person's audit entries is erased (``redacted_at``),
    and the erasure is recorded in the audit log (without the erased data) and the access log.
    """
    if not actor.is_coordinator:
        raise PermissionDenied.single("coordinators_only", N_("Only training coordinators can erase personal data."))
    reason = clean_text(reason) or ""
    if not reason:
        raise DomainError.single("reason_required", N_("Give the reason for the erasure (e.g. the request's date)."),
                                 "reason")
    if len(reason) > 255:
        raise DomainError.single("reason_too_long", N_("The reason is longer than 255 characters."), "reason")
    async with write_transaction():
        await lock_row(Person, person_id)
        person = await Person.select(Person.id).where(Person.id == person_id).first().run()
        if person is None:
            raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
        enrolments = await Enrolment.select(Enrolment.id, Enrolment.training_class).where(
            Enrolment.person == person_id).run()
        for class_id in sorted({e["training_class"] for e in enrolments}):
            await lock_row(TrainingClass, class_id)  # issuing certificates locks the class too
        held = await Certificate.select(Certificate.number).where(
            Certificate.enrolment.person == person_id).order_by(Certificate.id).run()
        if held:
            raise Conflict.single("certificate_kept", N_(
                "This person holds certificate(s) {numbers}. Issued certificates and the certificate register "
                "are kept as issued records for as long as the records (archives) rules require, so this "
                "person's data cannot be erased or anonymised; it can still be corrected."), None,
                numbers=", ".join(r["number"] for r in held))
        trainers = await Trainer.select(Trainer.id).where(Trainer.person == person_id).run()
        accounts = await Account.select(Account.id, Account.user).where(Account.person == person_id).run()
        result = "deleted" if not (enrolments or trainers or accounts) else "anonymised"
        # Messages hold her address and her preferences her choices: gone either way, sent or not.
        await Notification.delete().where(Notification.person == person_id).run()
        await LearnerPreference.delete().where(LearnerPreference.person == person_id).run()
        if result == "deleted":
            await Person.delete().where(Person.id == person_id).run()
        else:
            await _anonymise(person_id, [e["id"] for e in enrolments], [t["id"] for t in trainers],
                             [a["user"] for a in accounts])
        now = dt.datetime.now(dt.UTC)
        redact = (AuditLog.table_name == "person") & (AuditLog.row_id == person_id)
        if trainers:
            redact = redact | ((AuditLog.table_name == "trainer") & AuditLog.row_id.is_in([t["id"] for t in trainers]))
        await AuditLog.update({AuditLog.before: None, AuditLog.after: None, AuditLog.redacted_at: now}).where(
            redact & AuditLog.redacted_at.is_null()).run()
        await audit(actor, "erase", Person, person_id, None, {"result": result, "reason": reason})
        await record_access(actor, "erase", person=person_id, export=result)
        await refresh_people([person_id])
    return {"person": person_id, "result": result}


async def _anonymise(person_id: int, enrolment_ids: list[int], trainer_ids: list[int], user_ids: list[int]) -> None:
    await Person.update({Person.full_name: ANONYMISED_NAME, Person.citizen_id: None, Person.date_of_birth: None,
                         Person.phone: None, Person.email: None}).where(Person.id == person_id).run()
    if enrolment_ids:
        await Attendance.update({Attendance.note: ""}).where(Attendance.enrolment.is_in(enrolment_ids)).run()
    if trainer_ids:
        await Trainer.update({Trainer.qualifications: ""}).where(Trainer.id.is_in(trainer_ids)).run()
    for user_id in user_ids:  # the account can no longer sign in and says nothing about who it was
        old = await BaseUser.select(BaseUser.username).where(BaseUser.id == user_id).first().run()
        if old is not None:  # failed sign-ins kept for the lock-out window name the account
            await LoginFailure.delete().where(LoginFailure.username == normalise_username(old["username"])).run()
        await BaseUser.update({
            BaseUser.username: f"erased-{user_id}", BaseUser.email: f"erased-{user_id}@example.invalid",
            BaseUser.first_name: "", BaseUser.last_name: "", BaseUser.active: False,
            BaseUser.password: BaseUser.hash_password(secrets.token_urlsafe(24)),
        }).where(BaseUser.id == user_id).run()
        await SessionsBase.delete().where(SessionsBase.user_id == user_id).run()
        await ApiToken.update({ApiToken.revoked: True}).where(ApiToken.user == user_id).run()

