"""Classes: sessions, enrolments, attendance, closing. Thin handlers over the domain packages (training.classes)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, PathParameter
from msgspec import UNSET, Meta, Struct, UnsetType

from training.auth.access import Actor
from training.classes import attendance, closing, enrolment, scheduling
from training.classes.tables import TrainingClass
from training.core.errors import DomainError
from training.core.i18n import N_
from training.coverage import figures
from training.records.rows import visible_row
from training.web.auth import provide_actor

Clock = Annotated[str, Meta(pattern=r"^\d{1,2}:\d{2}(:\d{2})?$", examples=["08:00", "13:30"])]


def parse_clock(value: str) -> dt.time:
    """Times as typed: 08:00 or 08:00:00."""
    parts = [int(p) for p in value.split(":")]
    try:
        return dt.time(*parts)
    except ValueError as exc:
        raise DomainError.single("invalid_time", N_("is not a valid time"), "start_time") from exc


class SessionIn(Struct):
    session_date: dt.date
    start_time: Clock
    end_time: Clock
    topic: str = ""
    trainer: int | None = None
    venue: str = ""


class PatternIn(Struct):
    start_date: dt.date
    count: int
    start_time: Clock
    end_time: Clock
    weekdays: list[int] | None = None
    topic: str = ""
    trainer: int | None = None
    venue: str = ""
    skip_dates: list[dt.date] | None = None


class SessionsIn(Struct):
    """Either an explicit list of sessions or a pattern."""

    sessions: list[SessionIn] | None = None
    pattern: PatternIn | None = None


class SessionPatch(Struct):
    session_date: dt.date | UnsetType = UNSET
    start_time: Clock | UnsetType = UNSET
    end_time: Clock | UnsetType = UNSET
    topic: str | UnsetType = UNSET
    trainer: int | None | UnsetType = UNSET
    venue: str | UnsetType = UNSET


class SessionOut(Struct):
    id: int
    training_class: int
    session_date: dt.date
    start_time: dt.time
    end_time: dt.time
    topic: str
    trainer: int | None
    venue: str


class EnrolIn(Struct):
    person: int


class EnrolmentOut(Struct):
    id: int
    training_class: int
    person: int
    status: str
    score: float | None
    classification: str | None
    enrolled_at: dt.datetime


class WithdrawOut(Struct):
    withdrawn: EnrolmentOut
    promoted: EnrolmentOut | None


class MarkIn(Struct):
    enrolment: int
    status: str
    note: str = ""


class AttendanceIn(Struct):
    marks: list[MarkIn] = []
    default: str | None = None


class AttendanceOut(Struct):
    session: int
    marked: int
    counts: dict[str, int]


class ShareOut(Struct):
    enrolment: int
    sessions: int
    attended: int
    share: float


class CloseIn(Struct):
    fingerprint: str | None = None


class CloseOut(Struct):
    training_class: int
    completed: int
    failed: int


class ClassOut(Struct):
    id: int
    code: str
    course: int
    host_province: int
    start_date: dt.date
    end_date: dt.date
    capacity: int
    status: str


def _session(row: dict[str, Any]) -> SessionOut:
    return SessionOut(**{k: row[k] for k in SessionOut.__struct_fields__})


def _enrolment(row: dict[str, Any]) -> EnrolmentOut:
    return EnrolmentOut(**{k: row[k] for k in EnrolmentOut.__struct_fields__})


ActorDep = NamedDependency[Actor]
ClassId = Annotated[int, PathParameter(description="ID of the class")]


class ClassController(Controller):
    path = "/api"
    tags = ["Classes"]
    dependencies = {"actor": Provide(provide_actor)}

    @post("/classes/{class_id:int}/sessions", summary="Add sessions: an explicit list or a pattern",
          description="All or nothing. A trainer or venue already booked in an overlapping session of any "
                      "class answers 409, naming the other class and session.")
    async def add_sessions(self, class_id: ClassId, data: JSONBody[SessionsIn], actor: ActorDep) -> list[SessionOut]:
        if (data.sessions is None) == (data.pattern is None):
            raise DomainError.single("sessions_or_pattern", N_("Send either a list of sessions or a pattern."))
        if data.pattern is not None:
            p = data.pattern
            specs = scheduling.sessions_from_pattern(p.start_date, p.count, parse_clock(p.start_time),
                                                     parse_clock(p.end_time), p.weekdays,
                                                     p.topic, p.trainer, p.venue, p.skip_dates)
        else:
            specs = [scheduling.SessionSpec(s.session_date, parse_clock(s.start_time), parse_clock(s.end_time),
                                            s.topic, s.trainer, s.venue) for s in data.sessions or []]
        rows = await scheduling.add_sessions(class_id, specs, actor)
        return [_session(r) for r in rows]

    @patch("/sessions/{session_id:int}", summary="Move or edit a session (same clash rules)")
    async def move_session(self, session_id: FromPath[int], data: JSONBody[SessionPatch],
                           actor: ActorDep) -> SessionOut:
        changes = {k: getattr(data, k) for k in data.__struct_fields__ if getattr(data, k) is not UNSET}
        for key in ("start_time", "end_time"):
            if key in changes:
                changes[key] = parse_clock(changes[key])
        return _session(await scheduling.move_session(session_id, changes, actor))

    @delete("/sessions/{session_id:int}", summary="Cancel a session without attendance marks", status_code=204)
    async def cancel_session(self, session_id: FromPath[int], actor: ActorDep) -> None:
        await scheduling.cancel_session(session_id, actor)

    @post("/classes/{class_id:int}/enrolments", summary="Enrol a person: confirmed, or waitlisted when full",
          status_code=201)
    async def enrol(self, class_id: ClassId, data: JSONBody[EnrolIn], actor: ActorDep) -> EnrolmentOut:
        return _enrolment(await enrolment.enrol(class_id, data.person, actor))

    @post("/enrolments/{enrolment_id:int}/withdraw", summary="Withdraw; the first waitlisted person is promoted",
          status_code=200)
    async def withdraw(self, enrolment_id: FromPath[int], actor: ActorDep) -> WithdrawOut:
        result = await enrolment.withdraw(enrolment_id, actor)
        promoted = result["promoted"]
        return WithdrawOut(withdrawn=_enrolment(result["withdrawn"]),
                           promoted=_enrolment(promoted) if promoted else None)

    @put("/sessions/{session_id:int}/attendance", summary="Bulk attendance for a session",
         description="`default` marks every active learner (e.g. present), then `marks` sets the exceptions.")
    async def mark(self, session_id: FromPath[int], data: JSONBody[AttendanceIn], actor: ActorDep) -> AttendanceOut:
        result = await attendance.mark_session(
            session_id, [attendance.Mark(m.enrolment, m.status, m.note) for m in data.marks], actor,
            default=data.default)
        return AttendanceOut(**result)

    @get("/classes/{class_id:int}/attendance", summary="Each learner's attended share")
    async def shares(self, class_id: ClassId, actor: ActorDep) -> list[ShareOut]:
        await visible_row(TrainingClass, class_id, actor)
        shares = await attendance.attended_shares(class_id)
        return [ShareOut(enrolment=k, **v) for k, v in sorted(shares.items())]

    @post("/classes/{class_id:int}/close", summary="Close a class and decide completion", status_code=200,
          description="Decides as `GET /api/classes/{id}/close-preview` shows. With `fingerprint` (the preview's), "
                      "a decision that has changed since is refused (409) and nothing changes. A browser session "
                      "must send it (428 without); an API token may leave it out (ADR 0032).")
    async def close(self, class_id: ClassId, request: Request, actor: ActorDep,
                    data: CloseIn | None = None) -> CloseOut:
        by_token = request.headers.get("authorization", "").lower().startswith("bearer ")
        result = await closing.close_class(class_id, actor, data.fingerprint if data else None,
                                           require_review=not by_token)
        return CloseOut(training_class=result["class"], completed=result["completed"], failed=result["failed"])

    @post("/classes/{class_id:int}/reopen", summary="Re-open a closed class (audited)", status_code=200)
    async def reopen(self, class_id: ClassId, actor: ActorDep) -> ClassOut:
        row = await attendance.reopen_class(class_id, actor)
        return ClassOut(**{k: row[k] for k in ClassOut.__struct_fields__})


class CountOut(Struct):
    people: int
    person_times: int
    province: str | None = None
    staff_category: str | None = None
    level: str | None = None
    year: int | None = None


@get("/api/counts", tags=["Reports"], summary="People trained and person-times",
     description="The coverage report's definitions (training/coverage/definition.py) over a period: "
                 "**person_times** = valid completions (a revoked certificate takes one away) whose class ended "
                 "between `start` (default: no limit) and `end` (default today), each refresher again; **people** = "
                 "distinct people active on `end` with such a completion (without `start`: the coverage report's "
                 "people trained on `end`). Grouped by any of province, staff_category, level, year (the class's "
                 "end year; comma-separated `group_by`). A department sees only its province: another province "
                 "answers 404, as in /api/coverage.",
     dependencies={"actor": Provide(provide_actor)})
async def counts(actor: ActorDep, start: dt.date | None = None, end: dt.date | None = None,
                 province: str | None = None, staff_category: str | None = None, level: str | None = None,
                 group_by: str = "") -> list[CountOut]:
    groups = [g.strip() for g in group_by.split(",") if g.strip()]
    rows = await figures.trained_counts(actor, start, end, province, staff_category, level, groups)
    return [CountOut(**r) for r in rows]
