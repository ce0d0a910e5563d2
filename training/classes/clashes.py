"""When two class sessions clash.

A session clashes with another session of any class on the same date whose times overlap and
which has the same trainer, or the same venue (a session without its own venue takes its
class's venue). ``find_clashes`` is the one check: the scheduling service runs it for all the
sessions of a request inside its write transaction (``training.classes.scheduling``), and the
row rules run it for a session saved any other way (``training.records.validation.clean``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from training.classes.tables import ClassSession, Trainer
from training.core.errors import FieldError
from training.core.i18n import N_


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
