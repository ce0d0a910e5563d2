"""Enrolment: capacity, waitlist in arrival order, automatic promotion, prerequisites.

Seats are taken by registered, confirmed, completed and failed enrolments (``states.SEAT_STATUSES``).
The decision (confirmed or waitlisted) is made inside a write transaction that holds the class:
BEGIN IMMEDIATE on SQLite, SELECT … FOR UPDATE of the class row on PostgreSQL, so fifty simultaneous
requests for thirty seats end with exactly thirty confirmed. The transitions are ``states``'s.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from training.auth.access import Actor, scope_where
from training.classes import notices, states
from training.classes.tables import CoursePrerequisite, Enrolment, TrainingClass
from training.core.db import write_transaction
from training.core.errors import Conflict, NotFound
from training.core.i18n import N_
from training.people.tables import Person
from training.records.audit import audit
from training.records.rows import visible_row


async def _person_for(person_id: int, actor: Actor) -> dict[str, Any]:
    query = Person.select().where(Person.id == person_id)
    where = scope_where(Person, actor, write=True)
    if where is not None:
        query = query.where(where)
    person = await query.first().run()
    if person is None:  # another province's person answers as one that does not exist (no enumeration)
        raise NotFound.single("unknown_person", N_("There is no person with ID {id}."), "person", id=person_id)
    return person


async def missing_prerequisites(course_id: int, person_id: int) -> list[str]:
    """Codes of required courses the person has not completed."""
    required = await CoursePrerequisite.select(
        CoursePrerequisite.required_course, CoursePrerequisite.required_course.code.as_alias("code")
    ).where(CoursePrerequisite.course == course_id).run()
    if not required:
        return []
    done = {r["course"] for r in await Enrolment.select(Enrolment.training_class.course.as_alias("course")).where(
        (Enrolment.person == person_id) & (Enrolment.status == "completed")).run()}
    return [r["code"] for r in required if r["required_course"] not in done]


async def enrol(class_id: int, person_id: int, actor: Actor) -> dict[str, Any]:
    """Enrol a person: confirmed while seats remain, otherwise waitlisted (decided on the class row read
    under its lock)."""
    person = await _person_for(person_id, actor)
    visible = TrainingClass.exists().where(TrainingClass.id == class_id)
    where = scope_where(TrainingClass, actor)
    if where is not None:
        visible = visible.where(where)
    if not await visible.run():  # another province's class answers as one that does not exist
        raise NotFound.single("unknown_class", N_("There is no class with ID {id}."), "training_class", id=class_id)
    async with write_transaction():
        cls = await states.locked_class(class_id)
        if cls["status"] != "open":
            raise Conflict.single("class_not_open",
                                  N_("Class {code} is not open for enrolment (its status is {status})."),
                                  "training_class", code=cls["code"], status=states.status_label(cls["status"]))
        missing = await missing_prerequisites(cls["course"], person_id)
        if missing:
            raise Conflict.single("prerequisite_missing",
                                  N_("{name} must first complete: {courses}."), "person",
                                  name=person["full_name"], courses=", ".join(missing))
        existing = await Enrolment.select(Enrolment.id, Enrolment.status).where(
            (Enrolment.training_class == class_id) & (Enrolment.person == person_id)).first().run()
        if existing is not None:
            raise Conflict.single("already_enrolled",
                                  N_("{name} is already in class {code} (status: {status})."), "person",
                                  name=person["full_name"], code=cls["code"],
                                  status=states.status_label(existing["status"]))
        status = states.arrival_status(await states.seats_taken(class_id), cls["capacity"])
        states.check_enrolment_move(None, status, "enrol")
        row = Enrolment(training_class=class_id, person=person_id, status=status,
                        enrolled_at=dt.datetime.now(dt.UTC))
        # The new row as stored, read back by the INSERT itself (one statement less inside the write lock)
        after = (await Enrolment.insert(row).returning(*Enrolment.all_columns()).run())[0]
        await audit(actor, "create", Enrolment, after["id"], None, after)
        await notices.enrolled(class_id, [after])
    return after


async def withdraw(enrolment_id: int, actor: Actor) -> dict[str, Any]:
    """Withdraw a learner; a freed seat goes to the first person on the waitlist. The enrolment and its
    class are read again under the class lock, so two withdrawals at once free (and fill) one seat."""
    found = await visible_row(Enrolment, enrolment_id, actor, write=True)
    async with write_transaction():
        cls = await states.locked_class(found["training_class"])
        before = await Enrolment.select().where(Enrolment.id == enrolment_id).first().run()
        if before is None:
            raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
        if cls["status"] in ("closed", "cancelled"):
            raise Conflict.single("class_closed_withdraw",
                                  N_("Class {code} is already closed; a withdrawal is no longer possible."),
                                  code=cls["code"])
        if before["status"] == "withdrawn":
            return {"withdrawn": before, "promoted": None}
        states.check_enrolment_move(before["status"], "withdrawn", "withdraw")
        after = (await Enrolment.update({Enrolment.status: "withdrawn"}).where(Enrolment.id == enrolment_id).returning(
            *Enrolment.all_columns()).run())[0]
        await audit(actor, "withdraw", Enrolment, enrolment_id, before, after)
        promoted = None
        moves = await states.fill_seats(cls)
        for old, new in moves:
            await audit(actor, "promote", Enrolment, old["id"], old, new)
            promoted = promoted or new
        await notices.promoted(cls["id"], moves)
    return {"withdrawn": after, "promoted": promoted}
