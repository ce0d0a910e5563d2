"""Scheduling a class's sessions: from a pattern or an explicit list, never double-booking.

A session clashes with another session of any class on the same date whose times overlap and
which has the same trainer, or the same venue (a session without its own venue takes its
class's venue). Clashes answer 409 naming the other class and session; nothing is saved.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from training.auth.access import Actor
from training.classes.tables import Attendance, ClassSession, Trainer, TrainingClass
from training.core.db import write_transaction
from training.core.errors import Conflict, DomainError, FieldError
from training.core.i18n import N_
from training.records.audit import audit
from training.records.rows import visible_row
from training.records.validation import CHECK_CLASHES, clean


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


def _overlaps(a_start: dt.time, a_end: dt.time, b_start: dt.time, b_end: dt.time) -> bool:
    return a_start < b_end and b_start < a_end


def _fmt(session: dict[str, Any]) -> dict[str, str]:
    return {"date": session["session_date"].strftime("%d/%m/%Y"),
            "start": session["start_time"].strftime("%H:%M"), "end": session["end_time"].strftime("%H:%M")}


async def find_clashes(class_id: int, specs: list[dict[str, Any]], class_venue: str,
                       exclude_ids: set[int] | None = None) -> list[FieldError]:
    """Clashes of the proposed sessions with stored ones (one query) and with each other."""
    exclude_ids = exclude_ids or set()
    dates = sorted({s["session_date"] for s in specs})
    if not dates:
        return []
    trainers = {s["trainer"] for s in specs if s.get("trainer")}
    venues = {(s.get("venue") or class_venue) for s in specs} - {""}
    errors: list[FieldError] = []
    existing = await ClassSession.select(
        ClassSession.id, ClassSession.session_date, ClassSession.start_time, ClassSession.end_time,
        ClassSession.trainer, ClassSession.venue, ClassSession.training_class.code.as_alias("class_code"),
        ClassSession.training_class.venue.as_alias("class_venue"), ClassSession.training_class.id.as_alias("cid"),
        ClassSession.trainer.person.full_name.as_alias("trainer_name"),
    ).where(ClassSession.session_date.is_in(dates)).run() if (trainers or venues) else []
    by_date: dict[dt.date, list[dict]] = {}
    for row in existing:
        if row["id"] in exclude_ids:
            continue
        row["effective_venue"] = row["venue"] or row["class_venue"] or ""
        by_date.setdefault(row["session_date"], []).append(row)
    names = {}
    if trainers:
        names = {r["id"]: r["name"] for r in await Trainer.select(
            Trainer.id, Trainer.person.full_name.as_alias("name")).where(Trainer.id.is_in(list(trainers))).run()}
    for index, spec in enumerate(specs):
        venue = spec.get("venue") or class_venue
        others = by_date.get(spec["session_date"], []) + [
            {**o, "id": None, "class_code": None, "cid": class_id, "effective_venue": o.get("venue") or class_venue,
             "trainer_name": names.get(o.get("trainer")), "position": j + 1}
            for j, o in enumerate(specs[:index]) if o["session_date"] == spec["session_date"]]
        for other in others:
            if not _overlaps(spec["start_time"], spec["end_time"], other["start_time"], other["end_time"]):
                continue
            in_request = other.get("position") is not None
            params = {**_fmt(other), "code": other["class_code"] or "", "row": index + 1}
            if spec.get("trainer") and spec["trainer"] == other.get("trainer"):
                params["trainer"] = names.get(spec["trainer"]) or other.get("trainer_name") or ""
                if in_request:
                    errors.append(FieldError("trainer_clash_in_request", N_(
                        "session {row}: trainer {trainer} already teaches another session of this request on "
                        "{date} {start}–{end}"), "trainer", params))
                else:
                    errors.append(FieldError("trainer_clash", N_(
                        "session {row}: trainer {trainer} already teaches class {code} on {date} {start}–{end}"),
                        "trainer", params))
            elif venue and venue == other.get("effective_venue"):
                params["venue"] = venue
                if in_request:
                    errors.append(FieldError("venue_clash_in_request", N_(
                        "session {row}: the venue {venue} is already used by another session of this request on "
                        "{date} {start}–{end}"), "venue", params))
                else:
                    errors.append(FieldError("venue_clash", N_(
                        "session {row}: the venue {venue} is already booked by class {code} on {date} {start}–{end}"),
                        "venue", params))
    return errors


async def add_sessions(class_id: int, specs: list[SessionSpec], actor: Actor) -> list[dict[str, Any]]:
    """Validate and clash-check every session, then save them all, or none."""
    cls = await visible_row(TrainingClass, class_id, actor, write=True)
    if not specs:
        raise DomainError.single("no_sessions", N_("Send at least one session."), "sessions")
    if cls["status"] in ("closed", "cancelled"):
        raise Conflict.single("class_closed", N_("Class {code} is closed or cancelled; it cannot change."),
                              code=cls["code"])
    token = CHECK_CLASHES.set(False)
    try:
        cleaned, errors = await _clean_specs(class_id, specs)
    finally:
        CHECK_CLASHES.reset(token)
    if errors:
        raise DomainError(errors)
    async with write_transaction():
        clashes = await find_clashes(class_id, cleaned, cls["venue"] or "")
        if clashes:
            raise Conflict(clashes)
        rows = [ClassSession(**data) for data in cleaned]
        await ClassSession.insert(*rows).run()
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
                "end_time": spec.end_time, "topic": spec.topic, "trainer": spec.trainer, "venue": spec.venue}))
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
    token = CHECK_CLASHES.set(False)
    try:
        data = await clean(ClassSession, {**before, **changes}, row_id=session_id)
    finally:
        CHECK_CLASHES.reset(token)
    async with write_transaction():
        clashes = await find_clashes(cls["id"], [data], cls["venue"] or "", exclude_ids={session_id})
        if clashes:
            raise Conflict(clashes)
        await ClassSession.update({getattr(ClassSession, k): data[k] for k in changes}).where(
            ClassSession.id == session_id).run()
        after = await ClassSession.select().where(ClassSession.id == session_id).first().run()
        await audit(actor, "update", ClassSession, session_id, before, after)
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
