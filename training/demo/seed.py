"""Demo data modelled on the news articles in DESIGN.md: ``training seed-demo``.

Deterministic and idempotent:

- everything is first planned in memory from ``random.Random(2025)`` and dates relative to the
  fixed reference date 2026-11-22 (never today's date), so every run plans the same rows;
- rows are then looked up by natural keys (organisation name, person citizen ID or name and date
  of birth, course code, class code, session (class, date, start time), enrolment (class, person),
  attendance (session, enrolment), …) and only the missing ones are inserted, so a second run adds
  nothing.

Every row goes through ``training.records.validation.clean`` before a bulk insert, so the demo data obeys
the same rules as user input. The whole seeding runs in one transaction.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from piccolo.apps.user.tables import BaseUser
from piccolo.table import Table

from certificates.tables import IssuerProfile
from training.auth.accounts import create_account
from training.auth.tables import Account
from training.classes import policy
from training.classes.tables import (
    Attendance,
    ClassSession,
    Course,
    CoursePrerequisite,
    Enrolment,
    Trainer,
    TrainerCourse,
    TrainingClass,
)
from training.core.db import chunks
from training.core.enums import (
    AttendanceStatus,
    CertificateKind,
    ClassStatus,
    DeliveryMode,
    EnrolmentStatus,
    Level,
    OrganisationKind,
    Role,
    Sex,
    StaffCategory,
)
from training.core.filenames import ascii_text
from training.core.i18n import _
from training.coverage.tables import CoverageTarget
from training.demo.data import demo_data, expand
from training.people.tables import Organisation, Person
from training.records.audit import audit
from training.records.validation import cccd_for, clean
from training.reference.tables import Commune, LegacyProvince, Province

REFERENCE_DATE = dt.date(2026, 11, 22)
DEMO_PASSWORD = "Demo@2026"  # documented default of the demo accounts; ``--password`` overrides it
SEED = 2025

MORNING = (dt.time(8, 0), dt.time(11, 30))
AFTERNOON = (dt.time(13, 30), dt.time(17, 0))
_CHUNK = 200

# --- static reference data: training/data/demo.json ------------------------------------------------

_DATA = demo_data()

# 2025 commune codes and names (national statistics office list), a few per demo province.
# area: the pre-2025 province the commune belonged to (for people with a legacy province).
COMMUNES: list[tuple[str, str, str, str]] = [tuple(row) for row in _DATA["communes"]]  # code, name, province, area

AREAS: dict[str, list[str]] = _DATA["demo_provinces"]  # 2025 province -> its areas (pre-2025 provinces)
DEMO_PROVINCES = tuple(AREAS)
PLACE: dict[str, str] = _DATA["places"]

INSTITUTIONS: dict[str, str] = _DATA["institutions"]
UNI = INSTITUTIONS["uni"]
CD_BK = INSTITUTIONS["cd_bk"]
CD_NT = INSTITUTIONS["cd_nt"]
CD_QN = INSTITUTIONS["cd_qn"]
DH_QNG = INSTITUTIONS["dh_qng"]


class CourseSpec(NamedTuple):
    code: str
    name_vi: str
    name_en: str
    level: str
    hours: int
    certificate_kind: str
    pass_mark: float | None
    validity_months: int | None
    excused_counts_as_present: bool


COURSES: list[CourseSpec] = [
    CourseSpec(**{**row, "level": Level(row["level"]), "certificate_kind": CertificateKind(row["certificate_kind"])})
    for row in _DATA["courses"]]
PREREQUISITES: list[tuple[str, str]] = [tuple(pair) for pair in _DATA["prerequisites"]]

TOPICS: dict[str, list[str]] = _DATA["topics"]
FINAL_TOPIC: dict[str, str] = _DATA["final_topics"]

_NAMES = _DATA["names"]
FAMILY = expand(_NAMES["family"])
FAMILY_AREA = {area: expand(pairs) for area, pairs in _NAMES["family_by_area"].items()}
MIDDLE_F = expand(_NAMES["middle_female"])
MIDDLE_F2: list[str] = _NAMES["middle_female_after_thi"]
MIDDLE_M = expand(_NAMES["middle_male"])
GIVEN_F: list[str] = _NAMES["given_female"]
GIVEN_M: list[str] = _NAMES["given_male"]

# Named people of the demo; generated people never get these names.
SPECIAL_NAMES: set[str] = set(_NAMES["named_people"])


# --- the plan ---------------------------------------------------------------------------------

@dataclass
class PersonPlan:
    ref: int
    full_name: str
    sex: str
    date_of_birth: dt.date
    category: str
    province: str
    area: str
    legacy: str | None
    organisation: str
    commune: str | None
    citizen_id: str | None
    phone: str | None
    email: str | None
    active_from: dt.date
    active_to: dt.date | None = None
    trainer: bool = False

    def active_during(self, start: dt.date, end: dt.date) -> bool:
        return self.active_from <= start and (self.active_to is None or self.active_to >= end)


@dataclass
class ClassPlan:
    code: str
    course: str
    host: str
    institution: str
    venue: str
    start: dt.date
    end: dt.date
    capacity: int
    mode: str
    status: str
    sessions: list[tuple[dt.date, tuple[dt.time, dt.time], str, int | None]] = field(default_factory=list)


@dataclass
class EnrolmentPlan:
    class_code: str
    person: int
    status: str
    score: float | None
    classification: str | None
    enrolled_at: dt.datetime


@dataclass
class Plan:
    organisations: list[dict[str, Any]] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    trainers: dict[int, tuple[str, list[str]]] = field(default_factory=dict)  # person ref -> (qualifications, courses)
    classes: list[ClassPlan] = field(default_factory=list)
    enrolments: list[EnrolmentPlan] = field(default_factory=list)
    # (class code, session index, person ref) -> (status, note)
    attendance: dict[tuple[str, int, int], tuple[str, str]] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    issuers: list[dict[str, Any]] = field(default_factory=list)


def _unit(kind: str, name: str) -> str:
    """"tỉnh Khánh Hòa" / "thành phố Quảng Ninh": the kind is data (changes by resolution)."""
    return f"{kind} {name}"


def _committee(commune_name: str) -> str:
    word, _sep, rest = commune_name.partition(" ")
    if word == "Đặc":  # "Đặc khu Vân Đồn"
        return f"Ủy ban nhân dân đặc khu {rest.partition(' ')[2]}"
    return f"Ủy ban nhân dân {word.lower()} {rest}"


def _weekdays_from(start: dt.date, count: int) -> list[dt.date]:
    days, d = [], start
    while len(days) < count:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def _next_weekday(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


class _Planner:
    def __init__(self, provinces: dict[str, dict[str, str]]):
        self.rng = random.Random(SEED)
        self.prov = provinces  # code -> {"name", "kind"}
        self.plan = Plan()
        self.names: set[tuple[str, dt.date]] = set()
        self.cccds: set[str] = set()
        self.emails: set[str] = set()
        self.org_by_area: dict[tuple[str, str], list[str]] = defaultdict(list)  # (area, role) -> names
        self.org_commune: dict[str, str | None] = {}
        self.courses = {c.code: c for c in COURSES}
        self.booked: set[tuple[int, dt.date, dt.time]] = set()  # trainer ref, date, start
        self.enrolled: dict[str, list[EnrolmentPlan]] = defaultdict(list)

    def unit(self, code: str) -> str:
        return _unit(self.prov[code]["kind"], self.prov[code]["name"])

    # organisations ---------------------------------------------------------------------------
    def org(self, name: str, kind: str, province: str | None, commune: str | None = None,
            parent: str | None = None, roles: tuple[tuple[str, str], ...] = ()) -> str:
        self.plan.organisations.append(
            {"name": name, "kind": kind, "province": province, "commune": commune, "parent": parent})
        self.org_commune[name] = commune
        for area, role in roles:
            self.org_by_area[(area, role)].append(name)
        return name

    def fill(self, template: str, **extra: str) -> str:
        """A name of demo.json with its {placeholders}: institutions, ``{centre_56}``, ``{UNIT_56}``, …"""
        names = {**INSTITUTIONS, **extra}
        for code in DEMO_PROVINCES:
            names[f"centre_{code}"] = f"Trung tâm Công tác xã hội {self.unit(code)}"
            names[f"UNIT_{code}"] = self.unit(code).upper()
        return template.format(**names)

    def organisations(self) -> None:
        """The ministry, the university, each province's department, centre, association and the
        organisations listed for it in demo.json, then one committee per commune."""
        self.org("Bộ Y tế", OrganisationKind.ministry, None)
        self.org(UNI, OrganisationKind.training_institution, "01", roles=(("HN", "institution"),))
        for code in DEMO_PROVINCES:
            unit, areas = self.unit(code), AREAS[code]
            dept = self.org(f"Sở Y tế {unit}", OrganisationKind.provincial_department, code,
                            roles=tuple((a, "department") for a in areas))
            self.org(f"Trung tâm Công tác xã hội {unit}", OrganisationKind.social_work_centre, code, parent=dept,
                     roles=tuple((a, r) for a in areas for r in ("centre", "institution")))
            self.org(f"Hội Chữ thập đỏ {unit}", OrganisationKind.association, code,
                     roles=tuple((a, "association") for a in areas))
            for spec in _DATA["provincial_organisations"][code]:
                self.org(self.fill(spec["name"], unit=unit), OrganisationKind[spec["kind"]], code, spec["commune"],
                         dept if spec["under_department"] else None,
                         roles=tuple((area, role) for area, role in spec["roles"]))
        for ccode, cname, pcode, area in COMMUNES:
            self.org(_committee(cname), OrganisationKind.commune_committee, pcode, ccode,
                     roles=((area, "commune"),))

    # people ----------------------------------------------------------------------------------
    def name_for(self, sex: str, area: str) -> str:
        rng = self.rng
        family = rng.choice(FAMILY + FAMILY_AREA.get(area, []))
        if sex == Sex.female:
            middle = rng.choice(MIDDLE_F)
            if middle == "Thị" and rng.random() < 0.3:
                middle = f"Thị {rng.choice(MIDDLE_F2)}"
            given = rng.choice(GIVEN_F)
        else:
            middle, given = rng.choice(MIDDLE_M), rng.choice(GIVEN_M)
        return f"{family} {middle} {given}"

    def unique_cccd(self, dob: dt.date, sex: str, legacy_code: str) -> str:
        while True:
            value = cccd_for(dob, sex, legacy_code, self.rng.randrange(1, 1_000_000))
            if value not in self.cccds:
                self.cccds.add(value)
                return value

    def phone(self) -> str:
        return self.rng.choice(["09", "09", "09", "03", "08"]) + f"{self.rng.randrange(10**8):08d}"

    def email(self, name: str, dob: dt.date, province: str, category: str) -> str:
        parts = ascii_text(name).lower().split()
        local = f"{parts[-1]}.{''.join(p[0] for p in parts[:-1])}{dob.year % 100:02d}"
        if category in (StaffCategory.civil_servant, StaffCategory.civil_servant_cadre) and province != "01":
            domain = ascii_text(self.prov[province]["name"]).lower().replace(" ", "") + ".gov.vn"
        else:
            domain = "gmail.com"
        address, n = f"{local}@{domain}", 1
        while address in self.emails:
            n += 1
            address = f"{local}{n}@{domain}"
        self.emails.add(address)
        return address

    def organisation_for(self, area: str, category: str) -> str:
        roles = {
            StaffCategory.civil_servant_cadre: ["commune", "commune", "association"],
            StaffCategory.civil_servant: ["department", "commune", "commune"],
            StaffCategory.public_employee: ["centre", "centre", "facility", "facility", "hospital", "school"],
            StaffCategory.worker: ["centre", "facility", "facility", "hospital"],
            StaffCategory.collaborator: ["commune"] * 5 + ["association"],
        }[category]
        while True:
            options = self.org_by_area.get((area, self.rng.choice(roles)))
            if options:
                return self.rng.choice(options)

    def person(self, province: str, area: str, legacy: str | None, category: str, *, full_name: str | None = None,
               sex: str | None = None, dob: dt.date | None = None, organisation: str | None = None,
               active_from: dt.date | None = None, with_cccd: bool | None = None, email: bool | None = None,
               trainer: bool = False) -> PersonPlan:
        rng = self.rng
        if sex is None:
            sex = Sex.female if rng.random() < (0.7 if category == StaffCategory.collaborator else 0.62) else Sex.male
        early = legacy is not None  # pre-2025 records: in post since before 2016
        while True:
            if dob is None:
                year = rng.randint(1965, 1992 if early else 2000)
                birth = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
            else:
                birth = dob
            name = full_name or self.name_for(sex, area)
            if (name, birth) not in self.names and (full_name or name not in SPECIAL_NAMES):
                break
        self.names.add((name, birth))
        if active_from is None:
            low, high = (2005, 2015) if early else ((2010, 2024) if category == StaffCategory.collaborator
                                                    else (2005, 2023))
            year = max(birth.year + 21, rng.randint(low, high))
            active_from = dt.date(year, rng.randint(1, 12), 1)
        if with_cccd is None:
            with_cccd = not (category == StaffCategory.collaborator and rng.random() < 0.12)
        legacy_code = legacy or {"19": "19", "22": "22", "56": "56", "51": "51", "01": "01"}[province]
        citizen_id = self.unique_cccd(birth, sex, legacy_code) if with_cccd else None
        organisation = organisation or self.organisation_for(area, category)
        if email is None:
            email = rng.random() < (0.25 if category == StaffCategory.collaborator else 0.5)
        p = PersonPlan(
            ref=len(self.plan.people), full_name=name, sex=sex, date_of_birth=birth, category=category,
            province=province, area=area, legacy=legacy, organisation=organisation,
            commune=self.org_commune.get(organisation), citizen_id=citizen_id,
            phone=self.phone() if rng.random() < 0.92 else None,
            email=self.email(name, birth, province, category) if email else None,
            active_from=active_from, trainer=trainer)
        self.plan.people.append(p)
        return p

    def trainers(self) -> None:
        """The university's lecturers in Hà Nội and one social-work centre trainer per province."""
        for spec in _DATA["lecturers"]:
            p = self.person("01", "HN", None, StaffCategory.public_employee, full_name=spec["name"],
                            sex=Sex[spec["sex"]], dob=dt.date.fromisoformat(spec["date_of_birth"]),
                            organisation=UNI, active_from=dt.date(2005, 9, 1), with_cccd=True, email=True,
                            trainer=True)
            self.plan.trainers[p.ref] = (spec["qualifications"], spec["courses"])
        local = _DATA["local_trainers"]
        for spec in local["people"]:
            centre = f"Trung tâm Công tác xã hội {self.unit(spec['province'])}"
            p = self.person(spec["province"], spec["area"], None, StaffCategory.public_employee,
                            full_name=spec["name"], sex=Sex[spec["sex"]],
                            dob=dt.date.fromisoformat(spec["date_of_birth"]), organisation=centre,
                            active_from=dt.date(2010, 3, 1), with_cccd=True, email=True, trainer=True)
            self.plan.trainers[p.ref] = (local["qualifications"], local["courses"])

    def people(self) -> None:
        """Trainers, the people the articles talk about, the staff of each area, and a few who left."""
        self.trainers()
        for spec in _DATA["named_learners"]:
            self.person(spec["province"], spec["area"], spec["legacy"], StaffCategory[spec["category"]],
                        full_name=spec["name"], sex=Sex[spec["sex"]],
                        dob=dt.date.fromisoformat(spec["date_of_birth"]),
                        organisation=_committee(spec["commune"]),
                        active_from=dt.date.fromisoformat(spec["active_from"]), with_cccd=True, email=True)
        for group in _DATA["staff_groups"]:
            for category, count in group["counts"]:
                for _i in range(count):
                    self.person(group["province"], group["area"], group["legacy"], StaffCategory[category])
        # A few left their post (active_to in the past): after their old classes, before today.
        for p in self.rng.sample([p for p in self.plan.people if not p.trainer
                                  and p.full_name not in SPECIAL_NAMES], 12):
            start = max(p.active_from + dt.timedelta(days=400), dt.date(2021, 1, 1))
            if start < dt.date(2025, 12, 31):
                p.active_to = start + dt.timedelta(days=self.rng.randrange((dt.date(2025, 12, 31) - start).days))

    # classes and sessions --------------------------------------------------------------------
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
        start = _next_weekday(start)
        if days is not None:  # a short training on consecutive weekdays
            session_days = _weekdays_from(start, days)
            end = session_days[-1]
        else:  # a long programme: study blocks of two weekdays spread over its dates
            assert end is not None and blocks
            span = (end - start).days - 7
            session_days = []
            for i in range(blocks):
                first = _next_weekday(start + dt.timedelta(days=span * i // max(blocks - 1, 1)))
                session_days.extend(d for d in _weekdays_from(first, 2) if d <= end)
        if status is None:
            status = ClassStatus.closed if end < REFERENCE_DATE else (
                ClassStatus.running if start <= REFERENCE_DATE else ClassStatus.planned)
        c = ClassPlan(code, course, host, institution, venue, start, end, capacity, mode, status)
        self.add_sessions(c, sorted(set(session_days)))
        self.plan.classes.append(c)
        return c

    # enrolments and attendance ---------------------------------------------------------------
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
        for spec in _DATA["classes"]:
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

    # targets and issuers ---------------------------------------------------------------------
    def targets_and_issuers(self) -> None:
        """The coverage targets and the certificate issuers of demo.json (and one per province's centre)."""
        self.plan.targets = [
            {**t, "staff_category": StaffCategory[t["staff_category"]] if t["staff_category"] else None,
             "level": Level[t["level"]] if t["level"] else None}
            for t in _DATA["coverage_targets"]]
        self.plan.issuers = [{**i, "organisation": self.fill(i["organisation"]),
                              "governing_body": self.fill(i["governing_body"])} for i in _DATA["issuers"]]
        for code in DEMO_PROVINCES:
            self.plan.issuers.append({
                "organisation": f"Trung tâm Công tác xã hội {self.unit(code)}",
                "governing_body": f"SỞ Y TẾ {self.unit(code).upper()}", "issuer_name": "TRUNG TÂM CÔNG TÁC XÃ HỘI",
                "signer_title": "GIÁM ĐỐC", "signer_name": _DATA["centre_signers"][code], "place": PLACE[code],
                "number_prefix": f"CTXH-{code}"})

    def build(self) -> Plan:
        self.organisations()
        self.people()
        self.classes()
        self.targets_and_issuers()
        return self.plan


def build_plan(provinces: dict[str, dict[str, str]]) -> Plan:
    """The whole demo, in memory: the same every time for the same province reference data."""
    return _Planner(provinces).build()


# --- writing: insert what is missing ------------------------------------------------------------

class _Writer:
    def __init__(self) -> None:
        self.added: dict[str, int] = defaultdict(int)

    async def insert(self, table: type[Table], rows: list[dict[str, Any]]) -> None:
        """Validate every row like user input, then insert them in bulk."""
        if not rows:
            return
        pk = table._meta.primary_key._meta.name
        defaults = {c._meta.name: c.get_default_value() for c in table._meta.columns if c._meta.name != pk}
        cleaned = [await clean(table, {**defaults, **row}) for row in rows]
        for part in chunks(cleaned, _CHUNK):
            await table.insert(*[table(**row) for row in part]).run()
        self.added[table._meta.tablename] += len(rows)


async def _select_in(table: type[Table], column, values: list, *columns) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for chunk in chunks(sorted(set(values), key=str), 500):
        if chunk:
            out.extend(await table.select(*columns).where(column.is_in(chunk)).run())
    return out


def _time_key(value: Any) -> str:
    return value.strftime("%H:%M") if isinstance(value, dt.time) else str(value)[:5]


def _date_key(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)[:10]


@dataclass
class _Ids:
    """Database ids of the plan's rows by natural key, filled in step by step by ``_apply``."""

    province: dict[str, int]
    legacy: dict[str, int]
    commune: dict[str, int] = field(default_factory=dict)
    org: dict[str, int] = field(default_factory=dict)
    course: dict[str, int] = field(default_factory=dict)
    person: dict[int, int] = field(default_factory=dict)  # person ref -> id
    trainer: dict[int, int] = field(default_factory=dict)  # person ref -> trainer id
    klass: dict[str, int] = field(default_factory=dict)
    session: dict[tuple[int, str, str], int] = field(default_factory=dict)  # (class id, date, start)
    enrolment: dict[tuple[int, int], int] = field(default_factory=dict)  # (class id, person id)

    def session_key(self, c: ClassPlan, i: int) -> tuple[int, str, str]:
        day, (start, _end), _topic, _trainer = c.sessions[i]
        return self.klass[c.code], day.isoformat(), start.strftime("%H:%M")


async def _apply_communes(w: _Writer, ids: _Ids) -> None:
    """The demo's communes, by code."""
    codes = [c[0] for c in COMMUNES]
    existing = {r["code"] for r in await _select_in(Commune, Commune.code, codes, Commune.code)}
    await w.insert(Commune, [{"code": code, "name": name, "province": ids.province[pcode]}
                             for code, name, pcode, _area in COMMUNES if code not in existing])
    ids.commune = {r["code"]: r["id"]
                   for r in await _select_in(Commune, Commune.code, codes, Commune.id, Commune.code)}


async def _organisation_ids(names: list[str]) -> dict[str, int]:
    """Organisation name -> id (the oldest row of that name)."""
    rows = await _select_in(Organisation, Organisation.name, names, Organisation.id, Organisation.name)
    out: dict[str, int] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        out.setdefault(r["name"], r["id"])
    return out


async def _apply_organisations(w: _Writer, plan: Plan, ids: _Ids) -> None:
    """The organisations, by name: those without a parent first, then those under one."""
    names = [o["name"] for o in plan.organisations]
    org = await _organisation_ids(names)
    for with_parent in (False, True):
        await w.insert(Organisation, [
            {"name": o["name"], "kind": o["kind"], "province": ids.province[o["province"]] if o["province"] else None,
             "commune": ids.commune[o["commune"]] if o["commune"] else None,
             "parent": org[o["parent"]] if o["parent"] else None}
            for o in plan.organisations if (o["parent"] is not None) == with_parent and o["name"] not in org])
        org = await _organisation_ids(names)
    ids.org = org


async def _apply_courses(w: _Writer, ids: _Ids) -> None:
    """The courses, by code, and their prerequisites."""
    course_codes = [c.code for c in COURSES]
    existing = {r["code"] for r in await _select_in(Course, Course.code, course_codes, Course.code)}
    await w.insert(Course, [
        {"code": code, "name_vi": vi, "name_en": en, "level": level, "hours": hours, "certificate_kind": kind,
         "min_attendance_share": policy.DEFAULT_MIN_ATTENDANCE_SHARE, "excused_counts_as_present": excused,
         "pass_mark": pass_mark,
         "validity_months": validity}
        for code, vi, en, level, hours, kind, pass_mark, validity, excused in COURSES if code not in existing])
    course = {r["code"]: r["id"] for r in await _select_in(Course, Course.code, course_codes, Course.id, Course.code)}
    existing = {(r["course"], r["required_course"]) for r in await _select_in(
        CoursePrerequisite, CoursePrerequisite.course, list(course.values()),
        CoursePrerequisite.course, CoursePrerequisite.required_course)}
    await w.insert(CoursePrerequisite, [
        {"course": course[a], "required_course": course[b]} for a, b in PREREQUISITES
        if (course[a], course[b]) not in existing])
    ids.course = course


async def _person_ids(plan: Plan) -> dict[int, int]:
    """Person ref -> id of the planned people already stored: by citizen ID, or by full name and
    date of birth."""
    rows = await _select_in(Person, Person.citizen_id, [p.citizen_id for p in plan.people if p.citizen_id],
                            Person.id, Person.citizen_id, Person.full_name, Person.date_of_birth)
    rows += await _select_in(Person, Person.full_name, [p.full_name for p in plan.people],
                             Person.id, Person.citizen_id, Person.full_name, Person.date_of_birth)
    by_cccd = {r["citizen_id"]: r["id"] for r in rows if r["citizen_id"]}
    by_name: dict[tuple[str, str], int] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        by_name.setdefault((r["full_name"], _date_key(r["date_of_birth"])), r["id"])
    out = {}
    for p in plan.people:
        found = by_cccd.get(p.citizen_id) if p.citizen_id else None
        found = found or by_name.get((p.full_name, p.date_of_birth.isoformat()))
        if found is not None:
            out[p.ref] = found
    return out


async def _apply_people(w: _Writer, plan: Plan, ids: _Ids) -> None:
    """The people not stored yet."""
    person = await _person_ids(plan)
    await w.insert(Person, [
        {"full_name": p.full_name, "date_of_birth": p.date_of_birth, "sex": p.sex, "citizen_id": p.citizen_id,
         "phone": p.phone, "email": p.email, "staff_category": p.category, "organisation": ids.org[p.organisation],
         "province": ids.province[p.province], "commune": ids.commune[p.commune] if p.commune else None,
         "legacy_province": ids.legacy[p.legacy] if p.legacy else None, "active_from": p.active_from,
         "active_to": p.active_to}
        for p in plan.people if p.ref not in person])
    ids.person = await _person_ids(plan)


async def _trainer_ids(plan: Plan, ids: _Ids) -> dict[int, int]:
    """Person ref -> trainer id of the planned trainers already stored."""
    rows = await _select_in(Trainer, Trainer.person, [ids.person[r] for r in plan.trainers], Trainer.id,
                            Trainer.person)
    by_person = {r["person"]: r["id"] for r in rows}
    return {ref: by_person[ids.person[ref]] for ref in plan.trainers if ids.person[ref] in by_person}


async def _apply_trainers(w: _Writer, plan: Plan, ids: _Ids) -> None:
    """The trainers and the courses they teach."""
    trainer = await _trainer_ids(plan, ids)
    await w.insert(Trainer, [{"person": ids.person[ref], "qualifications": quals}
                             for ref, (quals, _c) in plan.trainers.items() if ref not in trainer])
    trainer = await _trainer_ids(plan, ids)
    existing = {(r["trainer"], r["course"]) for r in await _select_in(
        TrainerCourse, TrainerCourse.trainer, list(trainer.values()), TrainerCourse.trainer, TrainerCourse.course)}
    await w.insert(TrainerCourse, [
        {"trainer": trainer[ref], "course": ids.course[code]}
        for ref, (_q, codes) in plan.trainers.items() for code in codes
        if (trainer[ref], ids.course[code]) not in existing])
    ids.trainer = trainer


async def _apply_classes(w: _Writer, plan: Plan, ids: _Ids) -> None:
    """The classes, by code."""
    class_codes = [c.code for c in plan.classes]
    existing = {r["code"] for r in await _select_in(TrainingClass, TrainingClass.code, class_codes,
                                                    TrainingClass.code)}
    await w.insert(TrainingClass, [
        {"course": ids.course[c.course], "code": c.code, "institution": ids.org[c.institution],
         "host_province": ids.province[c.host], "venue": c.venue, "start_date": c.start, "end_date": c.end,
         "capacity": c.capacity, "delivery_mode": c.mode, "status": c.status}
        for c in plan.classes if c.code not in existing])
    ids.klass = {r["code"]: r["id"] for r in await _select_in(TrainingClass, TrainingClass.code, class_codes,
                                                               TrainingClass.id, TrainingClass.code)}


async def _session_ids(ids: _Ids) -> dict[tuple[int, str, str], int]:
    """(class id, date, start time) -> session id, for the demo's classes."""
    rows = await _select_in(ClassSession, ClassSession.training_class, list(ids.klass.values()), ClassSession.id,
                            ClassSession.training_class, ClassSession.session_date, ClassSession.start_time)
    out: dict[tuple[int, str, str], int] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        out.setdefault((r["training_class"], _date_key(r["session_date"]), _time_key(r["start_time"])), r["id"])
    return out


async def _apply_sessions(w: _Writer, plan: Plan, ids: _Ids) -> None:
    """The sessions, by class, date and start time."""
    session = await _session_ids(ids)
    await w.insert(ClassSession, [
        {"training_class": ids.klass[c.code], "session_date": day, "start_time": start, "end_time": end,
         "topic": topic, "trainer": ids.trainer[t] if t is not None else None, "venue": c.venue}
        for c in plan.classes for i, (day, (start, end), topic, t) in enumerate(c.sessions)
        if ids.session_key(c, i) not in session])
    ids.session = await _session_ids(ids)


async def _enrolment_ids(ids: _Ids) -> dict[tuple[int, int], int]:
    """(class id, person id) -> enrolment id, for the demo's classes."""
    rows = await _select_in(Enrolment, Enrolment.training_class, list(ids.klass.values()), Enrolment.id,
                            Enrolment.training_class, Enrolment.person)
    out: dict[tuple[int, int], int] = {}
    for r in sorted(rows, key=lambda r: r["id"]):
        out.setdefault((r["training_class"], r["person"]), r["id"])
    return out


async def _apply_enrolments(w: _Writer, plan: Plan, ids: _Ids) -> None:
    """The enrolments, by class and person."""
    enrolment = await _enrolment_ids(ids)
    await w.insert(Enrolment, [
        {"training_class": ids.klass[e.class_code], "person": ids.person[e.person], "status": e.status,
         "score": e.score, "classification": e.classification, "enrolled_at": e.enrolled_at}
        for e in plan.enrolments if (ids.klass[e.class_code], ids.person[e.person]) not in enrolment])
    ids.enrolment = await _enrolment_ids(ids)


async def _apply_attendance(w: _Writer, plan: Plan, ids: _Ids) -> None:
    """The attendance marks, by session and enrolment."""
    by_code = {c.code: c for c in plan.classes}
    rows = await _select_in(Attendance, Attendance.session, list(ids.session.values()), Attendance.session,
                            Attendance.enrolment)
    existing_marks = {(r["session"], r["enrolment"]) for r in rows}
    marks = []
    for (code, i, ref), (status, note) in plan.attendance.items():
        s = ids.session[ids.session_key(by_code[code], i)]
        e = ids.enrolment[(ids.klass[code], ids.person[ref])]
        if (s, e) not in existing_marks:
            marks.append({"session": s, "enrolment": e, "status": status, "note": note})
    await w.insert(Attendance, marks)


async def _apply_targets_and_issuers(w: _Writer, plan: Plan, ids: _Ids) -> None:
    """The coverage targets (by province, category, level and year) and the issuer profiles (by
    organisation)."""
    rows = await CoverageTarget.select().run()
    existing = {(r["province"], r["staff_category"], r["level"], r["year"]) for r in rows}
    await w.insert(CoverageTarget, [
        {**t, "province": ids.province[t["province"]] if t["province"] else None} for t in plan.targets
        if (ids.province[t["province"]] if t["province"] else None, t["staff_category"], t["level"], t["year"])
        not in existing])
    rows = await _select_in(IssuerProfile, IssuerProfile.organisation,
                            [ids.org[i["organisation"]] for i in plan.issuers], IssuerProfile.organisation)
    existing = {r["organisation"] for r in rows}
    await w.insert(IssuerProfile, [{**i, "organisation": ids.org[i["organisation"]]} for i in plan.issuers
                                   if ids.org[i["organisation"]] not in existing])


async def _apply_accounts(plan: Plan, ids: _Ids, password: str) -> int:
    """The demo accounts of demo.json: created, or updated to their role and this password
    (``create_account`` audits those). Returns how many were set."""
    accounts_set = 0
    for spec in _DATA["accounts"]:
        person_id = None
        if spec["learner"]:
            person_id = ids.person[next(p.ref for p in plan.people if p.full_name == spec["learner"])]
        role, province_code = Role[spec["role"]], spec["province"]
        if await _account_is_current(spec["username"], role,
                                     ids.province[province_code] if province_code else None, person_id, password):
            continue
        await create_account(username=spec["username"], role=role, password=password, province_code=province_code,
                             person_id=person_id, reset_password=True)
        accounts_set += 1
    return accounts_set


async def _apply(plan: Plan, password: str) -> tuple[dict[str, int], int]:
    """Insert what the database lacks of the plan, step by step (each step reads the ids the
    earlier ones stored); return the rows added per table and the accounts set."""
    w = _Writer()
    ids = _Ids(
        province={r["code"]: r["id"] for r in await Province.select(Province.id, Province.code).run()},
        legacy={r["code"]: r["id"]
                for r in await LegacyProvince.select(LegacyProvince.id, LegacyProvince.code).run()})
    await _apply_communes(w, ids)
    await _apply_organisations(w, plan, ids)
    await _apply_courses(w, ids)
    await _apply_people(w, plan, ids)
    await _apply_trainers(w, plan, ids)
    await _apply_classes(w, plan, ids)
    await _apply_sessions(w, plan, ids)
    await _apply_enrolments(w, plan, ids)
    await _apply_attendance(w, plan, ids)
    await _apply_targets_and_issuers(w, plan, ids)
    accounts_set = await _apply_accounts(plan, ids, password)
    await _audit_summary(w.added)
    return dict(w.added), accounts_set


async def _account_is_current(username: str, role: str, province_id: int | None, person_id: int | None,
                              password: str) -> bool:
    """True when the account exists with this role and password: then re-seeding changes nothing."""
    user = await BaseUser.select().where(BaseUser.username == username).first().run()
    if user is None:
        return False
    account = await Account.select().where(Account.user == user["id"]).first().run()
    if account is None or (account["role"], account["province"], account["person"]) != (role, province_id,
                                                                                          person_id):
        return False
    if (user["active"], user["admin"], user["superuser"]) != (
            True, role in (Role.coordinator, Role.department), role == Role.coordinator):
        return False
    try:
        _algorithm, iterations, salt, _hashed = BaseUser.split_stored_password(user["password"])
        return BaseUser.hash_password(password, salt, int(iterations)) == user["password"]
    except ValueError:
        return False


async def _audit_summary(added: dict[str, int]) -> None:
    """One audit entry per table the demo added rows to (not one per row)."""
    for name, count in sorted(added.items()):
        if count:
            await audit(None, "seed-demo", name, None, None, {"rows": count, "source": "training seed-demo"})


async def seed_demo(password: str | None = None) -> list[str]:
    """Load the demo data (safe to run again) and return printable summary lines."""
    from training.core.config import get_settings

    password = password or DEMO_PASSWORD
    provinces = {r["code"]: {"name": r["name"], "kind": r["kind"]}
                 for r in await Province.select(Province.code, Province.name, Province.kind).run()}
    plan = build_plan(provinces)
    async with Province._meta.db.transaction():
        added, accounts_set = await _apply(plan, password)
    from training.coverage.facts import rebuild

    await rebuild()  # the demo's completions were inserted in bulk: recompute the coverage tables

    learners = {e.person for e in plan.enrolments}
    completed = [e for e in plan.enrolments if e.status == EnrolmentStatus.completed]
    base = get_settings().base_url
    lines = [
        _("Demo data: {people} people, {classes} classes",
          people=len(plan.people), classes=len(plan.classes)),
        _("{organisations} organisations in {provinces} provinces, {courses} courses, {sessions} sessions, "
          "{trainers} trainers",
          organisations=len(plan.organisations), provinces=len(DEMO_PROVINCES), courses=len(COURSES),
          sessions=sum(len(c.sessions) for c in plan.classes), trainers=len(plan.trainers)),
        _("{enrolments} enrolments of {learners} learners; {completed} completions (person-times) "
          "of {trained} people; {marks} attendance marks",
          enrolments=len(plan.enrolments), learners=len(learners), completed=len(completed),
          trained=len({e.person for e in completed}), marks=len(plan.attendance)),
        _("Reference date of the demo: {date} (earlier classes are closed, later ones planned)",
          date=REFERENCE_DATE.strftime("%d/%m/%Y")),
        _("Rows added by this run: {count}", count=sum(added.values()))
        if added else _("The demo data was already complete: nothing added."),
        *([_("Demo accounts created or given the new password: {count}", count=accounts_set)]
          if accounts_set else []),
        _("Admin sign-in: {url} — user {username} / password {password}",
          url=f"{base}/admin/", username="dieuphoi", password=password),
        _("Department sign-in ({province}): {url} — user {username} / password {password}",
          province=provinces["56"]["name"], url=f"{base}/admin/", username="soyte.khanhhoa", password=password),
        _("Department sign-in ({province}): {url} — user {username} / password {password}",
          province=provinces["19"]["name"], url=f"{base}/admin/", username="soyte.thainguyen", password=password),
        _("Learner account ({name}): user {username} / password {password}",
          name="Nguyễn Thị Ngọc Ánh", username="hocvien.anh", password=password),
    ]
    return lines
