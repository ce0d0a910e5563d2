"""Scheduling a class's sessions: from a pattern or an explicit list, never double-booking.

What a clash is: ``training.classes.clashes``. Clashes answer 409 naming the other class and
session; nothing is saved. The sessions of one request are checked together, inside the write
transaction (``clean(..., check_clashes=False)`` leaves them to this module).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from training.auth.access import Actor
from training.classes import notices
from training.classes.clashes import find_clashes
from training.classes.tables import Attendance, ClassSession, TrainingClass
from training.core.db import write_transaction
from training.core.errors import Conflict, DomainError, FieldError
from training.core.i18n import N_
from training.records.audit import audit
from training.records.rows import raise_trigger_refusal, visible_row
from training.records.validation import clean


@dataclass
class SessionSpec:
    session_date: dt.date
    start_time: dt.time
    end_time: dt.time
    topic: str = ""
    trainer: int | None = None
    venue: str = ""


def sessions_from_pattern(start_date: dt.date, count: int, start_time: dt.time, end_time: dt.time,
                          weekdays: list[int] | None = None, topic: str = "", trainer: int | None = None,
                          venue: str = "", skip_dates: list[dt.date] | None = None) -> list[SessionSpec]:
    """``count`` sessions from ``start_date`` on the chosen weekdays (0 = Monday; default Mon–Fri)."""
    if count < 1 or count > 500:
        raise DomainError.single("pattern_count", N_("must be between {low} and {high} (got {value})"), "count",
                                 low=1, high=500, value=count)
    days = set(weekdays if weekdays else range(5))
    if not days <= set(range(7)):
        raise DomainError.single("pattern_weekdays", N_("weekdays are numbered 0 (Monday) to 6 (Sunday)"),
                                 "weekdays")
    skip = set(skip_dates or [])
    out: list[SessionSpec] = []
    day = start_date
    while len(out) < count:
        if day.weekday() in days and day not in skip:
            label = f"{topic} ({len(out) + 1}/{count})" if topic and count > 1 else topic
            out.append(SessionSpec(day, start_time, end_time, label, trainer, venue))
        day += dt.timedelta(days=1)
    return out


async def add_sessions(class_id: int, specs: list[SessionSpec], actor: Actor) -> list[dict[str, Any]]:
    """Validate and clash-check every session, then save them all, or none."""
    cls = await visible_row(TrainingClass, class_id, actor, write=True)
    if not specs:
        raise DomainError.single("no_sessions", N_("Send at least one session."), "sessions")
    if cls["status"] in ("closed", "cancelled"):
        raise Conflict.single("class_closed", N_("Class {code} is closed or cancelled; it cannot change."),
                              code=cls["code"])
    cleaned, errors = await _clean_specs(class_id, specs)
    if errors:
        raise DomainError(errors)
    async with write_transaction():
        clashes = await find_clashes(class_id, cleaned, cls["venue"] or "")
        if clashes:
            raise Conflict(clashes)
        rows = [ClassSession(**data) for data in cleaned]
        try:
            await ClassSession.insert(*rows).run()
        except Exception as exc:  # the database's qualified-trainer trigger (ADR 0031) after a concurrent change
            raise_trigger_refusal(exc)
            raise
        saved = await ClassSession.select().where(ClassSession.training_class == class_id).order_by(
            ClassSession.id, ascending=False).limit(len(rows)).run()
        saved.reverse()
        for row in saved:
            await audit(actor, "create", ClassSession, row["id"], None, row)
    return saved


async def _clean_specs(class_id: int, specs: list[SessionSpec]) -> tuple[list[dict[str, Any]], list[FieldError]]:
    cleaned: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    for position, spec in enumerate(specs, start=1):
        try:
            cleaned.append(await clean(ClassSession, {
                "training_class": class_id, "session_date": spec.session_date, "start_time": spec.start_time,
                "end_time": spec.end_time, "topic": spec.topic, "trainer": spec.trainer, "venue": spec.venue},
                check_clashes=False))
        except DomainError as exc:
            for err in exc.errors:
                errors.append(FieldError(err.code, N_("session {row}: {problem}"), err.field,
                                         {"row": position, "problem": err.text()}))
    return cleaned, errors


async def move_session(session_id: int, changes: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """Change a session's date, times, trainer, venue or topic, with the same checks."""
    before = await visible_row(ClassSession, session_id, actor, write=True)
    allowed = {"session_date", "start_time", "end_time", "topic", "trainer", "venue"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError.single("unknown_field", N_("Unknown field: {names}"), names=", ".join(sorted(unknown)))
    if not changes:
        raise DomainError.single("nothing_to_change", N_("Send at least one field to change."))
    cls = await TrainingClass.select().where(TrainingClass.id == before["training_class"]).first().run()
    data = await clean(ClassSession, {**before, **changes}, row_id=session_id, check_clashes=False)
    async with write_transaction():
        clashes = await find_clashes(cls["id"], [data], cls["venue"] or "", exclude_ids={session_id})
        if clashes:
            raise Conflict(clashes)
        try:
            await ClassSession.update({getattr(ClassSession, k): data[k] for k in changes}).where(
                ClassSession.id == session_id).run()
        except Exception as exc:  # as in add_sessions
            raise_trigger_refusal(exc)
            raise
        after = await ClassSession.select().where(ClassSession.id == session_id).first().run()
        await audit(actor, "update", ClassSession, session_id, before, after)
        await notices.session_changed(before, after)
    return after


async def cancel_session(session_id: int, actor: Actor) -> None:
    """Remove a session that has no attendance marks yet."""
    before = await visible_row(ClassSession, session_id, actor, write=True)
    async with write_transaction():
        if await Attendance.exists().where(Attendance.session == session_id).run():
            raise Conflict.single("session_has_attendance",
                                  N_("This session already has attendance marks; it cannot be cancelled."))
        await ClassSession.delete().where(ClassSession.id == session_id).run()
        await audit(actor, "delete", ClassSession, session_id, before, None)
        await notices.session_cancelled(before)
