"""Accounts for a whole class or a province's staff registry at once (issue 13, ADR 0038).

``invite(actor, class_id=...)`` or ``invite(actor, province_code=...)``: every learner of the class (each
enrolment but the withdrawn) or every person of the province's registry still active today

- without an account gets a learner account: username ``hv<citizen ID>`` (else ``hv.p<person id>``), inactive,
  with no usable password (a random hash no password matches: no PBKDF2 per invitation) until she activates
  it with her code at ``/activate``;
- with an inactive account is re-invited: a new activation code replaces the old one;
- with an active account is left alone (``already_active``).

Each invited learner's code goes out through the outbox (``account_invitation``, by email and/or SMS, in the
same transaction) when she has an address; the others are printed on one invitation sheet (PDF), stored with
the run for the inviter alone until the codes expire. Who may invite: a coordinator, any class or province; a
department, the classes its province hosts and its own province's registry, and only people of its
province. Everything happens in one write transaction, serialised with other invitation runs: all or nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from piccolo.apps.user.tables import BaseUser

from certificates.codes import display
from training.auth.access import Actor, scope_where
from training.auth.codes import ACTIVATION, issue_codes, learner_accounts_of
from training.auth.invitation_sheet import SheetEntry, render_sheet
from training.auth.tables import Account, InvitationSheet
from training.classes.tables import Enrolment
from training.classes.workspace import visible_class
from training.core.collation import vi_name_key
from training.core.config import activation_days, base_url
from training.core.db import as_utc, chunks, engine, write_transaction
from training.core.enums import EnrolmentStatus, NotificationChannel, NotificationKind, Role
from training.core.errors import DomainError, NotFound, PermissionDenied
from training.core.i18n import N_, _
from training.notifications.outbox import enqueue_address, usable_email, usable_phone
from training.notifications.tables import LearnerPreference
from training.people.privacy import record_access
from training.people.tables import Person
from training.records.audit import audit, audit_rows
from training.reference.provinces import province_by_code

# Any constant: the advisory lock that serialises invitation runs on PostgreSQL (SQLite: BEGIN IMMEDIATE).
_LOCK_KEY = 7_301_024_013


@dataclass
class InvitationResult:
    created: int = 0
    reinvited: int = 0
    already_active: int = 0
    by_email: int = 0
    by_sms: int = 0
    on_sheet: int = 0
    sheet_id: int | None = None
    label: str = ""
    pdf: bytes | None = None

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k not in ("sheet_id", "label", "pdf")}


def activation_url() -> str:
    return f"{base_url()}/activate"


def unusable_password() -> str:
    """A stored password in Piccolo's format that no password matches (a random 256-bit "hash")."""
    return f"pbkdf2_sha256${BaseUser._pbkdf2_iteration_count}${secrets.token_hex(16)}${secrets.token_hex(32)}"


async def _class_people(actor: Actor, class_id: int) -> tuple[str, list[int]]:
    cls = await visible_class(class_id, actor)
    rows = await Enrolment.select(Enrolment.person).where(
        (Enrolment.training_class == class_id) & (Enrolment.status != EnrolmentStatus.withdrawn)).run()
    return f'{_("Class")} {cls["code"]} — {cls["course_name"]}', [r["person"] for r in rows]


async def _province_people(actor: Actor, province_code: str) -> tuple[str, list[int]]:
    province = await province_by_code(province_code or "")
    if province is None or (actor.is_department and province["id"] != actor.province_id):
        raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
    today = dt.date.today()
    rows = await Person.select(Person.id).where(
        (Person.province == province["id"]) & (Person.active_to.is_null() | (Person.active_to >= today))).run()
    return _("Staff registry of {province}", province=province["name"]), [r["id"] for r in rows]


async def _people(ids: list[int], actor: Actor) -> list[dict[str, Any]]:
    """The people, in the actor's scope (a department: its province's only), in Vietnamese name order (the
    sheet's order)."""
    out: list[dict[str, Any]] = []
    where = scope_where(Person, actor)
    for part in chunks(sorted(set(ids))):
        query = Person.select(Person.id, Person.full_name, Person.citizen_id, Person.email, Person.phone).where(
            Person.id.is_in(part))
        out += await (query.where(where) if where is not None else query).run()
    return sorted(out, key=lambda p: (vi_name_key(p["full_name"]), p["id"]))


async def _usernames(people: list[dict[str, Any]]) -> dict[int, str]:
    wanted = {p["id"]: f'hv{p["citizen_id"]}' if p["citizen_id"] else f'hv.p{p["id"]}' for p in people}
    taken: set[str] = set()
    for part in chunks(list(wanted.values())):
        taken |= {r["username"] for r in await BaseUser.select(BaseUser.username).where(
            BaseUser.username.is_in(part)).run()}
    return {pid: f"{name}.{pid}" if name in taken else name for pid, name in wanted.items()}


async def _create_accounts(people: list[dict[str, Any]], actor: Actor) -> dict[int, dict[str, Any]]:
    """Inactive learner accounts for these people: ``{person_id: {user_id, username}}``."""
    names = await _usernames(people)
    created: dict[int, dict[str, Any]] = {}
    for part in chunks(people, 200):
        users = await BaseUser.insert(*[BaseUser(
            username=names[p["id"]], password=unusable_password(), email=f'{names[p["id"]]}@example.invalid',
            active=False, admin=False, superuser=False) for p in part]).returning(BaseUser.id, BaseUser.username).run()
        by_name = {u["username"]: u["id"] for u in users}
        accounts = await Account.insert(*[Account(user=by_name[names[p["id"]]], role=Role.learner, person=p["id"])
                                          for p in part]).returning(*Account.all_columns()).run()
        await audit_rows(actor, "create", Account, accounts)
        for p in part:
            created[p["id"]] = {"user_id": by_name[names[p["id"]]], "username": names[p["id"]]}
    return created


async def invite(actor: Actor, class_id: int | None = None, province_code: str | None = None) -> InvitationResult:
    """Invite a class's learners or a province's registry (see the module's docstring)."""
    if not (actor.is_coordinator or actor.is_department):
        raise PermissionDenied.single("not_allowed", N_("Only a training coordinator or a department may invite "
                                                        "learners to create their accounts."))
    if (class_id is None) == (province_code is None):
        raise DomainError.single("invite_what", N_("Name a class or a province (one of the two)."))
    label, ids = await (_class_people(actor, class_id) if class_id is not None
                        else _province_people(actor, province_code or ""))
    result = InvitationResult(label=label)
    async with write_transaction():
        if engine().engine_type == "postgres":
            await Account.raw(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})").run()
        people = await _people(ids, actor)
        existing = await learner_accounts_of([p["id"] for p in people])
        result.already_active = sum(1 for p in people if p["id"] in existing and existing[p["id"]]["active"])
        again = [p for p in people if p["id"] in existing and not existing[p["id"]]["active"]]
        new = [p for p in people if p["id"] not in existing]
        accounts = {**{p["id"]: existing[p["id"]] for p in again}, **await _create_accounts(new, actor)}
        result.created, result.reinvited = len(new), len(again)
        invited = [p for p in people if p["id"] in accounts]
        codes = await issue_codes([accounts[p["id"]]["user_id"] for p in invited], ACTIVATION)
        sheet = await _deliver(invited, accounts, codes, label, result)
        if sheet:
            await _store_sheet(actor, sheet, label, result)
    return result


async def _deliver(invited: list[dict[str, Any]], accounts: dict[int, dict[str, Any]],
                   codes: dict[int, tuple[str, dt.datetime]], label: str, result: InvitationResult
                   ) -> list[SheetEntry]:
    """Enqueue each reachable learner's invitation; the others' sheet entries."""
    sheet: list[SheetEntry] = []
    now = dt.datetime.now(dt.UTC).timestamp()
    languages = await _languages([p["id"] for p in invited])
    for person in invited:
        account = accounts[person["id"]]
        code, expires = codes[account["user_id"]]
        email, phone = usable_email(person["email"]), usable_phone(person["phone"])
        params = {"secret_code": display(code), "valid_until": expires.isoformat(), "link": activation_url(),
                  "username": account["username"]}
        # outbox.enqueue's choice of channels and language, with the people and preferences read in bulk
        for channel, address in ((NotificationChannel.email, email), (NotificationChannel.sms, phone)):
            if address:
                await enqueue_address(NotificationKind.account_invitation, channel, address, params,
                                      key=f'account_invitation:{account["user_id"]}:{now}',
                                      language=languages.get(person["id"]), person_id=person["id"])
        result.by_email += bool(email)
        result.by_sms += bool(phone)
        if not (email or phone):
            sheet.append(SheetEntry(name=person["full_name"], group=label, username=account["username"], code=code,
                                    valid_until=expires, url=activation_url()))
    result.on_sheet = len(sheet)
    return sheet


async def _languages(people: list[int]) -> dict[int, str]:
    """The language each learner chose (``LearnerPreference``), for those who chose one."""
    out: dict[int, str] = {}
    for part in chunks(people):
        for row in await LearnerPreference.select(LearnerPreference.person, LearnerPreference.language).where(
                LearnerPreference.person.is_in(part)).run():
            out[row["person"]] = row["language"]
    return out


async def _store_sheet(actor: Actor, sheet: list[SheetEntry], label: str, result: InvitationResult) -> None:
    result.pdf = render_sheet(sheet, _("Invitations — {label}", label=label))
    if actor.user_id is None:  # the command line: the file is written where the operator says
        return
    now = dt.datetime.now(dt.UTC)
    rows = await InvitationSheet.insert(InvitationSheet(
        user=actor.user_id, label=label[:100], created_at=now, expires_at=now + dt.timedelta(days=activation_days()),
        counts=result.counts(), people=len(sheet), pdf=result.pdf)).returning(InvitationSheet.id).run()
    result.sheet_id = rows[0]["id"]
    await audit(actor, "create", InvitationSheet, result.sheet_id, None,
                {"label": label, "people": len(sheet), **result.counts()})


async def sheet_pdf(actor: Actor, sheet_id: int) -> tuple[str, bytes]:
    """The sheet's file name and PDF, for its inviter only and until its codes expire (anyone else, and a
    sheet whose codes expired, gets 404). Each download is in the personal data access log."""
    row = await InvitationSheet.select().where(InvitationSheet.id == sheet_id).first().run()
    if row is None or row["user"] != actor.user_id or row["pdf"] is None:
        raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
    if as_utc(row["expires_at"]) <= dt.datetime.now(dt.UTC):
        await InvitationSheet.update({InvitationSheet.pdf: None}).where(InvitationSheet.id == sheet_id).run()
        raise NotFound.single("sheet_expired", N_("This invitation sheet's codes have expired: invite again."),
                              http_status=404)
    await record_access(actor, "export", count=row["people"], export=f"invitation-sheet:{sheet_id}")
    return f"thu-moi-kich-hoat-{sheet_id}.pdf", bytes(row["pdf"])
