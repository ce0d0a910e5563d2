"""Who may see and change what.

One place decides it for the admin, the API and the command line:

- a coordinator sees and changes everything;
- a department account sees and changes only rows of its own province (rows reached through
  the province column of each table, following foreign keys where needed); reference tables
  (provinces, courses) it may read but not change; system tables (users, accounts, audit log)
  it may not read at all;
- a learner has no access to the admin tables (only to their own learner pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import Column
from piccolo.table import Table

from training.enums import Role
from training.errors import DomainError, PermissionDenied
from training.i18n import N_


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


SYSTEM = Actor(user_id=None, username="system", role=Role.coordinator)


def _scopes() -> dict[str, tuple[Callable[[], Column], bool]]:
    """tablename -> (province column, whether rows without a province are shared read-only)."""
    from certificates.tables import Certificate, IssuerProfile
    from training.tables import (
        Attendance,
        ClassSession,
        Commune,
        CoverageTarget,
        Enrolment,
        Organisation,
        Person,
        Trainer,
        TrainerCourse,
        TrainingClass,
    )

    return {
        "commune": (lambda: Commune.province, False),
        "organisation": (lambda: Organisation.province, True),
        "person": (lambda: Person.province, False),
        "training_class": (lambda: TrainingClass.host_province, False),
        "class_session": (lambda: ClassSession.training_class.host_province, False),
        "trainer": (lambda: Trainer.person.province, False),
        "trainer_course": (lambda: TrainerCourse.trainer.person.province, False),
        "enrolment": (lambda: Enrolment.person.province, False),
        "attendance": (lambda: Attendance.enrolment.person.province, False),
        "coverage_target": (lambda: CoverageTarget.province, True),
        "certificate": (lambda: Certificate.enrolment.person.province, False),
        "issuer_profile": (lambda: IssuerProfile.organisation.province, False),
    }


# Tables a department account may read but never change.
READ_ONLY_FOR_DEPARTMENT = {"province", "legacy_province", "course", "course_prerequisite"}
# Tables only coordinators may see.
COORDINATOR_ONLY = {"account", "api_token", "audit_log", "personal_data_access", "piccolo_user", "sessions"}
# Tables changed only by their services, never row by row (certificates are immutable once issued).
SERVICE_ONLY = {"certificate"}
# Tables only ever appended to by the services, never changed or deleted (database triggers back it).
APPEND_ONLY = {"audit_log", "personal_data_access"}


def scope_column(table: type[Table]) -> tuple[Column, bool] | None:
    entry = _scopes().get(table._meta.tablename)
    if entry is None:
        return None
    return entry[0](), entry[1]


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


async def actor_for_user(user: BaseUser | dict | None) -> Actor | None:
    """The actor of a piccolo user: its Account decides the role; a superuser without one coordinates."""
    from training.tables import Account

    if user is None:
        return None
    user_id = user["id"] if isinstance(user, dict) else user.id
    username = user["username"] if isinstance(user, dict) else user.username
    superuser = user["superuser"] if isinstance(user, dict) else user.superuser
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
