"""The two status machines of the training domain: an enrolment's and a class's.

Every path that changes a status (API, admin table and forms, roster import, command line) goes
through the functions below; the generic row update (``training.records.rows``) refuses a status
change with a message naming the action that makes it. A decision that depends on seats is taken
inside ``training.core.db.write_transaction`` after ``locked_class`` (the class row locked, its current
values read under the lock), so concurrent requests queue instead of deciding on stale values.

Enrolment (who moves it, and how):

=========================  ===========================  =======================================
from                       to                           how
=========================  ===========================  =======================================
(new)                      confirmed / waitlisted       ``enrolment.enrol`` (API, admin create),
                                                        roster import; ``arrival_status``
waitlisted                 confirmed                    ``fill_seats`` only: a freed seat
                                                        (withdrawal, deletion) or a higher capacity
registered / confirmed /   withdrawn                    ``enrolment.withdraw`` (API, admin status
waitlisted                                              "withdrawn" routes there)
registered / confirmed     completed / failed           ``closing.close_class``
completed / failed         confirmed                    ``attendance.reopen_class``
=========================  ===========================  =======================================

Class: created as planned or open; planned ↔ open ↔ running and → cancelled (cancelled → planned)
through the admin's status field; planned / open / running → closed only through
``closing.close_class`` (it decides every learner's result); closed → running only through
``attendance.reopen_class``.
"""

from __future__ import annotations

from typing import Any

from training.classes.tables import Enrolment, TrainingClass
from training.core.db import lock_row
from training.core.enums import ClassStatus, EnrolmentStatus, label
from training.core.errors import Conflict, DomainError
from training.core.i18n import N_, _

# A learner who sat the class and did not complete (failed) still held a seat: re-opening the class
# turns them back into confirmed, so a capacity may never drop below them either.
SEAT_STATUSES = ["registered", "confirmed", "completed", "failed"]
# The learners whose result closing decides (completed or failed), and whose scores the scores grid takes.
DECIDED_AT_CLOSE = ["registered", "confirmed"]
# Classes whose waitlist moves when a seat frees up.
ACTIVE_CLASS_STATUSES = ["planned", "open", "running"]

# --- enrolment ---------------------------------------------------------------------------------

ENROLMENT_START = {"confirmed", "waitlisted"}
ENROLMENT_MOVES: dict[tuple[str, str], str] = {
    ("waitlisted", "confirmed"): "promote",
    ("registered", "withdrawn"): "withdraw",
    ("confirmed", "withdrawn"): "withdraw",
    ("waitlisted", "withdrawn"): "withdraw",
    ("registered", "completed"): "close",
    ("registered", "failed"): "close",
    ("confirmed", "completed"): "close",
    ("confirmed", "failed"): "close",
    ("completed", "confirmed"): "reopen",
    ("failed", "confirmed"): "reopen",
}
# How a user makes each kind of move: what the refusal of a direct edit points to.
_ENROLMENT_HOW = {
    "promote": N_("A waitlisted learner is confirmed only when a seat frees up: withdraw a learner of the class "
                  "or raise the class's capacity, and the waitlist moves up in arrival order."),
    "withdraw": N_("Use the withdrawal (Withdraw) of the enrolment; the freed seat goes to the waitlist."),
    "close": N_("Completion is decided for the whole class when it is closed from its page (Class workspace → "
                "the class → “Close the class”), which first shows every learner's result (attendance share "
                "and pass mark)."),
    "reopen": N_("Results are cleared only by “Re-open a closed class”."),
}

# --- class -------------------------------------------------------------------------------------

CLASS_START = {"planned", "open"}
CLASS_MOVES: dict[tuple[str, str], str] = {
    ("planned", "open"): "edit",
    ("open", "planned"): "edit",
    ("open", "running"): "edit",
    ("running", "open"): "edit",
    ("planned", "cancelled"): "edit",
    ("open", "cancelled"): "edit",
    ("running", "cancelled"): "edit",
    ("cancelled", "planned"): "edit",
    ("planned", "closed"): "close",
    ("open", "closed"): "close",
    ("running", "closed"): "close",
    ("closed", "running"): "reopen",
}
_CLASS_HOW = {
    "close": N_("A class is closed only from its page (Class workspace → the class → “Close the class”), "
                "which first shows every learner's result, then asks to confirm."),
    "reopen": N_("A closed class is re-opened only by “Re-open a closed class”."),
}


def class_closed(cls: dict[str, Any]) -> Conflict:
    """The refusal of a change to a closed or cancelled class (``cls`` read under its lock)."""
    return Conflict.single("class_closed", N_("Class {code} is closed or cancelled; it cannot change."),
                           code=cls["code"])


def status_label(status: str) -> str:
    """The status in the reader's language (class or enrolment)."""
    return label((ClassStatus, EnrolmentStatus), status)


def check_enrolment_move(current: str | None, new: str, via: str) -> None:
    """Refuse a move of an enrolment's status that ``via`` (an action of ``ENROLMENT_MOVES``) may not make.
    ``current`` None is a new enrolment."""
    if current == new:
        return
    if current is None:
        if new in ENROLMENT_START and via == "enrol":
            return
        raise Conflict.single("enrolment_status_start", N_(
            "A new enrolment gets its status from the enrolment rules (confirmed while seats remain, otherwise "
            "waitlisted); it cannot be created as {status}."), "status", status=status_label(new))
    how = ENROLMENT_MOVES.get((current, new))
    if how is not None and how == via:
        return
    if how is None:
        raise Conflict.single("enrolment_status_move", N_(
            "An enrolment cannot go from {old} to {new}."), "status",
            old=status_label(current), new=status_label(new))
    raise Conflict.single("enrolment_status_action", N_(
        "The status cannot be changed from {old} to {new} by editing the row. {how}"), "status",
        old=status_label(current), new=status_label(new), how=_(_ENROLMENT_HOW[how]))


def check_class_move(code: str, current: str | None, new: str, via: str = "edit") -> None:
    """Refuse a move of a class's status that ``via`` (edit, close, reopen) may not make."""
    if current == new:
        return
    if current is None:
        if new in CLASS_START:
            return
        raise Conflict.single("class_status_start", N_(
            "A new class starts as planned or open for enrolment; it cannot be created as {status}."), "status",
            status=status_label(new))
    how = CLASS_MOVES.get((current, new))
    if how is not None and how == via:
        return
    if how is None:
        raise Conflict.single("class_status_move", N_(
            "Class {code} cannot go from {old} to {new}."), "status",
            code=code, old=status_label(current), new=status_label(new))
    raise Conflict.single("class_status_action", N_(
        "The status of class {code} cannot be changed from {old} to {new} by editing the row. {how}"), "status",
        code=code, old=status_label(current), new=status_label(new), how=_(_CLASS_HOW[how]))


# --- seats -------------------------------------------------------------------------------------

async def locked_class(class_id: int) -> dict[str, Any] | None:
    """Lock the class row and read it (call inside ``write_transaction``): what seat decisions use."""
    await lock_row(TrainingClass, class_id)
    return await TrainingClass.select().where(TrainingClass.id == class_id).first().run()


async def lock_class_of(table: Any, row_id: int) -> None:
    """Before changing a class or an enrolment row: lock the class it belongs to (no-op for other tables)."""
    if table is TrainingClass:
        await lock_row(TrainingClass, row_id)
    elif table is Enrolment:
        row = await Enrolment.select(Enrolment.training_class).where(Enrolment.id == row_id).first().run()
        if row is not None:
            await lock_row(TrainingClass, row["training_class"])


async def seats_taken(class_id: int) -> int:
    return await Enrolment.count().where(
        (Enrolment.training_class == class_id) & Enrolment.status.is_in(SEAT_STATUSES)).run()


def arrival_status(taken: int, capacity: int) -> str:
    """The status of a new arrival: confirmed while seats remain, otherwise waitlisted."""
    return "confirmed" if taken < capacity else "waitlisted"


def check_capacity(class_row: dict[str, Any], capacity: int | None, taken: int) -> None:
    """A capacity below the seats already taken is refused."""
    if capacity is not None and capacity < taken:
        raise DomainError.single("capacity_below_seats", N_(
            "Class {code} already has {taken} learners holding a seat; the capacity cannot be lower "
            "than that ({capacity}). Withdraw learners first."), "capacity", http_status=409,
            code=class_row["code"], taken=taken, capacity=capacity)


async def fill_seats(class_row: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Promote the waitlist in arrival order while the class has free seats (call with the class locked,
    ``class_row`` read under the lock). Returns (before, after) of each promoted enrolment, for the audit."""
    if class_row["status"] not in ACTIVE_CLASS_STATUSES:
        return []
    free = class_row["capacity"] - await seats_taken(class_row["id"])
    if free <= 0:
        return []
    waiting = await Enrolment.select().where(
        (Enrolment.training_class == class_row["id"]) & (Enrolment.status == "waitlisted")
    ).order_by(Enrolment.enrolled_at).order_by(Enrolment.id).limit(free).run()
    if waiting:
        await Enrolment.update({Enrolment.status: "confirmed"}).where(
            Enrolment.id.is_in([row["id"] for row in waiting])).run()
    return [(row, {**row, "status": "confirmed"}) for row in waiting]
