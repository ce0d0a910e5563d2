"""The demo's courses, classes, sessions, enrolments and attendance: planned (sessions on weekdays with
a free trainer, learners picked among the active people of the class's areas, marks and results by
the attendance policy) and written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from training.classes import policy
from training.classes.tables import Attendance, ClassSession, Course, CoursePrerequisite, Enrolment, TrainingClass
from training.core.enums import AttendanceStatus, ClassStatus, DeliveryMode, EnrolmentStatus, Level, StaffCategory
from training.demo.plan import (
    AFTERNOON,
    COURSES,
    DATA,
    FINAL_TOPIC,
    MORNING,
    PREREQUISITES,
    REFERENCE_DATE,
    TOPICS,
    ClassPlan,
    EnrolmentPlan,
    PersonPlan,
    Plan,
    PlannerBase,
    next_weekday,
    weekdays_from,
)
from training.demo.writer import Ids, Writer, date_key, select_in, time_key


class ClassPlanner(PlannerBase):
    """Plans the classes with their sessions, learners, attendance marks and results."""

    def trainer_pool(self, course: str) -> list[int]:
        return [ref for ref, (_q, courses) in self.plan.trainers.items() if course in courses]

    def add_sessions(self, c: ClassPlan, days: list[dt.date]) -> None:
        level = self.courses[c.course].level
        kind = {Level.masters: "masters", Level.trainer_of_trainers: "tot"}.get(
            level, "programme" if level != Level.refresher else c.course)
        topics = TOPICS[kind]
        pool = self.trainer_pool(c.course)
        local = [ref for ref in pool if self.plan.people[ref].province == c.host]
        slots = [(d, s) for d in days for s in (MORNING, AFTERNOON)]
        for i, (day, slot) in enumerate(slots):
            if i == len(slots) - 1 and kind in FINAL_TOPIC:
                topic = FINAL_TOPIC[kind]
            elif i == len(slots) - 1 and level == Level.refresher and self.courses[c.course].pass_mark is not None:
                topic = "Kiểm tra cuối khóa"
            else:
                topic = topics[i % len(topics)]
            preferred = local if (level in (Level.refresher, Level.intermediate, Level.college) and local) else pool
            free = [r for r in preferred if (r, day, slot[0]) not in self.booked] or \
                   [r for r in pool if (r, day, slot[0]) not in self.booked]
            trainer = self.rng.choice(free) if free else None
            if trainer is not None:
                self.booked.add((trainer, day, slot[0]))
            c.sessions.append((day, slot, topic, trainer))

    def add_class(self, code: str, course: str, host: str, institution: str, venue: str, start: dt.date,
                  capacity: int, mode: str, *, days: int | None = None, end: dt.date | None = None,
                  blocks: int = 0, status: str | None = None) -> ClassPlan:
        start = next_weekday(start)
        if days is not None:  # a short training on consecutive weekdays
            session_days = weekdays_from(start, days)
            end = session_days[-1]
        else:  # a long programme: study blocks of two weekdays spread over its dates
            assert end is not None and blocks
            span = (end - start).days - 7
            session_days = []
            for i in range(blocks):
                first = next_weekday(start + dt.timedelta(days=span * i // max(blocks - 1, 1)))
                session_days.extend(d for d in weekdays_from(first, 2) if d <= end)
        if status is None:
            status = ClassStatus.closed if end < REFERENCE_DATE else (
                ClassStatus.running if start <= REFERENCE_DATE else ClassStatus.planned)
        c = ClassPlan(code, course, host, institution, venue, start, end, capacity, mode, status)
        self.add_sessions(c, sorted(set(session_days)))
        self.plan.classes.append(c)
        return c

    def pool(self, c: ClassPlan, areas: tuple[str, ...], categories: tuple[str, ...] | None = None,
             exclude: set[int] | None = None) -> list[PersonPlan]:
        taken = {e.person for e in self.enrolled[c.code]} | (exclude or set())
        return [p for p in self.plan.people if p.area in areas and not p.trainer and p.ref not in taken
                and (categories is None or p.category in categories) and p.active_during(c.start, c.end)]

    def pick(self, candidates: list[PersonPlan], count: int, must: tuple[str, ...] = ()) -> list[PersonPlan]:
        chosen = [p for p in candidates if p.full_name in must]
        rest = [p for p in candidates if p.full_name not in must]
        return chosen + self.rng.sample(rest, max(0, min(count - len(chosen), len(rest))))

    def completed(self, class_code: str) -> list[int]:
        return [e.person for e in self.enrolled[class_code] if e.status == EnrolmentStatus.completed]

    def enrol(self, c: ClassPlan, people: list[PersonPlan], status: str | None = None) -> None:
        course = self.courses[c.course]
        pass_mark, excused_ok = course.pass_mark, course.excused_counts_as_present
        past = [i for i, s in enumerate(c.sessions) if s[0] < REFERENCE_DATE]
        for p in people:
            enrolled_at = dt.datetime.combine(
                c.start - dt.timedelta(days=self.rng.randint(7, 40)), dt.time(2, 30), tzinfo=dt.UTC)
            final = status or (EnrolmentStatus.confirmed if c.status != ClassStatus.closed else None)
            score = classification = None
            if final not in (EnrolmentStatus.withdrawn, EnrolmentStatus.registered, EnrolmentStatus.waitlisted):
                weak = self.rng.random() < 0.06
                attended = 0
                for i in past:
                    r = self.rng.random()
                    if weak:
                        mark = (AttendanceStatus.absent if r < 0.3 else AttendanceStatus.excused if r < 0.4
                                else AttendanceStatus.present)
                    else:  # short trainings: people rarely miss one of only a few sessions
                        miss = 0.06 if len(c.sessions) > 6 else 0.02
                        mark = (AttendanceStatus.late if r < 0.06 else AttendanceStatus.excused if r < 0.06 + miss * 0.6
                                else AttendanceStatus.absent if r < 0.06 + miss else AttendanceStatus.present)
                    note = {
                        AttendanceStatus.late: self.rng.choice(["Đến muộn 15 phút", "Đến muộn 30 phút",
                                                                "Vào lớp muộn do đi công tác xã"]),
                        AttendanceStatus.excused: self.rng.choice(["Nghỉ ốm, có giấy xin phép",
                                                                   "Bận công tác, có đơn xin phép",
                                                                   "Nghỉ việc gia đình, có báo trước"]),
                    }.get(mark, "")
                    self.plan.attendance[(c.code, i, p.ref)] = (mark, note)
                    if mark in policy.attended_marks(excused_ok):
                        attended += 1
                if final is None:  # a closed class: completed or not, from attendance and score
                    ok = not past or policy.attends_enough(attended / len(past), None)
                    if pass_mark is not None:
                        mean = 4.2 if weak else (7.9 if course.level == Level.refresher else 7.2)
                        score = round(min(9.8, max(3.0, self.rng.gauss(mean, 1.0))), 1)
                        ok = ok and policy.passes_score(score, pass_mark)
                        classification = policy.classify(score) if ok else None
                    final = EnrolmentStatus.completed if ok else EnrolmentStatus.failed
            e = EnrolmentPlan(c.code, p.ref, final, score, classification, enrolled_at)
            self.plan.enrolments.append(e)
            self.enrolled[c.code].append(e)

    def learners_for(self, c: ClassPlan, groups: list[dict[str, Any]]) -> list[PersonPlan]:
        """The people a demo.json class enrols: per group, a random pick among the active people of
        its areas (and staff categories), always including the ``must`` names; ``completed_in``
        keeps those who completed that class, ``exclude_enrolled_in`` leaves out its learners."""
        people: list[PersonPlan] = []
        for group in groups:
            categories = group.get("categories")
            if categories is not None:
                categories = tuple(StaffCategory[name] for name in categories)
            exclude = ({e.person for e in self.enrolled[group["exclude_enrolled_in"]]}
                       if "exclude_enrolled_in" in group else None)
            candidates = self.pool(c, tuple(group["areas"]), categories, exclude=exclude)
            if "completed_in" in group:
                done = set(self.completed(group["completed_in"]))
                candidates = [p for p in candidates if p.ref in done]
            people += self.pick(candidates, group["count"], must=tuple(group.get("must", ())))
        return people

    def classes(self) -> None:
        """Every class of demo.json with its sessions and learners. A class's ``split`` gives the
        enrolment status of consecutive slices of its learners (``null``: from the class's dates)."""
        for spec in DATA["classes"]:
            end = dt.date.fromisoformat(spec["end"]) if "end" in spec else None
            c = self.add_class(
                spec["code"], spec["course"], spec["host"], self.fill(spec["institution"]), self.fill(spec["venue"]),
                dt.date.fromisoformat(spec["start"]), spec["capacity"], DeliveryMode[spec["mode"]],
                days=spec.get("days"), end=end, blocks=spec.get("blocks", 0),
                status=ClassStatus[spec["status"]] if "status" in spec else None)
            if not spec["learners"]:
                continue
            people = self.learners_for(c, spec["learners"])
            begin = 0
            for stop, status in spec.get("split", [[None, None]]):
                self.enrol(c, people[begin:stop], EnrolmentStatus[status] if status else None)
                begin = len(people) + stop if stop is not None and stop < 0 else stop


# --- writing ----------------------------------------------------------------------------------

async def apply_courses(w: Writer, ids: Ids) -> None:
    """The courses, by code, and their prerequisites."""
    course_codes = [c.code for c in COURSES]
    existing = {r["code"] for r in await select_in(Course, Course.code, course_codes, Course.code)}
    await w.insert(Course, [
        {"code": code, "name_vi": vi, "name_en": en, "level": level, "hours": hours, "certificate_kind": kind,
         "min_attendance_share": policy.DEFAULT_MIN_ATTENDANCE_SHARE, "excused_counts_as_present": excused,
         "pass_mark": pass_mark,
         "validity_months": validity}
        for code, vi, en, level, hours, kind, pass_mark, validity, excused in COURSES if code not in existing])
    course = {r["code"]: r["id"] for r in await select_in(Course, Course.code, course_codes, Course.id, Course.code)}
    existing = {(r["course"], r["required_course"]) for r in await select_in(
        CoursePrerequisite, CoursePrerequisite.course, list(course.values()),
        CoursePrerequisite.course, CoursePrerequisite.required_course)}
    await w.insert(CoursePrerequisite, [
        {"course": course[a], "required_course": course[b]} for a, b in PREREQUISITES
        if (course[a], course[b]) not in existing])
    ids.course = course


async def apply_classes(w: Writer, plan: Plan, ids: Ids) -> None:
    """The classes, by code."""
    class_codes = [c.code for c in plan.classes]
    existing = {r["code"] for r in await select_in(TrainingClass, TrainingClass.code, class_codes,
                                                    TrainingClass.code)}
    await w.insert(TrainingClass, [
        {"course": ids.course[c.course], "code": c.code, "institution": ids.org[c.institution],
         "host_province": ids.province[c.host], "venue": c.venue, "start_date": c.start, "end_date": c.end,
         "capacity": c.capacity, "delivery_mode": c.mode, "status": c.status}
        for c in plan.classes if c.code not in existing])
    ids.klass = {r["code"]: r["id"] for r in await select_in(TrainingClass, TrainingClass.code, class_codes,
                                                               TrainingClass.id, TrainingClass.code)}


async def _session_ids(ids: Ids) -> dict[tuple[int, str, str], int]:
    """(class id, date, start time) -> session id, for the demo's classes."""
    rows = await select_in(ClassSession, ClassSession.training_class, list(ids.klass.values()), ClassSession.id,
                            ClassSession.training_class, ClassSession.session_date, ClassSession.start_time)
    out: dict[tuple[int, str, str], int] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        out.setdefault((r["training_class"], date_key(r["session_date"]), time_key(r["start_time"])), r["id"])
    return out


async def apply_sessions(w: Writer, plan: Plan, ids: Ids) -> None:
    """The sessions, by class, date and start time."""
    session = await _session_ids(ids)
    await w.insert(ClassSession, [
        {"training_class": ids.klass[c.code], "session_date": day, "start_time": start, "end_time": end,
         "topic": topic, "trainer": ids.trainer[t] if t is not None else None, "venue": c.venue}
        for c in plan.classes for i, (day, (start, end), topic, t) in enumerate(c.sessions)
        if ids.session_key(c, i) not in session])
    ids.session = await _session_ids(ids)


async def _enrolment_ids(ids: Ids) -> dict[tuple[int, int], int]:
    """(class id, person id) -> enrolment id, for the demo's classes."""
    rows = await select_in(Enrolment, Enrolment.training_class, list(ids.klass.values()), Enrolment.id,
                            Enrolment.training_class, Enrolment.person)
    out: dict[tuple[int, int], int] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        out.setdefault((r["training_class"], r["person"]), r["id"])
    return out


async def apply_enrolments(w: Writer, plan: Plan, ids: Ids) -> None:
    """The enrolments, by class and person."""
    enrolment = await _enrolment_ids(ids)
    await w.insert(Enrolment, [
        {"training_class": ids.klass[e.class_code], "person": ids.person[e.person], "status": e.status,
         "score": e.score, "classification": e.classification, "enrolled_at": e.enrolled_at}
        for e in plan.enrolments if (ids.klass[e.class_code], ids.person[e.person]) not in enrolment])
    ids.enrolment = await _enrolment_ids(ids)


async def apply_attendance(w: Writer, plan: Plan, ids: Ids) -> None:
    """The attendance marks, by session and enrolment."""
    by_code = {c.code: c for c in plan.classes}
    rows = await select_in(Attendance, Attendance.session, list(ids.session.values()), Attendance.session,
                            Attendance.enrolment)
    existing_marks = {(r["session"], r["enrolment"]) for r in rows}
    marks = []
    for (code, i, ref), (status, note) in plan.attendance.items():
        s = ids.session[ids.session_key(by_code[code], i)]
        e = ids.enrolment[(ids.klass[code], ids.person[ref])]
        if (s, e) not in existing_marks:
            marks.append({"session": s, "enrolment": e, "status": status, "note": note})
    await w.insert(Attendance, marks)
