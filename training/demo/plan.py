"""The demo's plan, in memory: its fixed data (``training/data/demo.json``), the rows it plans and the
planner's shared state. ``training.demo.people``, ``training.demo.classes`` and
``training.demo.targets`` each plan (and write) what they are named after; ``training.demo.seed``
runs them. Deterministic: ``random.Random(SEED)`` and dates relative to ``REFERENCE_DATE``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from training.core.enums import CertificateKind, Level
from training.demo.data import demo_data, expand

REFERENCE_DATE = dt.date(2026, 11, 22)
SEED = 2025

MORNING = (dt.time(8, 0), dt.time(11, 30))
AFTERNOON = (dt.time(13, 30), dt.time(17, 0))

# --- static reference data: training/data/demo.json ------------------------------------------------

DATA = demo_data()

# 2025 commune codes and names (national statistics office list), a few per demo province.
# area: the pre-2025 province the commune belonged to (for people with a legacy province).
COMMUNES: list[tuple[str, str, str, str]] = [tuple(row) for row in DATA["communes"]]  # code, name, province, area

AREAS: dict[str, list[str]] = DATA["demo_provinces"]  # 2025 province -> its areas (pre-2025 provinces)
DEMO_PROVINCES = tuple(AREAS)
PLACE: dict[str, str] = DATA["places"]

INSTITUTIONS: dict[str, str] = DATA["institutions"]
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
    for row in DATA["courses"]]
PREREQUISITES: list[tuple[str, str]] = [tuple(pair) for pair in DATA["prerequisites"]]

TOPICS: dict[str, list[str]] = DATA["topics"]
FINAL_TOPIC: dict[str, str] = DATA["final_topics"]

NAMES = DATA["names"]
FAMILY = expand(NAMES["family"])
FAMILY_AREA = {area: expand(pairs) for area, pairs in NAMES["family_by_area"].items()}
MIDDLE_F = expand(NAMES["middle_female"])
MIDDLE_F2: list[str] = NAMES["middle_female_after_thi"]
MIDDLE_M = expand(NAMES["middle_male"])
GIVEN_F: list[str] = NAMES["given_female"]
GIVEN_M: list[str] = NAMES["given_male"]

# Named people of the demo; generated people never get these names.
SPECIAL_NAMES: set[str] = set(NAMES["named_people"])


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


def unit_name(kind: str, name: str) -> str:
    """"tỉnh Khánh Hòa" / "thành phố Quảng Ninh": the kind is data (changes by resolution)."""
    return f"{kind} {name}"


def committee_name(commune_name: str) -> str:
    """The people's committee of a commune ("Ủy ban nhân dân xã …"), an organisation of the demo."""
    word, _sep, rest = commune_name.partition(" ")
    if word == "Đặc":  # "Đặc khu Vân Đồn"
        return f"Ủy ban nhân dân đặc khu {rest.partition(' ')[2]}"
    return f"Ủy ban nhân dân {word.lower()} {rest}"


def weekdays_from(start: dt.date, count: int) -> list[dt.date]:
    """``count`` weekdays from ``start`` on."""
    days, d = [], start
    while len(days) < count:
        if d.weekday() < 5:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def next_weekday(d: dt.date) -> dt.date:
    """``d``, or the Monday after it when it is a weekend day."""
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


class PlannerBase:
    """The state every part of the planner shares: the random generator, the plan so far, and what
    must stay unique (names with birth dates, citizen IDs, e-mail addresses, trainers' bookings)."""

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
        return unit_name(self.prov[code]["kind"], self.prov[code]["name"])

    def fill(self, template: str, **extra: str) -> str:
        """A name of demo.json with its {placeholders}: institutions, ``{centre_56}``, ``{UNIT_56}``, …"""
        names = {**INSTITUTIONS, **extra}
        for code in DEMO_PROVINCES:
            names[f"centre_{code}"] = f"Trung tâm Công tác xã hội {self.unit(code)}"
            names[f"UNIT_{code}"] = self.unit(code).upper()
        return template.format(**names)
