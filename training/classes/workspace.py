"""The class workspace: the list of classes (``GET /classes``) and one class in one place
(``GET /classes/{id}``): its header, roster with attendance shares and results, sessions with their
marking state, and the actions that apply to its status, in the order a coordinator does them.

Who sees which classes is decided once, by ``visible_classes`` (the list, the page of one class and the
enrolment search all ask it): a coordinator every class, a department its province's (``host_province``,
``training.auth.access.scope_where``); another province's class answers 404. Actions only link or post
to the domain's own paths (scheduling, enrolment, roster import, attendance, scores, closing,
certificates); this module decides which of them apply, never how they are done.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from piccolo.query.functions.aggregate import Count

from training.auth.access import Actor, check_table_access, mask_personal, scope_where
from training.classes import attendance, trainers
from training.classes.states import ACTIVE_CLASS_STATUSES, SEAT_STATUSES
from training.classes.tables import Attendance, ClassSession, Course, Enrolment, Trainer, TrainerCourse, TrainingClass
from training.core.collation import vi_name_key
from training.core.db import engine
from training.core.enums import ClassStatus, EnrolmentStatus, Level, label
from training.core.errors import NotFound
from training.core.i18n import N_
from training.people.tables import Person
from training.reference.tables import Province

PER_PAGE = 25
SORTS = {"-start": (TrainingClass.start_date, False), "start": (TrainingClass.start_date, True),
         "code": (TrainingClass.code, True)}
# Marking state of a session.
MARKED, UNMARKED, UPCOMING = "marked", "unmarked", "upcoming"
SESSION_STATES = {MARKED: N_("Marked"), UNMARKED: N_("Not yet marked"), UPCOMING: N_("Upcoming")}
# Where the roster's statuses go: learners of the class first, then the waitlist, then those who left.
_ROSTER_ORDER = {"confirmed": 0, "registered": 0, "completed": 0, "failed": 0, "waitlisted": 1, "withdrawn": 2}


def today() -> dt.date:
    return dt.date.today()


def contains(column, term: str):
    """``column`` contains ``term``, ignoring case (ILIKE on PostgreSQL; SQLite's LIKE already ignores ASCII case)."""
    pattern = f"%{term}%"
    return column.like(pattern) if engine().engine_type == "sqlite" else column.ilike(pattern)


# --- who sees which classes --------------------------------------------------------------------

def visible_classes(actor: Actor):
    """The WHERE clause of the classes the actor may see in the workspace (None: all). The one place to
    widen or narrow it (e.g. a trainer: the classes where they teach)."""
    if actor.is_trainer:
        return trainers.classes_taught_where(actor.person_id)
    check_table_access(TrainingClass, actor, write=False)
    return scope_where(TrainingClass, actor)


async def visible_class(class_id: int, actor: Actor) -> dict[str, Any]:
    """One class the actor may see, with its course; another province's class is NotFound (404)."""
    where = visible_classes(actor)
    query = TrainingClass.select(
        TrainingClass.all_columns(), TrainingClass.course.code.as_alias("course_code"),
        TrainingClass.course.name_vi.as_alias("course_name"), TrainingClass.course.level.as_alias("level"),
        TrainingClass.host_province.name.as_alias("province_name"),
        TrainingClass.institution.name.as_alias("institution_name")).where(TrainingClass.id == class_id)
    if where is not None:
        query = query.where(where)
    row = await query.first().run()
    if row is None:
        raise NotFound.single("not_found", N_("No such row, or it belongs to another province."))
    return row


# --- the list ------------------------------------------------------------------------------------

@dataclass
class ListFilters:
    status: str = ""
    level: str = ""
    course: int | None = None
    province: int | None = None
    q: str = ""
    sort: str = "-start"
    page: int = 1

    def cleaned(self, actor: Actor) -> ListFilters:
        """Unknown values dropped (a filter never errors), the province only for a coordinator."""
        return ListFilters(
            status=self.status if self.status in ClassStatus.__members__ else "",
            level=self.level if self.level in Level.__members__ else "",
            course=self.course if self.course and self.course > 0 else None,
            province=self.province if actor.is_coordinator and self.province and self.province > 0 else None,
            q=(self.q or "").strip()[:40], sort=self.sort if self.sort in SORTS else "-start",
            page=max(1, min(self.page or 1, 100_000)))


def _list_where(actor: Actor, f: ListFilters) -> list:
    clauses = [c for c in [visible_classes(actor)] if c is not None]
    if f.status:
        clauses.append(TrainingClass.status == f.status)
    if f.level:
        clauses.append(TrainingClass.course.level == f.level)
    if f.course:
        clauses.append(TrainingClass.course == f.course)
    if f.province:
        clauses.append(TrainingClass.host_province == f.province)
    term = f.q.replace("%", "").replace("_", "")
    if term:
        clauses.append(contains(TrainingClass.code, term))
    return clauses


async def class_list(actor: Actor, filters: ListFilters, per_page: int = PER_PAGE,
                     on: dt.date | None = None) -> dict[str, Any]:
    """One page of the classes the actor may see, filtered and sorted, with enrolled / capacity, the
    waitlist and the next session of each (three queries for the page, whatever the number of classes)."""
    f = filters.cleaned(actor)
    clauses = _list_where(actor, f)
    count = TrainingClass.count()
    query = TrainingClass.select(
        TrainingClass.id, TrainingClass.code, TrainingClass.start_date, TrainingClass.end_date,
        TrainingClass.status, TrainingClass.capacity, TrainingClass.course.code.as_alias("course_code"),
        TrainingClass.course.name_vi.as_alias("course_name"), TrainingClass.course.level.as_alias("level"),
        TrainingClass.host_province.name.as_alias("province_name"))
    for clause in clauses:
        count = count.where(clause)
        query = query.where(clause)
    total = await count.run()
    pages = max(1, math.ceil(total / per_page))
    f.page = min(f.page, pages)
    column, ascending = SORTS[f.sort]
    rows = await query.order_by(column, ascending=ascending).order_by(TrainingClass.id, ascending=ascending).offset(
        (f.page - 1) * per_page).limit(per_page).run()
    await _add_counts(rows, on or today())
    for row in rows:
        row["status_label"] = label(ClassStatus, row["status"])
        row["level_label"] = label(Level, row["level"])
    return {"rows": rows, "total": total, "page": f.page, "pages": pages, "filters": f}


async def _add_counts(rows: list[dict[str, Any]], on: dt.date) -> None:
    """Enrolled, waitlisted and the next session (from ``on``) of each class of the page."""
    ids = [r["id"] for r in rows]
    counts: dict[tuple[int, str], int] = {}
    following: dict[int, dict[str, Any]] = {}
    if ids:
        grouped = await Enrolment.select(Enrolment.training_class, Enrolment.status, Count(Enrolment.id, alias="n")
                                         ).where(Enrolment.training_class.is_in(ids)).group_by(
            Enrolment.training_class, Enrolment.status).run()
        counts = {(g["training_class"], g["status"]): g["n"] for g in grouped}
        upcoming = await ClassSession.select(
            ClassSession.training_class, ClassSession.session_date, ClassSession.start_time).where(
            ClassSession.training_class.is_in(ids) & (ClassSession.session_date >= on)).order_by(
            ClassSession.session_date, ascending=False).order_by(ClassSession.start_time, ascending=False).run()
        following = {s["training_class"]: s for s in upcoming}  # the last written is the earliest
    for row in rows:
        row["enrolled"] = sum(counts.get((row["id"], s), 0) for s in SEAT_STATUSES)
        row["waitlist"] = counts.get((row["id"], EnrolmentStatus.waitlisted), 0)
        row["next_session"] = following.get(row["id"])


async def filter_options(actor: Actor) -> dict[str, Any]:
    """What the list's filters offer: statuses, levels, courses, and provinces for a coordinator."""
    courses = await Course.select(Course.id, Course.code, Course.name_vi).order_by(Course.code).run()
    provinces = (await Province.select(Province.id, Province.name).order_by(Province.name).run()
                 if actor.is_coordinator else [])
    return {"statuses": {s: label(ClassStatus, s) for s in ClassStatus},
            "levels": {v: label(Level, v) for v in Level}, "courses": courses, "provinces": provinces}


# --- one class -----------------------------------------------------------------------------------

async def class_workspace(class_id: int, actor: Actor, on: dt.date | None = None) -> dict[str, Any]:
    """One class as its workspace shows it: the class, its roster and its sessions (404 when not visible).
    The actions come from ``actions_for`` once the caller knows how many certificates are missing."""
    cls = await visible_class(class_id, actor)
    cls["status_label"] = label(ClassStatus, cls["status"])
    cls["level_label"] = label(Level, cls["level"])
    roster = await _roster(class_id, actor)
    sessions = await _sessions(class_id, on or today())
    for row in sessions:  # whose attendance the actor may take: a trainer only their own sessions
        row["markable"] = not actor.is_trainer or row.pop("trainer_person") == actor.person_id
    cls["enrolled"] = sum(1 for r in roster if r["status"] in SEAT_STATUSES)
    cls["waitlist"] = sum(1 for r in roster if r["status"] == EnrolmentStatus.waitlisted)
    return {"class": cls, "roster": roster, "sessions": sessions}


async def _roster(class_id: int, actor: Actor) -> list[dict[str, Any]]:
    rows = await Enrolment.select(
        Enrolment.id, Enrolment.status, Enrolment.score, Enrolment.classification, Enrolment.enrolled_at,
        Enrolment.person, Enrolment.person.full_name.as_alias("name"),
        Enrolment.person.province.as_alias("person_province"),
        Enrolment.person.organisation.name.as_alias("organisation")).where(
        Enrolment.training_class == class_id).run()
    shares = await attendance.attended_shares(class_id)
    out = []
    for row in rows:
        row = mask_personal(actor, row)
        share = shares.get(row["id"], {"sessions": 0, "attended": 0, "share": 0.0})
        row.update(share, status_label=label(EnrolmentStatus, row["status"]),
                   result=_result(row["status"]),
                   # who may print the person's training record (certificates.record.readable_person)
                   record=actor.is_coordinator or (actor.is_department
                                                   and row["person_province"] == actor.province_id))
        out.append(row)
    out.sort(key=lambda r: (_ROSTER_ORDER.get(r["status"], 3),
                            r["enrolled_at"].timestamp() if r["status"] == "waitlisted" else 0.0,
                            vi_name_key(r["name"])))
    return out


def _result(status: str) -> str:
    return {"completed": N_("Completed"), "failed": N_("Not completed")}.get(status, "")


async def _sessions(class_id: int, on: dt.date) -> list[dict[str, Any]]:
    rows = await ClassSession.select(
        ClassSession.id, ClassSession.session_date, ClassSession.start_time, ClassSession.end_time,
        ClassSession.topic, ClassSession.venue, ClassSession.trainer.person.full_name.as_alias("trainer_name"),
        ClassSession.trainer.person.as_alias("trainer_person")).where(
        ClassSession.training_class == class_id).order_by(ClassSession.session_date).order_by(
        ClassSession.start_time).run()
    marked = {r["session"] for r in await Attendance.select(Attendance.session).where(
        Attendance.session.training_class == class_id).distinct().run()}
    for row in rows:
        row["state"] = session_state(row["session_date"], row["id"] in marked, on)
        row["state_label"] = SESSION_STATES[row["state"]]
    return rows


def session_state(day: dt.date, marked: bool, on: dt.date) -> str:
    """Marked (some attendance saved), not yet marked (today or past), or upcoming."""
    if marked:
        return MARKED
    return UNMARKED if day <= on else UPCOMING


def attendance_target(sessions: list[dict[str, Any]], on: dt.date) -> dict[str, Any] | None:
    """The session whose attendance to take: today's (the first not yet marked, else the first), else the
    earliest past session not yet marked; None when there is none."""
    todays = [s for s in sessions if s["session_date"] == on]
    if todays:
        return next((s for s in todays if s["state"] == UNMARKED), todays[0])
    return next((s for s in sessions if s["state"] == UNMARKED), None)


def actions_for(ws: dict[str, Any], missing_certificates: int, on: dt.date | None = None,
                trainer: bool = False) -> list[dict[str, Any]]:
    """The actions that apply to the class as it is, in the order a coordinator does them: schedule,
    enrol, import a roster, take attendance, enter scores, close, issue certificates, downloads.
    ``kind``: "form" (a form on the page), "link" or "download". A trainer: only taking attendance, of a
    session they teach (ADR 0031)."""
    cls, roster, sessions = ws["class"], ws["roster"], [s for s in ws["sessions"] if s.get("markable", True)]
    cid, status = cls["id"], cls["status"]
    learners = [r for r in roster if r["status"] in attendance.MARKABLE]
    completed = sum(1 for r in roster if r["status"] == EnrolmentStatus.completed)
    out: list[dict[str, Any]] = []

    def add(key: str, text: str, href: str, kind: str = "link") -> None:
        out.append({"key": key, "label": text, "href": href, "kind": kind})

    if status in ACTIVE_CLASS_STATUSES:
        add("schedule", N_("Schedule sessions"), "#schedule", "form")
    if status == ClassStatus.open:
        add("enrol", N_("Enrol a learner"), "#enrol", "form")
        add("roster", N_("Import a roster"), f"/tools/roster?class={cid}")
    target = attendance_target(sessions, on or today())
    if status in ("open", "running") and target is not None and learners:
        add("attendance", N_("Take attendance"), f"/sessions/{target['id']}/attendance")
    if status in ("open", "running") and learners:
        add("scores", N_("Enter scores"), f"/classes/{cid}/scores")
    if status in ("open", "running") and sessions and learners:
        add("close", N_("Close the class"), f"/classes/{cid}/close")
    if status == ClassStatus.closed and completed and missing_certificates:
        add("certificates", N_("Issue certificates"), f"/tools/certificates?class={cid}")
    if learners:
        add("results", N_("Roster and results (XLSX)"), f"/api/classes/{cid}/results.xlsx", "download")
    if status == ClassStatus.closed and completed > missing_certificates:
        add("zip", N_("Certificates (ZIP)"), f"/api/classes/{cid}/certificates/export?format=zip", "download")
        add("pdf", N_("Certificates in one PDF for printing"),
            f"/api/classes/{cid}/certificates/export?format=pdf", "download")
    if any(r["status"] != EnrolmentStatus.withdrawn for r in roster):  # accounts for the learners (ADR 0038)
        add("invite", N_("Invite the learners to create their accounts"), f"/classes/{cid}/invitations")
    return [a for a in out if a["key"] == "attendance"] if trainer else out


# --- what the forms offer --------------------------------------------------------------------------

async def trainer_choices(class_id: int, actor: Actor) -> list[dict[str, Any]]:
    """The trainers the actor may pick for the class's sessions: those qualified for its course (ADR 0031;
    any other is refused when the sessions are saved), in Vietnamese name order."""
    cls = await visible_class(class_id, actor)
    query = Trainer.select(Trainer.id, Trainer.person.full_name.as_alias("name")).where(
        Trainer.id.is_in(TrainerCourse.select(TrainerCourse.trainer).where(TrainerCourse.course == cls["course"])))
    where = scope_where(Trainer, actor)
    if where is not None:
        query = query.where(where)
    rows = await query.run()
    rows.sort(key=lambda r: (vi_name_key(r["name"]), r["id"]))
    return rows


async def enrol_candidates(class_id: int, actor: Actor, q: str, limit: int = 10) -> list[dict[str, Any]]:
    """People the actor may enrol in the class whose name contains ``q`` (or whose citizen ID is ``q``),
    not yet in the class: id, name, organisation and birth year, at most ``limit``."""
    check_table_access(Enrolment, actor, write=True)
    await visible_class(class_id, actor)
    term = (q or "").strip().replace("%", "").replace("_", "")[:60]
    if len(term) < 2:
        return []
    query = Person.select(Person.id, Person.full_name, Person.date_of_birth, Person.province,
                          Person.organisation.name.as_alias("organisation")).where(
        contains(Person.full_name, term) | (Person.citizen_id == term)).order_by(Person.full_name).limit(
        limit * 3)
    where = scope_where(Person, actor)
    if where is not None:
        query = query.where(where)
    enrolled = {r["person"] for r in await Enrolment.select(Enrolment.person).where(
        Enrolment.training_class == class_id).run()}
    out = []
    for row in await query.run():
        if row["id"] in enrolled:
            continue
        row = mask_personal(actor, row, province_key="province", aliases={"date_of_birth": "date_of_birth"})
        out.append({"id": row["id"], "name": row["full_name"], "organisation": row["organisation"] or "",
                    "birth_year": row["date_of_birth"].year if row["date_of_birth"] else None})
    return out[:limit]
