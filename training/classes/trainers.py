"""Trainers (ADR 0031): which sessions and classes a trainer teaches, the trainer pool a trainer-of-trainers
class feeds, and the workload report.

- ``taught_by`` is THE answer to "which sessions does this trainer teach" (a WHERE clause on ClassSession);
  ``classes_taught_by`` the classes. A trainer account opens nothing else: ``session_to_mark`` and
  ``marking_scope`` let it mark those sessions only, every table stays closed to it
  (``training.auth.access.check_table_access``).
- A trainer may be named on a session only for a course they may teach (a TrainerCourse row): the rule
  ``class_session`` of ``training.records.validation`` on every path, and the database's trigger.
- Closing a trainer-of-trainers class makes each learner who completes a trainer for the courses it qualifies
  for (``CourseQualification``), in the close's transaction (``grant_from_class``); re-opening takes back what
  that class granted (``revoke_class_grants``), refused while a session from today on relies on it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from training.auth.access import Actor, check_table_access, scope_where
from training.classes.tables import ClassSession, Course, CourseQualification, Trainer, TrainerCourse, TrainingClass
from training.core.collation import vi_name_key
from training.core.db import lock_row
from training.core.errors import Conflict, DomainError, NotFound
from training.core.i18n import N_
from training.people.tables import Person
from training.records.rows import visible_row
from training.reference.tables import Province

UPCOMING_DAYS = 60
UPCOMING_LIMIT = 20
PAGE_SIZE = 25


def taught_by(person_id: int | None):
    """WHERE clause on ClassSession: the sessions taught by the trainer who is this person."""
    if person_id is None:
        return ClassSession.id.is_null()  # matches nothing
    return ClassSession.trainer.person == person_id


def classes_taught_where(person_id: int | None):
    """WHERE clause on TrainingClass: the classes where this person teaches at least one session."""
    return TrainingClass.id.is_in(ClassSession.select(ClassSession.training_class).where(taught_by(person_id)))


async def classes_taught_by(person_id: int | None) -> list[int]:
    """The ids of the classes where this person teaches at least one session."""
    rows = await ClassSession.select(ClassSession.training_class).where(taught_by(person_id)).distinct().run()
    return sorted(r["training_class"] for r in rows)


def marking_scope(actor: Actor):
    """WHERE clause on ClassSession for the sessions whose marks the actor may change (None: all), after the
    table access check; a trainer: the sessions they teach."""
    if actor.is_trainer:
        return taught_by(actor.person_id)
    check_table_access(ClassSession, actor, write=True)
    return scope_where(ClassSession, actor, write=True)


async def session_to_mark(session_id: int, actor: Actor) -> dict[str, Any]:
    """The session if the actor may change its marks: staff through ``visible_row``, a trainer only for a
    session they teach (else 404, never saying whose it is)."""
    if not actor.is_trainer:
        return await visible_row(ClassSession, session_id, actor, write=True)
    row = await ClassSession.select().where((ClassSession.id == session_id) & taught_by(actor.person_id)).first().run()
    if row is None:
        raise NotFound.single("not_your_session", N_("This session does not exist or you do not teach it."))
    return row


async def upcoming_sessions(actor: Actor, after: dt.date) -> list[dict[str, Any]]:
    """A trainer's sessions after ``after`` (within ``UPCOMING_DAYS``), by date and time; [] for anyone else."""
    if not actor.is_trainer:
        return []
    return await ClassSession.select(
        ClassSession.id, ClassSession.session_date, ClassSession.start_time, ClassSession.end_time,
        ClassSession.topic, ClassSession.training_class.code.as_alias("code"),
        ClassSession.training_class.course.name_vi.as_alias("course")).where(
        taught_by(actor.person_id) & (ClassSession.session_date > after)
        & (ClassSession.session_date <= after + dt.timedelta(days=UPCOMING_DAYS))
        & ClassSession.training_class.status.is_in(["planned", "open", "running"])).order_by(
        ClassSession.session_date).order_by(ClassSession.start_time).limit(UPCOMING_LIMIT).run()


# --- the pool ---------------------------------------------------------------------------------------------

async def grant_from_class(class_id: int, course_id: int, person_ids: list[int]) -> int:
    """Inside the close's transaction: each person becomes a trainer (if not yet) for every course the class's
    trainer-of-trainers course qualifies for. Returns the number of TrainerCourse rows added."""
    courses = [r["course"] for r in await CourseQualification.select(CourseQualification.course).where(
        CourseQualification.tot_course == course_id).run()]
    if not courses or not person_ids:
        return 0
    added = 0
    for person_id in sorted(set(person_ids)):
        await lock_row(Person, person_id)  # two closes granting one person queue here
        trainer = await Trainer.select(Trainer.id).where(Trainer.person == person_id).first().run()
        if trainer is None:
            trainer = (await Trainer.insert(Trainer(person=person_id)).returning(Trainer.id).run())[0]
        has = {r["course"] for r in await TrainerCourse.select(TrainerCourse.course).where(
            TrainerCourse.trainer == trainer["id"]).run()}
        new = [TrainerCourse(trainer=trainer["id"], course=c, granted_by=class_id) for c in courses if c not in has]
        if new:
            await TrainerCourse.insert(*new).run()
            added += len(new)
    return added


async def revoke_class_grants(class_id: int, on: dt.date) -> int:
    """Inside the re-open's transaction: remove the courses this class granted; refused (409 naming the trainer
    and the course) while a session from ``on`` relies on one of them."""
    granted = await TrainerCourse.select(
        TrainerCourse.id, TrainerCourse.trainer, TrainerCourse.course,
        TrainerCourse.trainer.person.full_name.as_alias("name"),
        TrainerCourse.course.name_vi.as_alias("course_name")).where(TrainerCourse.granted_by == class_id).run()
    for row in granted:
        relied = await ClassSession.exists().where(
            (ClassSession.trainer == row["trainer"]) & (ClassSession.training_class.course == row["course"])
            & (ClassSession.session_date >= on)).run()
        if relied:
            raise Conflict.single("grant_in_use", N_(
                "The class cannot be re-opened: {trainer} became a trainer for {course} when it closed and "
                "teaches a session of that course from today on. Give that session another trainer first."),
                "training_class", trainer=row["name"], course=row["course_name"])
    if granted:
        await TrainerCourse.delete().where(TrainerCourse.id.is_in([r["id"] for r in granted])).run()
    return len(granted)


def _pool_where(actor: Actor, province: int | None = None):
    """WHERE clause on Trainer: those the actor may see (coordinator: all; department: its province)."""
    check_table_access(Trainer, actor, write=False)
    where = Trainer.id.is_not_null()
    scope = scope_where(Trainer, actor)
    if scope is not None:
        where = where & scope
    if province is not None:
        where = where & (Trainer.person.province == province)
    return where


async def trainer_pool(actor: Actor, province: int | None = None, course: int | None = None,
                       page: int = 1) -> dict[str, Any]:
    """The trainers the actor may see (coordinator: all; department: its province), filtered by province and
    course, in Vietnamese name order, ``PAGE_SIZE`` a page, each with the courses they may teach."""
    if page < 1:
        raise DomainError.single("bad_page", N_("must be between {low} and {high} (got {value})"), "page",
                                 low=1, high=10**6, value=page)
    where = _pool_where(actor, province)
    rows = await Trainer.select(
        Trainer.id, Trainer.person.as_alias("person"), Trainer.person.full_name.as_alias("name"),
        Trainer.person.province.name.as_alias("province"), Trainer.qualifications).where(where).run()
    teaches: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in await TrainerCourse.select(
            TrainerCourse.trainer, TrainerCourse.course, TrainerCourse.course.code.as_alias("code"),
            TrainerCourse.course.name_vi.as_alias("name"), TrainerCourse.granted_by.code.as_alias("granted_by")
    ).where(TrainerCourse.trainer.is_in([r["id"] for r in rows] or [0])).order_by(TrainerCourse.course.code).run():
        teaches[r["trainer"]].append(r)
    if course is not None:
        rows = [r for r in rows if any(c["course"] == course for c in teaches[r["id"]])]
    rows.sort(key=lambda r: (vi_name_key(r["name"]), r["id"]))
    total = len(rows)
    shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return {"total": total, "page": page, "pages": max(1, -(-total // PAGE_SIZE)),
            "trainers": [{**r, "courses": teaches[r["id"]]} for r in shown]}


async def pool_filters(actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """The provinces and courses the pool page offers as filters (a department: its own province)."""
    check_table_access(Trainer, actor, write=False)
    provinces = Province.select(Province.id, Province.name).order_by(Province.code)
    if actor.is_department:
        provinces = provinces.where(Province.id == actor.province_id)
    courses = await Course.select(Course.id, Course.code, Course.name_vi).order_by(Course.code).run()
    return {"provinces": await provinces.run(), "courses": courses}


# --- the workload report ----------------------------------------------------------------------------------

def _hours(start: dt.time, end: dt.time) -> float:
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return round(max(minutes, 0) / 60, 2)


async def workload(actor: Actor, year: int) -> list[dict[str, Any]]:
    """Per trainer the actor may see (as ``trainer_pool``): sessions and hours in each month of ``year`` and in
    the year, counting every session that names them, in Vietnamese name order."""
    if not 2000 <= year <= 2100:
        raise DomainError.single("bad_year", N_("must be between {low} and {high} (got {value})"), "year",
                                 low=2000, high=2100, value=year)
    where = _pool_where(actor)
    trainers = {r["id"]: r for r in await Trainer.select(
        Trainer.id, Trainer.person.full_name.as_alias("name"),
        Trainer.person.province.name.as_alias("province")).where(where).run()}
    sessions = await ClassSession.select(
        ClassSession.trainer, ClassSession.session_date, ClassSession.start_time, ClassSession.end_time).where(
        ClassSession.trainer.is_in(list(trainers) or [0]) & (ClassSession.session_date >= dt.date(year, 1, 1))
        & (ClassSession.session_date <= dt.date(year, 12, 31))).run()
    out = {tid: {**t, "months": {m: {"sessions": 0, "hours": 0.0} for m in range(1, 13)},
                 "sessions": 0, "hours": 0.0} for tid, t in trainers.items()}
    for s in sessions:
        entry = out[s["trainer"]]
        hours = _hours(s["start_time"], s["end_time"])
        month = entry["months"][s["session_date"].month]
        month["sessions"] += 1
        month["hours"] = round(month["hours"] + hours, 2)
        entry["sessions"] += 1
        entry["hours"] = round(entry["hours"] + hours, 2)
    return sorted((e for e in out.values() if e["sessions"]), key=lambda e: (vi_name_key(e["name"]), e["id"]))
