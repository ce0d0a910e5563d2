"""What the classes tell their learners (ADR 0043): the messages of an enrolment (confirmed or waitlisted), of a
promotion from the waitlist, of a session moved or cancelled. Each function is called by the domain function
that makes the event, inside its write transaction (``training.notifications.outbox``: the messages exist if
and only if the event does), so every path — API, admin table and forms, roster import, command line — sends
them. The words are ``training.notifications.messages``'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from training.classes import states
from training.classes.tables import Enrolment, TrainingClass
from training.core.enums import NotificationKind
from training.notifications.outbox import enqueue_many

# What a learner is told of when a session moves: its day, its times, its place (not its topic or trainer).
SESSION_FIELDS = ("session_date", "start_time", "end_time", "venue")


def iso(value: Any) -> Any:
    """A date or time as its ISO text (the outbox's params are JSON)."""
    return value.isoformat() if isinstance(value, dt.date | dt.time) else value


async def class_params(class_id: int) -> dict[str, Any]:
    """The class's values every message of it names (code, course, dates, venue)."""
    row = await TrainingClass.select(
        TrainingClass.code, TrainingClass.venue, TrainingClass.start_date, TrainingClass.end_date,
        TrainingClass.course.name_vi.as_alias("course_name"), TrainingClass.course.name_en.as_alias("course_name_en"),
    ).where(TrainingClass.id == class_id).first().run()
    return {"class_code": row["code"], "course_name": row["course_name"], "course_name_en": row["course_name_en"],
            "start_date": iso(row["start_date"]), "end_date": iso(row["end_date"]), "venue": row["venue"] or ""}


async def enrolled(class_id: int, enrolments: list[dict[str, Any]]) -> list[int]:
    """One message per new enrolment (``id``, ``person``, ``status``): confirmed or waitlisted."""
    kinds = {"confirmed": NotificationKind.enrolment_confirmed, "waitlisted": NotificationKind.enrolment_waitlisted}
    if not enrolments:
        return []
    params = await class_params(class_id)
    ids = []
    for status, kind in kinds.items():
        ids += await enqueue_many(kind, [
            (e["person"], params, f"{kind}:{e['id']}:{class_id}:{e['person']}")
            for e in enrolments if e["status"] == status])
    return ids


async def promoted(class_id: int, moves: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[int]:
    """One message per learner moved off the waitlist (``moves`` as ``states.fill_seats`` returns them)."""
    if not moves:
        return []
    params = await class_params(class_id)
    kind = NotificationKind.waitlist_promoted
    return await enqueue_many(kind, [(new["person"], params, f"{kind}:{new['id']}:{class_id}:{new['person']}")
                                     for _old, new in moves])


async def learners_of(class_id: int) -> list[int]:
    """The people holding a seat in the class who have not finished it: who hears of its sessions."""
    rows = await Enrolment.select(Enrolment.person).where(
        (Enrolment.training_class == class_id) & Enrolment.status.is_in(states.DECIDED_AT_CLOSE)).run()
    return [r["person"] for r in rows]


async def session_params(session: dict[str, Any]) -> dict[str, Any]:
    """The class's values and the session's day, times and place (the class's venue when it names none)."""
    params = await class_params(session["training_class"])
    return {**params, "session_date": iso(session["session_date"]), "start_time": iso(session["start_time"]),
            "end_time": iso(session["end_time"]), "venue": session.get("venue") or params["venue"],
            "topic": session.get("topic") or ""}


def _upcoming(*sessions: dict[str, Any]) -> bool:
    """A change to sessions that are all in the past (a record corrected afterwards) tells nobody."""
    today = dt.date.today()
    return any(s["session_date"] >= today for s in sessions)


async def session_changed(before: dict[str, Any], after: dict[str, Any]) -> list[int]:
    """When a session's day, times or place changed: one message to each learner of the class."""
    if all(before[f] == after[f] for f in SESSION_FIELDS) or not _upcoming(before, after):
        return []
    old = await session_params(before)
    params = {**await session_params(after), **{f"old_{f}": old[f] for f in SESSION_FIELDS}}
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")  # each move is its own event
    kind = NotificationKind.session_changed
    return await enqueue_many(kind, [(person, params, f"{kind}:{after['id']}:{stamp}:{person}")
                                     for person in await learners_of(after["training_class"])])


async def session_cancelled(before: dict[str, Any]) -> list[int]:
    """When a session is removed: one message to each learner of the class."""
    if not _upcoming(before):
        return []
    params = await session_params(before)
    kind = NotificationKind.session_cancelled
    when = f"{params['session_date']}T{params['start_time']}"
    return await enqueue_many(kind, [(person, params, f"{kind}:{before['id']}:{when}:{person}")
                                     for person in await learners_of(before["training_class"])])
