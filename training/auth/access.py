"""Who may see and change what.

One place decides it for the admin, the API and the command line:

- a coordinator sees and changes everything;
- a department account sees and changes only rows of its own province (rows reached through
  the province column of each table, following foreign keys where needed); reference tables
  (provinces, courses) it may read but not change; system tables (users, accounts, audit log)
  it may not read at all;
- a learner has no access to the admin tables (only to their own learner pages);
- a trainer has no access to the admin tables either: only the sessions they teach, through
  ``training.classes.trainers`` (their start page, the attendance page and API of those sessions).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import Column
from piccolo.table import Table
from piccolo_api.session_auth.tables import SessionsBase

from training.auth.tables import Account
from training.core.enums import Role
from training.core.errors import DomainError, FieldError, PermissionDenied
from training.core.i18n import N_


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    role: str
    province_id: int | None = None
    person_id: int | None = None

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.coordinator

    @property
    def is_department(self) -> bool:
        return self.role == Role.department

    @property
    def is_trainer(self) -> bool:
        """A trainer opens no table: only the sessions they teach, through ``training.classes.trainers``."""
        return self.role == Role.trainer


SYSTEM = Actor(user_id=None, username="system", role=Role.coordinator)


# Who may see a row: tablename -> (the path from the table to the province the row belongs to, whether rows
# without a province are shared read-only). Paths follow foreign keys ("enrolment.person.province"), so this
# module names no table class and imports no domain's tables.
SCOPES: dict[str, tuple[str, bool]] = {
    "commune": ("province", False),
    "organisation": ("province", True),
    "person": ("province", False),
    "training_class": ("host_province", False),
    "class_session": ("training_class.host_province", False),
    "trainer": ("person.province", False),
    "trainer_course": ("trainer.person.province", False),
    "enrolment": ("person.province", False),
    "attendance": ("enrolment.person.province", False),
    "coverage_target": ("province", True),
    "certificate": ("enrolment.person.province", False),
    "issuer_profile": ("organisation.province", False),
}


# Tables a department account may read but never change.
READ_ONLY_FOR_DEPARTMENT = {"province", "legacy_province", "course", "course_prerequisite", "course_qualification"}
# Tables only coordinators may see.
COORDINATOR_ONLY = {"account", "api_token", "audit_log", "personal_data_access", "piccolo_user", "sessions",
                    "notification"}
# Tables changed only by their services, never row by row (certificates are immutable once issued).
SERVICE_ONLY = {"certificate"}
# Tables only ever appended to by the services, never changed or deleted (database triggers back it).
APPEND_ONLY = {"audit_log", "personal_data_access"}


def scope_column(table: type[Table]) -> tuple[Column, bool] | None:
    """The column holding the province of ``table``'s rows (through foreign keys where needed) and whether
    rows without a province are shared read-only; None for a table without a province (``SCOPES``)."""
    entry = SCOPES.get(table._meta.tablename)
    if entry is None:
        return None
    path, shared_when_null = entry
    column = table
    for name in path.split("."):
        column = getattr(column, name)
    return column, shared_when_null


def check_table_access(table: type[Table], actor: Actor, write: bool) -> None:
    """Raise PermissionDenied when the actor may not read (or write) this table at all."""
    name = table._meta.tablename
    if write and name in SERVICE_ONLY:
        raise PermissionDenied.single("immutable", N_(
            "An issued certificate cannot be edited or deleted: re-issue it to correct it, or revoke it."))
    if write and name == "personal_data_access":
        raise DomainError.single("append_only", N_(
            "The personal data access log is append-only: its entries are written by the system and cannot "
            "be added, edited or deleted by hand."), http_status=405)
    if write and name == "notification":
        raise DomainError.single("outbox", N_(
            "Messages are written by the events they tell of and by the sender; they cannot be added, edited "
            "or deleted by hand. A message that could not be sent can be sent again with the form "
            "\"Send a failed message again\"."), http_status=405)
    if write and name in APPEND_ONLY:
        raise DomainError.single("append_only", N_(
            "The audit log is append-only: its entries are written by the system and cannot be added, edited "
            "or deleted by hand."), http_status=405)
    if actor.is_coordinator:
        return
    if actor.is_department:
        if name in COORDINATOR_ONLY:
            raise PermissionDenied.single("forbidden_table", N_("Only training coordinators can open this table."))
        if write and name in READ_ONLY_FOR_DEPARTMENT:
            raise PermissionDenied.single(
                "read_only_table", N_("Only training coordinators can change this table."))
        if name not in READ_ONLY_FOR_DEPARTMENT and scope_column(table) is None:
            raise PermissionDenied.single("forbidden_table", N_("Only training coordinators can open this table."))
        return
    raise PermissionDenied.single("forbidden", N_("Your account cannot do this."))


def scope_where(table: type[Table], actor: Actor, write: bool = False):
    """The WHERE clause restricting rows to what the actor may see (or change), or None for all."""
    if actor.is_coordinator:
        return None
    entry = scope_column(table)
    if entry is None:
        return None  # reference table, guarded by check_table_access
    column, shared_when_null = entry
    if actor.province_id is None:
        return column.is_null() & column.is_not_null()  # matches nothing
    if shared_when_null and not write:
        return (column == actor.province_id) | column.is_null()
    return column == actor.province_id


# --- personal data of people of a class ----------------------------------------------------------
#
# The rule (docs/decisions.md, "Issue 10 item 1"): a department hosting a class runs it for every
# learner, whatever their province, so it sees their name, organisation and province, enrolment
# status, attendance and results. Personal data beyond that (citizen ID, date of birth, phone,
# email) and the certificates issued to them (PDF, register row) belong to the learner's own
# province and the coordinators. Every listing, export and page that shows people of a class asks
# these functions.

PERSONAL_FIELDS = ("citizen_id", "date_of_birth", "phone", "email")


def sees_personal_data(actor: Actor, person_province: int | None, person_id: int | None = None) -> bool:
    """Whether the actor may see the personal fields (PERSONAL_FIELDS) of a person of this province:
    coordinators always, a department for people of its own province, a learner for themself."""
    if actor.is_coordinator:
        return True
    if actor.is_department:
        return actor.province_id is not None and person_province == actor.province_id
    return actor.person_id is not None and person_id == actor.person_id


def visible_person_fields(actor: Actor, person_province: int | None, person_id: int | None = None,
                          fields: tuple[str, ...] = PERSONAL_FIELDS) -> frozenset[str]:
    """Which of ``fields`` (person column names) the actor may see for this person."""
    if sees_personal_data(actor, person_province, person_id):
        return frozenset(fields)
    return frozenset(f for f in fields if f not in PERSONAL_FIELDS)


def mask_personal(actor: Actor, row: dict, province_key: str = "person_province",
                  aliases: dict[str, str] | None = None) -> dict:
    """A copy of ``row`` (one person, or one enrolment with its person's columns) with the personal fields
    the actor may not see set to None. ``aliases`` maps a person field to the key it has in the row
    (e.g. {"date_of_birth": "dob"}); ``province_key`` names the key holding the person's province."""
    shown = visible_person_fields(actor, row.get(province_key), row.get("person_id", row.get("person")))
    keys = {**{f: f for f in PERSONAL_FIELDS}, **(aliases or {})}
    hidden = {keys[f] for f in PERSONAL_FIELDS if f not in shown}
    if not hidden:
        return row
    return {k: (None if k in hidden else v) for k, v in row.items()}


def own_people_where(actor: Actor, person_province: Column):
    """WHERE clause keeping rows about people whose personal data the actor may see (certificates,
    register rows), given the column holding the person's province; None for a coordinator."""
    if actor.is_coordinator:
        return None
    if actor.is_department and actor.province_id is not None:
        return person_province == actor.province_id
    return person_province.is_null() & person_province.is_not_null()  # matches nothing


# --- no enumeration ------------------------------------------------------------------------------
#
# A department never learns that a value it typed exists in another province ("Issue 10 item 5").
# A citizen ID held by someone the department cannot see is refused with this one message, the same
# in the admin, the API and the imports; it names no province, person or organisation.

def cccd_refused(field: str = "citizen_id") -> FieldError:
    return FieldError("cccd_refused", N_(
        "this citizen ID cannot be registered by your department; ask the training coordinator"), field)


async def actor_for_user(user: BaseUser | dict | None) -> Actor | None:
    """The actor of a piccolo user: its Account decides the role; a superuser without one coordinates."""
    if user is None:
        return None
    user_id = user["id"] if isinstance(user, dict) else user.id
    username = user["username"] if isinstance(user, dict) else user.username
    superuser = user["superuser"] if isinstance(user, dict) else user.superuser
    if isinstance(user, dict) and "account" in user:  # read with the user (session_user)
        account = user["account"]
    else:
        account = await Account.select().where(Account.user == user_id).first().run()
    if account is None:
        if superuser:
            return Actor(user_id=user_id, username=username, role=Role.coordinator)
        return None
    return Actor(
        user_id=user_id,
        username=username,
        role=account["role"],
        province_id=account["province"],
        person_id=account["person"],
    )


_SESSION_USER_SQL = (
    "SELECT s.expiry_date AS expiry_date, s.max_expiry_date AS max_expiry_date, u.id AS id, u.username AS username, "
    "u.superuser AS superuser, u.active AS active, a.id AS account_id, a.role AS role, a.province AS province, "
    f"a.person AS person FROM {SessionsBase._meta.tablename} s JOIN {BaseUser._meta.tablename} u ON u.id = s.user_id "
    f'LEFT JOIN {Account._meta.tablename} a ON a."user" = u.id WHERE s.token = {{}}')


def _timestamp(value: dt.datetime | str) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


async def session_user(token: str) -> dict | None:
    """The user of a signed-in session with its Account (``actor_for_user`` then asks nothing more), in one
    query instead of three (ADR 0044); None for an unknown or expired session. Expiry is piccolo_api's rule
    (``SessionsBase.get_user_id``): both the expiry date and the maximum expiry date are still ahead."""
    rows = await Account.raw(_SESSION_USER_SQL, token).run()
    if not rows:
        return None
    row = rows[0]
    now = dt.datetime.now()
    if not (_timestamp(row["expiry_date"]) > now and _timestamp(row["max_expiry_date"]) > now):
        return None
    account = None if row["account_id"] is None else {
        "role": row["role"], "province": row["province"], "person": row["person"]}
    return {"id": row["id"], "username": row["username"], "superuser": bool(row["superuser"]),
            "active": bool(row["active"]), "account": account}
