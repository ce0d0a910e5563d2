"""Attendance per session, attended shares, and re-opening a closed class (closing: ``closing.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from training.auth.access import Actor
from training.classes import policy, states, trainers
from training.classes.closing import close_class  # noqa: F401  (moved to closing.py; callers may import it here)
from training.classes.tables import Attendance, ClassSession, Enrolment, TrainingClass
from training.core.collation import vi_name_key
from training.core.db import write_transaction
from training.core.errors import Conflict, DomainError, FieldError, NotFound
from training.core.i18n import N_
from training.core.text import clean_text
from training.coverage.facts import class_changed
from training.records.audit import audit
from training.records.rows import visible_row
from training.records.validation import formula_errors

MARKABLE = ["registered", "confirmed", "completed", "failed"]
STATUSES = {"present", "late", "excused", "absent"}


@dataclass
class Mark:
    enrolment: int
    status: str
    note: str = ""


def today() -> dt.date:
    return dt.date.today()


async def mark_session(session_id: int, marks: list[Mark], actor: Actor, default: str | None = None,
                       on: dt.date | None = None) -> dict[str, Any]:
    """Set the marks of one session: everyone ``default`` (e.g. present), then the exceptions. Staff within
    their scope; a trainer for the sessions they teach only (``trainers.session_to_mark``)."""
    found = await trainers.session_to_mark(session_id, actor)
    async with write_transaction():
        # Saves of one class queue on its row (PostgreSQL: two saves of one session at once would otherwise
        # collide on the unique (session, enrolment) index or deadlock); everything below is read under it.
        cls = await states.locked_class(found["training_class"])
        session = await ClassSession.select().where(ClassSession.id == session_id).first().run()
        if session is None:
            raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
        wanted = await _wanted_marks(session, cls, marks, default, on)
        current = {r["enrolment"]: r for r in await Attendance.select().where(Attendance.session == session_id).run()}
        inserts = []
        for eid, mark in wanted.items():
            note = clean_text(mark.note) or ""
            old = current.get(eid)
            if old is None:
                inserts.append(Attendance(session=session_id, enrolment=eid, status=mark.status, note=note))
            elif (old["status"], old["note"]) != (mark.status, note):
                await Attendance.update({Attendance.status: mark.status, Attendance.note: note}).where(
                    Attendance.id == old["id"]).run()
        if inserts:
            await Attendance.insert(*inserts).run()
        await audit(actor, "attendance", ClassSession, session_id, None,
                    {"marks": {str(e): m.status for e, m in wanted.items()}})
    counts: dict[str, int] = {}
    for mark in wanted.values():
        counts[mark.status] = counts.get(mark.status, 0) + 1
    return {"session": session_id, "marked": len(wanted), "counts": counts}


async def session_sheet(session_id: int, actor: Actor) -> dict[str, Any]:
    """One session as its attendance page shows it, for those who may mark it (else the same
    NotFound/PermissionDenied as ``mark_session``): the session, its class, and every learner whose
    attendance is taken (``MARKABLE``) in Vietnamese name order, with the mark and note saved so far."""
    session = await trainers.session_to_mark(session_id, actor)
    cls = await TrainingClass.select(TrainingClass.id, TrainingClass.code, TrainingClass.status,
                                     TrainingClass.course.name_vi.as_alias("course")).where(
        TrainingClass.id == session["training_class"]).first().run()
    learners = await Enrolment.select(Enrolment.id, Enrolment.person.full_name.as_alias("name")).where(
        (Enrolment.training_class == session["training_class"]) & Enrolment.status.is_in(MARKABLE)).run()
    marks = {r["enrolment"]: r for r in await Attendance.select(
        Attendance.enrolment, Attendance.status, Attendance.note).where(Attendance.session == session_id).run()}
    rows = [{"enrolment": r["id"], "name": r["name"], "status": marks.get(r["id"], {}).get("status"),
             "note": marks.get(r["id"], {}).get("note") or ""} for r in learners]
    rows.sort(key=lambda r: (vi_name_key(r["name"]), r["enrolment"]))
    return {"session": session, "class": cls, "learners": rows}


async def sessions_to_mark(actor: Actor, day: dt.date | None = None) -> list[dict[str, Any]]:
    """The sessions of ``day`` (default today) in open or running classes whose marks the actor may change
    (scoped as ``mark_session`` checks it; a trainer: the sessions they teach), by start time."""
    where = trainers.marking_scope(actor)
    query = ClassSession.select(
        ClassSession.id, ClassSession.start_time, ClassSession.end_time, ClassSession.topic,
        ClassSession.training_class.code.as_alias("code"),
        ClassSession.training_class.course.name_vi.as_alias("course")).where(
        (ClassSession.session_date == (day or today()))
        & ClassSession.training_class.status.is_in(["open", "running"])).order_by(
        ClassSession.start_time).order_by(ClassSession.training_class.code)
    if where is not None:
        query = query.where(where)
    return await query.run()


async def _wanted_marks(session: dict[str, Any], cls: dict[str, Any], marks: list[Mark], default: str | None,
                        on: dt.date | None) -> dict[int, Mark]:
    """The marks to store, checked against the session and its class as they are now."""
    if session["session_date"] > (on or today()):
        raise Conflict.single("session_in_future",
                              N_("The session of {date} has not happened yet; attendance cannot be taken."),
                              "session", date=session["session_date"].strftime("%d/%m/%Y"))
    if cls["status"] in ("closed", "cancelled"):
        raise Conflict.single("class_closed", N_("Class {code} is closed or cancelled; it cannot change."),
                              code=cls["code"])
    enrolments = {r["id"]: r for r in await Enrolment.select(
        Enrolment.id, Enrolment.status, Enrolment.person.full_name.as_alias("name")).where(
        Enrolment.training_class == session["training_class"]).run()}
    errors: list[FieldError] = []
    if default is not None and default not in STATUSES:
        errors.append(FieldError("unknown_status", N_("Unknown attendance status {status}."), "default",
                                 {"status": default}))
    wanted: dict[int, Mark] = {}
    if default is not None:
        for eid, row in enrolments.items():
            if row["status"] in MARKABLE:
                wanted[eid] = Mark(eid, default)
    for position, mark in enumerate(marks, start=1):
        row = enrolments.get(mark.enrolment)
        if mark.status not in STATUSES:
            errors.append(FieldError("unknown_status", N_("line {row}: unknown attendance status {status}."),
                                     "status", {"row": position, "status": mark.status}))
        elif row is None:
            errors.append(FieldError("not_in_class", N_("line {row}: enrolment {id} is not in this class."),
                                     "enrolment", {"row": position, "id": mark.enrolment}))
        elif row["status"] not in MARKABLE:
            errors.append(FieldError("not_markable", N_("line {row}: {name} is {status}; no attendance is taken."),
                                     "enrolment", {"row": position, "name": row["name"],
                                                   "status": states.status_label(row["status"])}))
        elif problems := formula_errors(clean_text(mark.note), "note"):  # checked as it would be stored
            errors.extend(problems)
        else:
            wanted[mark.enrolment] = mark
    if errors:
        raise DomainError(errors)
    return wanted


async def attended_shares(class_id: int) -> dict[int, dict[str, Any]]:
    """Per enrolment: sessions held so far, attended (present or late, and excused when the course
    counts it), and the share of all the class's sessions."""
    course = await TrainingClass.select(
        TrainingClass.course.excused_counts_as_present.as_alias("excused_counts_as_present")
    ).where(TrainingClass.id == class_id).first().run()
    counted = policy.attended_marks(course and course["excused_counts_as_present"])
    total = await ClassSession.count().where(ClassSession.training_class == class_id).run()
    marks = await Attendance.select(Attendance.enrolment, Attendance.status).where(
        Attendance.session.training_class == class_id).run()
    out: dict[int, dict[str, Any]] = {}
    for row in await Enrolment.select(Enrolment.id).where(Enrolment.training_class == class_id).run():
        out[row["id"]] = {"sessions": total, "attended": 0, "share": 0.0}
    for mark in marks:
        entry = out.get(mark["enrolment"])
        if entry is not None and mark["status"] in counted:
            entry["attended"] += 1
    for entry in out.values():
        entry["share"] = policy.attended_share(entry["attended"], total)
    return out


async def person_shares(person_id: int) -> dict[int, float]:
    """Per enrolment of one person: the share of its class's sessions attended, as ``attended_shares`` counts
    it, in two queries whatever the number of classes (the learner's page, ``/me``). A class with no session yet
    has no share (not 0%: nothing was missed)."""
    classes = await Enrolment.raw(
        "SELECT e.id AS enrolment, co.excused_counts_as_present AS excused, "
        "(SELECT COUNT(*) FROM class_session s WHERE s.training_class = e.training_class) AS sessions "
        "FROM enrolment e JOIN training_class c ON c.id = e.training_class LEFT JOIN course co ON co.id = c.course "
        "WHERE e.person = {}", person_id).run()
    marks = await Enrolment.raw(
        "SELECT a.enrolment AS enrolment, a.status AS status, COUNT(*) AS n FROM attendance a "
        "JOIN enrolment e ON e.id = a.enrolment JOIN class_session s ON s.id = a.session "
        "WHERE e.person = {} AND s.training_class = e.training_class GROUP BY a.enrolment, a.status",
        person_id).run()
    by_enrolment: dict[int, dict[str, int]] = {}
    for mark in marks:
        by_enrolment.setdefault(mark["enrolment"], {})[mark["status"]] = int(mark["n"])
    out = {}
    for row in classes:
        if not int(row["sessions"]):
            continue
        counted = policy.attended_marks(bool(row["excused"]))
        attended = sum(n for status, n in by_enrolment.get(row["enrolment"], {}).items() if status in counted)
        out[row["enrolment"]] = policy.attended_share(attended, int(row["sessions"]))
    return out


async def reopen_class(class_id: int, actor: Actor) -> dict[str, Any]:
    """Explicitly re-open a closed class: results go back to confirmed; recorded in the audit log."""
    await visible_row(TrainingClass, class_id, actor, write=True)
    async with write_transaction():
        cls = await states.locked_class(class_id)
        if cls["status"] != "closed":
            raise Conflict.single("class_not_closed", N_("Class {code} is not closed."), code=cls["code"])
        states.check_class_move(cls["code"], "closed", "running", "reopen")
        # A valid certificate certifies the closed class's result: it must not outlive that result.
        certified = await Enrolment.raw(
            "SELECT COUNT(*) AS n FROM certificate c JOIN enrolment e ON e.id = c.enrolment "
            "WHERE e.training_class = {} AND c.status = 'valid'", class_id).run()
        if certified[0]["n"]:
            raise Conflict.single("class_has_certificates", N_(
                "Class {code} cannot be re-opened: {count} of its learners hold a valid certificate for its results. "
                "To correct a certificate, re-issue it; to withdraw it, revoke it with a reason."),
                "training_class", code=cls["code"], count=certified[0]["n"])
        await trainers.revoke_class_grants(class_id, today())
        await Enrolment.update({Enrolment.status: "confirmed", Enrolment.classification: None}).where(
            (Enrolment.training_class == class_id) & Enrolment.status.is_in(["completed", "failed"])).run()
        await TrainingClass.update({TrainingClass.status: "running"}).where(TrainingClass.id == class_id).run()
        after = await TrainingClass.select().where(TrainingClass.id == class_id).first().run()
        await audit(actor, "reopen", TrainingClass, class_id, cls, after)
        await class_changed(class_id)
    return after
