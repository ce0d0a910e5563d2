"""Demo data modelled on the news articles in DESIGN.md: ``training seed-demo``.

Deterministic and idempotent:

- everything is first planned in memory from ``random.Random(2025)`` and dates relative to the
  fixed reference date 2026-11-22 (never today's date), so every run plans the same rows;
- rows are then looked up by natural keys (organisation name, person citizen ID or name and date
  of birth, course code, class code, session (class, date, start time), enrolment (class, person),
  attendance (session, enrolment), …) and only the missing ones are inserted, so a second run adds
  nothing.

Every row goes through ``training.validation.clean`` before a bulk insert, so the demo data obeys
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

from training import policy
from training.audit import audit
from training.db import chunks
from training.enums import (
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
from training.filenames import ascii_text
from training.i18n import _
from training.validation import cccd_for, clean

REFERENCE_DATE = dt.date(2026, 11, 22)
DEMO_PASSWORD = "Demo@2026"  # documented default of the demo accounts; ``--password`` overrides it
SEED = 2025

MORNING = (dt.time(8, 0), dt.time(11, 30))
AFTERNOON = (dt.time(13, 30), dt.time(17, 0))
_CHUNK = 200

# --- static reference data --------------------------------------------------------------------

# 2025 commune codes and names (national statistics office list), a few per demo province.
# area: the pre-2025 province the commune belonged to (for people with a legacy province).
COMMUNES: list[tuple[str, str, str, str]] = [  # code, name, 2025 province, area
    ("05443", "Phường Phan Đình Phùng", "19", "TN"),
    ("05467", "Phường Gia Sàng", "19", "TN"),
    ("01840", "Phường Đức Xuân", "19", "BK"),
    ("01843", "Phường Bắc Kạn", "19", "BK"),
    ("01906", "Xã Ba Bể", "19", "BK"),
    ("06688", "Phường Hạ Long", "22", "QN"),
    ("06673", "Phường Bãi Cháy", "22", "QN"),
    ("06793", "Phường Cẩm Phả", "22", "QN"),
    ("06862", "Xã Tiên Yên", "22", "QN"),
    ("06994", "Đặc khu Vân Đồn", "22", "QN"),
    ("22366", "Phường Nha Trang", "56", "KH"),
    ("22333", "Phường Bắc Nha Trang", "56", "KH"),
    ("22651", "Xã Diên Khánh", "56", "KH"),
    ("22759", "Phường Phan Rang", "56", "NT"),
    ("22738", "Phường Đô Vinh", "56", "NT"),
    ("22870", "Xã Ninh Phước", "56", "NT"),
    ("22810", "Xã Ninh Sơn", "56", "NT"),
    ("21025", "Phường Cẩm Thành", "51", "QNG"),
    ("21028", "Phường Nghĩa Lộ", "51", "QNG"),
    ("21040", "Xã Bình Sơn", "51", "QNG"),
    ("21548", "Đặc khu Lý Sơn", "51", "QNG"),
    ("23293", "Phường Kon Tum", "51", "KT"),
]

DEMO_PROVINCES = ("19", "22", "56", "51")
PLACE = {"01": "Hà Nội", "19": "Thái Nguyên", "22": "Quảng Ninh", "56": "Khánh Hòa", "51": "Quảng Ngãi"}

UNI = "Trường Đại học Lao động - Xã hội"
CD_BK = "Trường Cao đẳng Cộng đồng Bắc Kạn"
CD_NT = "Trường Cao đẳng nghề Ninh Thuận"
CD_QN = "Trường Cao đẳng Y tế Quảng Ninh"
DH_QNG = "Trường Đại học Phạm Văn Đồng"

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


COURSES: list[CourseSpec] = [CourseSpec(*row) for row in [
    ("CTXH-TC", "Trung cấp Công tác xã hội", "Intermediate diploma in social work",
     Level.intermediate, 1440, CertificateKind.certificate, 5.0, None, False),
    ("CTXH-CD", "Cao đẳng Công tác xã hội", "College diploma in social work",
     Level.college, 2400, CertificateKind.certificate, 5.0, None, False),
    ("CTXH-DH-VLVH", "Đại học Công tác xã hội hệ vừa làm vừa học", "Bachelor of social work (in-service)",
     Level.university, 3600, CertificateKind.certificate, 5.0, None, False),
    ("CTXH-THS", "Thạc sĩ Công tác xã hội", "Master of social work",
     Level.masters, 900, CertificateKind.certificate, 5.0, None, False),
    ("CTXH-GVN", "Tập huấn giảng viên nguồn về công tác xã hội", "Training of trainers in social work",
     Level.trainer_of_trainers, 80, CertificateKind.certificate, 5.0, None, False),
    ("CTXH-BD-01", "Bồi dưỡng nghiệp vụ công tác xã hội cơ bản", "Basic social work refresher training",
     Level.refresher, 40, CertificateKind.attestation, 5.0, 24, False),
    ("CTXH-BD-02", "Bồi dưỡng nghiệp vụ công tác xã hội cho cộng tác viên",
     "Social work refresher training for collaborators",
     Level.refresher, 24, CertificateKind.attestation, None, 24, True),
    ("CTXH-BD-03", "Tập huấn kỹ năng công tác xã hội với trẻ em có hoàn cảnh đặc biệt",
     "Short training: social work with children in special circumstances",
     Level.refresher, 16, CertificateKind.attestation, None, None, False),
]]
PREREQUISITES = [("CTXH-GVN", "CTXH-BD-01")]

TOPICS: dict[str, list[str]] = {
    "programme": [
        "Nhập môn công tác xã hội", "Hành vi con người và môi trường xã hội", "Công tác xã hội cá nhân",
        "Công tác xã hội nhóm", "Phát triển cộng đồng", "Chính sách an sinh xã hội", "Quản lý trường hợp",
        "Tham vấn và trị liệu", "Công tác xã hội với trẻ em", "Công tác xã hội với người cao tuổi",
        "Công tác xã hội với người khuyết tật", "Đạo đức nghề công tác xã hội", "Kiểm huấn công tác xã hội",
        "Công tác xã hội trong bệnh viện", "Sức khỏe tâm thần cộng đồng", "Phương pháp nghiên cứu xã hội",
        "Thực hành công tác xã hội tại cơ sở",
    ],
    "masters": [
        "Lý thuyết công tác xã hội nâng cao", "Chính sách xã hội so sánh", "Quản trị công tác xã hội",
        "Phương pháp nghiên cứu định lượng", "Phương pháp nghiên cứu định tính", "Kiểm huấn nâng cao",
        "Công tác xã hội với gia đình", "Seminar đề cương luận văn",
    ],
    "tot": [
        "Nguyên tắc giảng dạy cho người lớn", "Thiết kế chương trình và bài giảng tập huấn",
        "Kỹ năng điều phối nhóm và thảo luận", "Phương pháp giảng dạy tích cực", "Thực hành giảng dạy",
        "Đánh giá kết quả tập huấn", "Tài liệu tập huấn công tác xã hội cơ bản",
    ],
    "CTXH-BD-01": [
        "Tổng quan về công tác xã hội", "Kỹ năng giao tiếp và lắng nghe tích cực", "Quy trình quản lý trường hợp",
        "Vãng gia và đánh giá nhu cầu", "Chính sách trợ giúp xã hội hiện hành", "Kết nối nguồn lực và chuyển gửi",
        "Phòng ngừa xâm hại trẻ em và bạo lực gia đình", "Ghi chép hồ sơ và báo cáo", "Thực hành tình huống",
    ],
    "CTXH-BD-02": [
        "Vai trò của cộng tác viên công tác xã hội", "Phát hiện và báo cáo trường hợp cần trợ giúp",
        "Kỹ năng tiếp cận người yếu thế", "Tuyên truyền chính sách tại cộng đồng", "Thực hành tình huống",
    ],
    "CTXH-BD-03": [
        "Khung pháp lý về bảo vệ trẻ em", "Nhận diện trẻ em có nguy cơ",
        "Kỹ năng làm việc với trẻ em và gia đình",
    ],
}
FINAL_TOPIC = {"programme": "Thi kết thúc học phần", "masters": "Thi kết thúc học phần",
               "tot": "Thực hành giảng thử và đánh giá cuối khóa"}

FAMILY = (["Nguyễn"] * 30 + ["Trần"] * 11 + ["Lê"] * 9 + ["Phạm"] * 7 + ["Hoàng"] * 5 + ["Phan"] * 3
          + ["Vũ"] * 4 + ["Đặng"] * 3 + ["Bùi"] * 3 + ["Đỗ"] * 3 + ["Hồ"] * 2 + ["Ngô"] * 2 + ["Dương"] * 2
          + ["Lý", "Lưu", "Trịnh", "Đinh", "Mai", "Cao"])
FAMILY_AREA = {
    "BK": ["Nông"] * 4 + ["Triệu"] * 3 + ["Hà"] * 3 + ["Ma"] * 2 + ["Lục", "Đàm", "Hoàng", "Hoàng"],
    "NT": ["Đàng"] * 2 + ["Quảng"] * 2 + ["Huỳnh"] * 2 + ["Võ"] * 3 + ["Châu"],
    "KH": ["Huỳnh"] * 3 + ["Võ"] * 3,
    "QNG": ["Huỳnh"] * 3 + ["Võ"] * 3 + ["Trương"],
}
MIDDLE_F = ["Thị"] * 6 + ["Ngọc", "Thu", "Thanh", "Minh", "Kim", "Hồng", "Phương", "Bích"]
MIDDLE_F2 = ["Thu", "Ngọc", "Thanh", "Minh", "Kim", "Hồng", "Mỹ", "Diệu"]
MIDDLE_M = ["Văn"] * 5 + ["Quang", "Minh", "Đức", "Hữu", "Công", "Thanh", "Xuân", "Ngọc", "Trọng", "Mạnh", "Tiến"]
GIVEN_F = ["Anh", "Hương", "Lan", "Hoa", "Mai", "Hằng", "Trang", "Thảo", "Linh", "Nhung", "Huyền", "Yến", "Hà",
           "Phương", "Oanh", "Thủy", "Vân", "Loan", "Dung", "Giang", "Hạnh", "Nga", "Tuyết", "Hường", "Liên",
           "Thơ", "Nhàn", "Quyên", "Trinh", "Duyên"]
GIVEN_M = ["Hùng", "Dũng", "Tuấn", "Hải", "Nam", "Long", "Sơn", "Thắng", "Bình", "Cường", "Đức", "Hiếu", "Khánh",
           "Trung", "Quân", "Thành", "Phong", "Tâm", "Vinh", "Tùng", "Hoàng", "Lâm", "Huy", "Kiên", "Vũ", "Toàn"]

# Named people of the demo; generated people never get these names.
SPECIAL_NAMES = {"Nguyễn Thị Ngọc Ánh", "Đặng Thị Thu Hường", "Lưu Quang Vũ", "Nguyễn Thị Thu Hà", "Trần Văn Kiên",
                 "Phạm Thị Minh Nguyệt", "Hoàng Thị Thanh Huyền", "Vũ Đức Thắng", "Huỳnh Thị Mỹ Linh", "Võ Văn Tùng"}


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

    def organisations(self) -> None:
        self.org("Bộ Y tế", OrganisationKind.ministry, None)
        self.org(UNI, OrganisationKind.training_institution, "01", roles=(("HN", "institution"),))
        areas = {"19": ("TN", "BK"), "22": ("QN",), "56": ("KH", "NT"), "51": ("QNG", "KT")}
        for code in DEMO_PROVINCES:
            unit = self.unit(code)
            dept = self.org(f"Sở Y tế {unit}", OrganisationKind.provincial_department, code,
                            roles=tuple((a, "department") for a in areas[code]))
            self.org(f"Trung tâm Công tác xã hội {unit}", OrganisationKind.social_work_centre, code, parent=dept,
                     roles=tuple((a, r) for a in areas[code] for r in ("centre", "institution")))
            self.org(f"Hội Chữ thập đỏ {unit}", OrganisationKind.association, code,
                     roles=tuple((a, "association") for a in areas[code]))
            if code == "19":
                self.org("Cơ sở Bảo trợ xã hội tổng hợp Bắc Kạn", OrganisationKind.social_assistance_facility, code,
                         "01843", dept, roles=(("BK", "facility"),))
                self.org("Trung tâm Điều dưỡng người có công Bắc Kạn", OrganisationKind.social_assistance_facility,
                         code, "01840", dept, roles=(("BK", "facility"),))
                self.org(f"Trung tâm Bảo trợ xã hội {unit}", OrganisationKind.social_assistance_facility,
                         code, None, dept, roles=(("TN", "facility"),))
                self.org("Bệnh viện Đa khoa Bắc Kạn", OrganisationKind.hospital, code, "01843", dept,
                         roles=(("BK", "hospital"),))
                self.org(CD_BK, OrganisationKind.training_institution, code, "01840",
                         roles=(("BK", "institution"), ("BK", "school")))
                self.org(f"Hội Bảo trợ người khuyết tật và trẻ mồ côi {unit}", OrganisationKind.association,
                         code, roles=(("TN", "association"), ("BK", "association")))
                self.org("Trường Trung học cơ sở Nguyễn Du", OrganisationKind.school, code, "05443",
                         roles=(("TN", "school"),))
            elif code == "22":
                self.org(f"Trung tâm Bảo trợ xã hội {unit}", OrganisationKind.social_assistance_facility,
                         code, None, dept, roles=(("QN", "facility"),))
                self.org(f"Bệnh viện Đa khoa {unit}", OrganisationKind.hospital, code, None, dept,
                         roles=(("QN", "hospital"),))
                self.org(CD_QN, OrganisationKind.training_institution, code, "06688", dept,
                         roles=(("QN", "institution"),))
                self.org("Trường Trung học phổ thông Chuyên Hạ Long", OrganisationKind.school, code, "06688",
                         roles=(("QN", "school"),))
            elif code == "56":
                self.org("Trung tâm Bảo trợ xã hội tổng hợp Phan Rang", OrganisationKind.social_assistance_facility,
                         code, "22759", dept, roles=(("NT", "facility"),))
                self.org("Cơ sở Bảo trợ xã hội Diên Khánh", OrganisationKind.social_assistance_facility,
                         code, "22651", dept, roles=(("KH", "facility"),))
                self.org(f"Bệnh viện Đa khoa {unit}", OrganisationKind.hospital, code, "22366", dept,
                         roles=(("KH", "hospital"), ("NT", "hospital")))
                self.org(CD_NT, OrganisationKind.training_institution, code, "22738",
                         roles=(("NT", "institution"), ("NT", "school")))
                self.org("Trường Tiểu học Phước Hải", OrganisationKind.school, code, "22366",
                         roles=(("KH", "school"),))
            elif code == "51":
                self.org(f"Trung tâm Bảo trợ xã hội {unit}", OrganisationKind.social_assistance_facility,
                         code, "21028", dept, roles=(("QNG", "facility"), ("KT", "facility")))
                self.org(f"Bệnh viện Đa khoa {unit}", OrganisationKind.hospital, code, "21025", dept,
                         roles=(("QNG", "hospital"), ("KT", "hospital")))
                self.org(DH_QNG, OrganisationKind.training_institution, code, "21025",
                         roles=(("QNG", "institution"), ("QNG", "school")))
                self.org("Trường Trung học phổ thông Lê Trung Đình", OrganisationKind.school, code, "21025",
                         roles=(("QNG", "school"),))
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

    def people(self) -> None:
        C = StaffCategory
        # Trainers: lecturers of the university in Hà Nội and one social-work centre trainer per province.
        lecturers = [
            ("Lưu Quang Vũ", Sex.male, dt.date(1979, 5, 14),
             "Thạc sĩ Công tác xã hội (Trường Đại học Lao động - Xã hội, 2009)\n"
             "Giảng viên nguồn về công tác xã hội (Bộ Lao động - Thương binh và Xã hội, 2014)",
             ["CTXH-DH-VLVH", "CTXH-THS", "CTXH-GVN", "CTXH-BD-01"]),
            ("Nguyễn Thị Thu Hà", Sex.female, dt.date(1972, 11, 3),
             "Tiến sĩ Công tác xã hội (2012)\nTrưởng khoa Công tác xã hội",
             ["CTXH-DH-VLVH", "CTXH-THS", "CTXH-GVN", "CTXH-CD"]),
            ("Trần Văn Kiên", Sex.male, dt.date(1975, 2, 20),
             "Tiến sĩ Xã hội học (2010)\nGiảng viên chính",
             ["CTXH-DH-VLVH", "CTXH-THS", "CTXH-CD", "CTXH-TC"]),
            ("Phạm Thị Minh Nguyệt", Sex.female, dt.date(1983, 7, 9),
             "Thạc sĩ Công tác xã hội (2011)\nGiảng viên nguồn về công tác xã hội (2016)",
             ["CTXH-GVN", "CTXH-BD-01", "CTXH-BD-02", "CTXH-DH-VLVH"]),
        ]
        for name, sex, dob, quals, courses in lecturers:
            p = self.person("01", "HN", None, C.public_employee, full_name=name, sex=sex, dob=dob,
                            organisation=UNI, active_from=dt.date(2005, 9, 1), with_cccd=True, email=True,
                            trainer=True)
            self.plan.trainers[p.ref] = (quals, courses)
        local_trainers = [
            ("19", "TN", "Hoàng Thị Thanh Huyền", Sex.female, dt.date(1984, 3, 27)),
            ("22", "QN", "Vũ Đức Thắng", Sex.male, dt.date(1980, 10, 5)),
            ("56", "KH", "Huỳnh Thị Mỹ Linh", Sex.female, dt.date(1986, 1, 18)),
            ("51", "QNG", "Võ Văn Tùng", Sex.male, dt.date(1982, 6, 30)),
        ]
        for code, area, name, sex, dob in local_trainers:
            centre = f"Trung tâm Công tác xã hội {self.unit(code)}"
            p = self.person(code, area, None, C.public_employee, full_name=name, sex=sex, dob=dob,
                            organisation=centre, active_from=dt.date(2010, 3, 1), with_cccd=True, email=True,
                            trainer=True)
            self.plan.trainers[p.ref] = (
                "Cử nhân Công tác xã hội\nGiảng viên nguồn về công tác xã hội (2022)",
                ["CTXH-BD-01", "CTXH-BD-02", "CTXH-BD-03", "CTXH-TC", "CTXH-CD"])

        # The people the articles talk about, one of them with a learner account.
        self.person("56", "NT", "58", C.collaborator, full_name="Nguyễn Thị Ngọc Ánh", sex=Sex.female,
                    dob=dt.date(1988, 4, 12), organisation=_committee("Phường Phan Rang"),
                    active_from=dt.date(2012, 3, 1), with_cccd=True, email=True)
        self.person("19", "BK", "06", C.civil_servant, full_name="Đặng Thị Thu Hường", sex=Sex.female,
                    dob=dt.date(1983, 9, 21), organisation=_committee("Phường Đức Xuân"),
                    active_from=dt.date(2008, 7, 1), with_cccd=True, email=True)

        groups = [  # province, area, legacy code, counts per category
            ("19", "BK", "06", {C.civil_servant_cadre: 8, C.civil_servant: 13, C.public_employee: 22,
                                C.worker: 12, C.collaborator: 6}),
            ("19", "TN", None, {C.civil_servant_cadre: 2, C.civil_servant: 3, C.public_employee: 3,
                                C.worker: 2, C.collaborator: 17}),
            ("22", "QN", None, {C.civil_servant_cadre: 5, C.civil_servant: 8, C.public_employee: 11,
                                C.worker: 8, C.collaborator: 42}),
            ("56", "NT", "58", {C.civil_servant_cadre: 4, C.civil_servant: 8, C.public_employee: 12,
                                C.worker: 6, C.collaborator: 14}),
            ("56", "KH", None, {C.civil_servant_cadre: 3, C.civil_servant: 4, C.public_employee: 7,
                                C.worker: 4, C.collaborator: 16}),
            ("51", "QNG", None, {C.civil_servant_cadre: 4, C.civil_servant: 6, C.public_employee: 7,
                                 C.worker: 6, C.collaborator: 21}),
            ("51", "KT", "62", {C.civil_servant: 1, C.public_employee: 2, C.collaborator: 2}),
        ]
        for province, area, legacy, counts in groups:
            for category, count in counts.items():
                for _i in range(count):
                    self.person(province, area, legacy, category)
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

    def classes(self) -> None:
        C = StaffCategory
        staff = (C.civil_servant_cadre, C.civil_servant, C.public_employee, C.worker)
        officials = (C.civil_servant, C.public_employee)
        d = dt.date
        kh_centre = f"Trung tâm Công tác xã hội {self.unit('56')}"
        qn_centre = f"Trung tâm Công tác xã hội {self.unit('22')}"
        qng_centre = f"Trung tâm Công tác xã hội {self.unit('51')}"
        tn_centre = f"Trung tâm Công tác xã hội {self.unit('19')}"

        # Bắc Kạn: one in-service university class of 53 learners with the university and the college.
        c = self.add_class("DH-VLVH-BK-2016", "CTXH-DH-VLVH", "19", UNI,
                           f"{CD_BK}, phường Đức Xuân", d(2016, 10, 3), 60, DeliveryMode.in_service,
                           end=d(2020, 12, 25), blocks=8)
        self.enrol(c, self.pick(self.pool(c, ("BK",), staff), 53, must=("Đặng Thị Thu Hường",)))
        # Ninh Thuận (now Khánh Hòa): 38 intermediate learners from communes and facilities.
        c = self.add_class("TC-NT-2016", "CTXH-TC", "56", CD_NT, f"{CD_NT}, Phan Rang - Tháp Chàm (Ninh Thuận)",
                           d(2016, 3, 7), 40, DeliveryMode.in_service, end=d(2017, 12, 29), blocks=6)
        self.enrol(c, self.pick(self.pool(c, ("NT",)), 38, must=("Nguyễn Thị Ngọc Ánh",)))
        # Master's: 3 civil servants of Ninh Thuận with colleagues of other provinces.
        c = self.add_class("THS-KH-2019", "CTXH-THS", "56", UNI, f"{kh_centre}, Nha Trang", d(2019, 9, 9), 25,
                           DeliveryMode.in_service, end=d(2021, 6, 25), blocks=6)
        self.enrol(c, self.pick(self.pool(c, ("NT",), (C.civil_servant,)), 3)
                   + self.pick(self.pool(c, ("KH", "QNG", "QN", "TN"), officials), 9))
        c = self.add_class("CD-QN-2018", "CTXH-CD", "22", CD_QN, CD_QN, d(2018, 9, 10), 30,
                           DeliveryMode.in_service, end=d(2021, 6, 25), blocks=6)
        self.enrol(c, self.pick(self.pool(c, ("QN",), (C.public_employee, C.worker, C.collaborator)), 25))
        # Refresher trainings, many of them: person-times count each one again.
        c = self.add_class("BD-KH-2021-01", "CTXH-BD-01", "56", kh_centre, f"Hội trường {kh_centre}",
                           d(2021, 6, 14), 40, DeliveryMode.full_time, days=5)
        self.enrol(c, self.pick(self.pool(c, ("NT", "KH"), staff), 14)
                   + self.pick(self.pool(c, ("NT", "KH"), (C.collaborator,)), 21, must=("Nguyễn Thị Ngọc Ánh",)))
        c = self.add_class("BD-TN-2021-01", "CTXH-BD-01", "19", CD_BK, f"{CD_BK}, phường Đức Xuân",
                           d(2021, 11, 8), 40, DeliveryMode.full_time, days=5)
        self.enrol(c, self.pick(self.pool(c, ("BK", "TN")), 40))
        # Trainers of trainers: only after the basic refresher (prerequisite).
        c = self.add_class("GVN-KH-2022", "CTXH-GVN", "56", UNI, f"Hội trường {kh_centre}", d(2022, 8, 8), 20,
                           DeliveryMode.full_time, days=10)
        done = set(self.completed("BD-KH-2021-01"))
        tn_done = set(self.completed("BD-TN-2021-01"))
        self.enrol(c, self.pick([p for p in self.pool(c, ("NT", "KH"), staff) if p.ref in done], 7)
                   + self.pick([p for p in self.pool(c, ("BK", "TN"), staff) if p.ref in tn_done], 5))
        c = self.add_class("BD-QN-2022-01", "CTXH-BD-02", "22", qn_centre, f"Hội trường {qn_centre}",
                           d(2022, 4, 11), 40, DeliveryMode.full_time, days=3)
        self.enrol(c, self.pick(self.pool(c, ("QN",), (C.collaborator,)), 36))
        c = self.add_class("BD-QNG-2023-01", "CTXH-BD-01", "51", qng_centre, f"Hội trường {qng_centre}",
                           d(2023, 3, 20), 40, DeliveryMode.full_time, days=5)
        self.enrol(c, self.pick(self.pool(c, ("QNG", "KT")), 35))
        c = self.add_class("BD-QN-2023-02", "CTXH-BD-01", "22", qn_centre, f"Hội trường {qn_centre}",
                           d(2023, 10, 16), 40, DeliveryMode.full_time, days=5)
        self.enrol(c, self.pick(self.pool(c, ("QN",)), 35))
        c = self.add_class("BD-KH-2024-02", "CTXH-BD-02", "56", kh_centre, f"Hội trường {kh_centre}",
                           d(2024, 5, 13), 35, DeliveryMode.full_time, days=3)
        self.enrol(c, self.pick(self.pool(c, ("NT", "KH"), (C.collaborator,)), 28))
        c = self.add_class("BD-TN-2024-02", "CTXH-BD-03", "19", tn_centre, "Trực tuyến (phòng họp trực tuyến)",
                           d(2024, 9, 9), 60, DeliveryMode.online, days=2)
        self.enrol(c, self.pick(self.pool(c, ("BK", "TN")), 30))
        c = self.add_class("BD-QN-2025-03", "CTXH-BD-02", "22", qn_centre, f"Hội trường {qn_centre}",
                           d(2025, 6, 16), 40, DeliveryMode.full_time, days=3)
        self.enrol(c, self.pick(self.pool(c, ("QN",), (C.collaborator,)), 36))
        c = self.add_class("BD-QNG-2025-02", "CTXH-BD-03", "51", qng_centre, f"Hội trường {qng_centre}",
                           d(2025, 8, 18), 35, DeliveryMode.full_time, days=2)
        self.enrol(c, self.pick(self.pool(c, ("QNG", "KT")), 30))

        # Running on the reference date.
        c = self.add_class("DH-VLVH-QNG-2025", "CTXH-DH-VLVH", "51", UNI, f"{DH_QNG}, phường Cẩm Thành",
                           d(2025, 10, 6), 45, DeliveryMode.in_service, end=d(2029, 6, 29), blocks=8)
        people = self.pick(self.pool(c, ("QNG", "KT")), 41)
        self.enrol(c, people[:-1])
        self.enrol(c, people[-1:], EnrolmentStatus.withdrawn)
        c = self.add_class("TC-QN-2026", "CTXH-TC", "22", CD_QN, CD_QN, d(2026, 3, 2), 35,
                           DeliveryMode.in_service, end=d(2027, 12, 24), blocks=6)
        people = self.pick(self.pool(c, ("QN",), (C.collaborator, C.worker)), 31)
        self.enrol(c, people[:-1])
        self.enrol(c, people[-1:], EnrolmentStatus.withdrawn)
        c = self.add_class("BD-KH-2026-03", "CTXH-BD-01", "56", kh_centre, f"Hội trường {kh_centre}",
                           d(2026, 11, 18), 35, DeliveryMode.full_time, days=5)
        people = self.pick(self.pool(c, ("NT", "KH")), 31, must=("Nguyễn Thị Ngọc Ánh",))
        self.enrol(c, people[:-1])
        self.enrol(c, people[-1:], EnrolmentStatus.withdrawn)

        # Planned: an open refresher (full, with a waiting list) and a trainer-of-trainers class.
        c = self.add_class("BD-QN-2026-04", "CTXH-BD-02", "22", qn_centre, f"Hội trường {qn_centre}",
                           d(2026, 12, 7), 30, DeliveryMode.full_time, days=3, status=ClassStatus.open)
        recent = {e.person for e in self.enrolled["BD-QN-2025-03"]}
        people = self.pick(self.pool(c, ("QN",), exclude=recent), 35)
        self.enrol(c, people[:26], EnrolmentStatus.confirmed)
        self.enrol(c, people[26:30], EnrolmentStatus.registered)
        self.enrol(c, people[30:], EnrolmentStatus.waitlisted)
        self.add_class("GVN-TN-2027-01", "CTXH-GVN", "19", UNI, f"{CD_BK}, phường Đức Xuân", d(2027, 3, 8), 25,
                       DeliveryMode.full_time, days=10, status=ClassStatus.planned)

    # targets and issuers ---------------------------------------------------------------------
    def targets_and_issuers(self) -> None:
        self.plan.targets = [
            {"province": None, "staff_category": None, "level": None, "year": 2025, "target_share": 0.30,
             "note": "Quyết định 112/QĐ-TTg: ít nhất 30% cán bộ, viên chức, nhân viên và cộng tác viên "
                     "công tác xã hội được đào tạo, bồi dưỡng đến năm 2025"},
            {"province": "22", "staff_category": None, "level": Level.refresher, "year": 2026, "target_share": 1.0,
             "note": "Quảng Ninh: 100% cán bộ, nhân viên và cộng tác viên công tác xã hội được bồi dưỡng "
                     "nghiệp vụ trong năm 2026"},
            {"province": "51", "staff_category": StaffCategory.collaborator, "level": Level.refresher,
             "year": 2030, "target_share": 1.0,
             "note": "Quảng Ngãi: bồi dưỡng, tập huấn kỹ năng cho 100% cộng tác viên công tác xã hội "
                     "giai đoạn 2021–2030"},
        ]
        u = {code: self.unit(code).upper() for code in DEMO_PROVINCES}
        self.plan.issuers = [
            {"organisation": UNI, "governing_body": "BỘ NỘI VỤ", "issuer_name": "TRƯỜNG ĐẠI HỌC LAO ĐỘNG - XÃ HỘI",
             "signer_title": "HIỆU TRƯỞNG", "signer_name": "Nguyễn Văn Minh", "place": "Hà Nội",
             "number_prefix": "LDXH"},
            {"organisation": CD_BK, "governing_body": f"ỦY BAN NHÂN DÂN {u['19']}",
             "issuer_name": "TRƯỜNG CAO ĐẲNG CỘNG ĐỒNG BẮC KẠN", "signer_title": "HIỆU TRƯỞNG",
             "signer_name": "Hà Văn Thạch", "place": "Thái Nguyên", "number_prefix": "CDBK"},
            {"organisation": CD_NT, "governing_body": f"ỦY BAN NHÂN DÂN {u['56']}",
             "issuer_name": "TRƯỜNG CAO ĐẲNG NGHỀ NINH THUẬN", "signer_title": "HIỆU TRƯỞNG",
             "signer_name": "Trần Quốc Dũng", "place": "Khánh Hòa", "number_prefix": "CDNT"},
            {"organisation": CD_QN, "governing_body": f"ỦY BAN NHÂN DÂN {u['22']}",
             "issuer_name": "TRƯỜNG CAO ĐẲNG Y TẾ QUẢNG NINH", "signer_title": "HIỆU TRƯỞNG",
             "signer_name": "Phạm Thị Hồng Nhung", "place": "Quảng Ninh", "number_prefix": "CDYTQN"},
            {"organisation": DH_QNG, "governing_body": f"ỦY BAN NHÂN DÂN {u['51']}",
             "issuer_name": "TRƯỜNG ĐẠI HỌC PHẠM VĂN ĐỒNG", "signer_title": "HIỆU TRƯỞNG",
             "signer_name": "Lê Quang Sơn", "place": "Quảng Ngãi", "number_prefix": "PVD"},
        ]
        signers = {"19": "Ma Thị Thu Trang", "22": "Trương Mạnh Hùng", "56": "Lê Thị Kim Oanh",
                   "51": "Nguyễn Thu Trang"}
        for code in DEMO_PROVINCES:
            self.plan.issuers.append({
                "organisation": f"Trung tâm Công tác xã hội {self.unit(code)}",
                "governing_body": f"SỞ Y TẾ {u[code]}", "issuer_name": "TRUNG TÂM CÔNG TÁC XÃ HỘI",
                "signer_title": "GIÁM ĐỐC", "signer_name": signers[code], "place": PLACE[code],
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


async def _apply(plan: Plan, password: str) -> tuple[dict[str, int], int]:
    from certificates.tables import IssuerProfile
    from training.tables import (
        Attendance,
        ClassSession,
        Commune,
        Course,
        CoursePrerequisite,
        CoverageTarget,
        Enrolment,
        LegacyProvince,
        Organisation,
        Person,
        Province,
        Trainer,
        TrainerCourse,
        TrainingClass,
    )

    w = _Writer()
    province = {r["code"]: r["id"] for r in await Province.select(Province.id, Province.code).run()}
    legacy = {r["code"]: r["id"] for r in await LegacyProvince.select(LegacyProvince.id, LegacyProvince.code).run()}

    # communes
    codes = [c[0] for c in COMMUNES]
    existing = {r["code"] for r in await _select_in(Commune, Commune.code, codes, Commune.code)}
    await w.insert(Commune, [{"code": code, "name": name, "province": province[pcode]}
                             for code, name, pcode, _area in COMMUNES if code not in existing])
    commune = {r["code"]: r["id"] for r in await _select_in(Commune, Commune.code, codes, Commune.id, Commune.code)}

    # organisations: parents first
    names = [o["name"] for o in plan.organisations]

    async def org_ids() -> dict[str, int]:
        rows = await _select_in(Organisation, Organisation.name, names, Organisation.id, Organisation.name)
        out: dict[str, int] = {}
        for r in sorted(rows, key=lambda r: r["id"]):
            out.setdefault(r["name"], r["id"])
        return out

    org = await org_ids()
    for with_parent in (False, True):
        await w.insert(Organisation, [
            {"name": o["name"], "kind": o["kind"], "province": province[o["province"]] if o["province"] else None,
             "commune": commune[o["commune"]] if o["commune"] else None,
             "parent": org[o["parent"]] if o["parent"] else None}
            for o in plan.organisations if (o["parent"] is not None) == with_parent and o["name"] not in org])
        org = await org_ids()

    # courses and prerequisites
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

    # people: by citizen ID, or by full name and date of birth
    async def person_ids() -> dict[int, int]:
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

    person = await person_ids()
    await w.insert(Person, [
        {"full_name": p.full_name, "date_of_birth": p.date_of_birth, "sex": p.sex, "citizen_id": p.citizen_id,
         "phone": p.phone, "email": p.email, "staff_category": p.category, "organisation": org[p.organisation],
         "province": province[p.province], "commune": commune[p.commune] if p.commune else None,
         "legacy_province": legacy[p.legacy] if p.legacy else None, "active_from": p.active_from,
         "active_to": p.active_to}
        for p in plan.people if p.ref not in person])
    person = await person_ids()

    # trainers and the courses they teach
    async def trainer_ids() -> dict[int, int]:
        rows = await _select_in(Trainer, Trainer.person, [person[r] for r in plan.trainers], Trainer.id,
                                Trainer.person)
        by_person = {r["person"]: r["id"] for r in rows}
        return {ref: by_person[person[ref]] for ref in plan.trainers if person[ref] in by_person}

    trainer = await trainer_ids()
    await w.insert(Trainer, [{"person": person[ref], "qualifications": quals}
                             for ref, (quals, _c) in plan.trainers.items() if ref not in trainer])
    trainer = await trainer_ids()
    existing = {(r["trainer"], r["course"]) for r in await _select_in(
        TrainerCourse, TrainerCourse.trainer, list(trainer.values()), TrainerCourse.trainer, TrainerCourse.course)}
    await w.insert(TrainerCourse, [
        {"trainer": trainer[ref], "course": course[code]}
        for ref, (_q, codes_) in plan.trainers.items() for code in codes_
        if (trainer[ref], course[code]) not in existing])

    # classes
    class_codes = [c.code for c in plan.classes]
    existing = {r["code"] for r in await _select_in(TrainingClass, TrainingClass.code, class_codes,
                                                    TrainingClass.code)}
    await w.insert(TrainingClass, [
        {"course": course[c.course], "code": c.code, "institution": org[c.institution],
         "host_province": province[c.host], "venue": c.venue, "start_date": c.start, "end_date": c.end,
         "capacity": c.capacity, "delivery_mode": c.mode, "status": c.status}
        for c in plan.classes if c.code not in existing])
    klass = {r["code"]: r["id"] for r in await _select_in(TrainingClass, TrainingClass.code, class_codes,
                                                           TrainingClass.id, TrainingClass.code)}

    # sessions
    async def session_ids() -> dict[tuple[int, str, str], int]:
        rows = await _select_in(ClassSession, ClassSession.training_class, list(klass.values()), ClassSession.id,
                                ClassSession.training_class, ClassSession.session_date, ClassSession.start_time)
        out: dict[tuple[int, str, str], int] = {}
        for r in sorted(rows, key=lambda r: r["id"]):
            out.setdefault((r["training_class"], _date_key(r["session_date"]), _time_key(r["start_time"])), r["id"])
        return out

    def session_key(c: ClassPlan, i: int) -> tuple[int, str, str]:
        day, (start, _end), _topic, _trainer = c.sessions[i]
        return klass[c.code], day.isoformat(), start.strftime("%H:%M")

    session = await session_ids()
    await w.insert(ClassSession, [
        {"training_class": klass[c.code], "session_date": day, "start_time": start, "end_time": end, "topic": topic,
         "trainer": trainer[t] if t is not None else None, "venue": c.venue}
        for c in plan.classes for i, (day, (start, end), topic, t) in enumerate(c.sessions)
        if session_key(c, i) not in session])
    session = await session_ids()

    # enrolments
    async def enrolment_ids() -> dict[tuple[int, int], int]:
        rows = await _select_in(Enrolment, Enrolment.training_class, list(klass.values()), Enrolment.id,
                                Enrolment.training_class, Enrolment.person)
        out: dict[tuple[int, int], int] = {}
        for r in sorted(rows, key=lambda r: r["id"]):
            out.setdefault((r["training_class"], r["person"]), r["id"])
        return out

    enrolment = await enrolment_ids()
    await w.insert(Enrolment, [
        {"training_class": klass[e.class_code], "person": person[e.person], "status": e.status, "score": e.score,
         "classification": e.classification, "enrolled_at": e.enrolled_at}
        for e in plan.enrolments if (klass[e.class_code], person[e.person]) not in enrolment])
    enrolment = await enrolment_ids()

    # attendance
    by_code = {c.code: c for c in plan.classes}
    rows = await _select_in(Attendance, Attendance.session, list(session.values()), Attendance.session,
                            Attendance.enrolment)
    existing_marks = {(r["session"], r["enrolment"]) for r in rows}
    marks = []
    for (code, i, ref), (status, note) in plan.attendance.items():
        s = session[session_key(by_code[code], i)]
        e = enrolment[(klass[code], person[ref])]
        if (s, e) not in existing_marks:
            marks.append({"session": s, "enrolment": e, "status": status, "note": note})
    await w.insert(Attendance, marks)

    # coverage targets
    rows = await CoverageTarget.select().run()
    existing = {(r["province"], r["staff_category"], r["level"], r["year"]) for r in rows}
    await w.insert(CoverageTarget, [
        {**t, "province": province[t["province"]] if t["province"] else None} for t in plan.targets
        if (province[t["province"]] if t["province"] else None, t["staff_category"], t["level"], t["year"])
        not in existing])

    # issuer profiles
    rows = await _select_in(IssuerProfile, IssuerProfile.organisation, [org[i["organisation"]] for i in plan.issuers],
                            IssuerProfile.organisation)
    existing = {r["organisation"] for r in rows}
    await w.insert(IssuerProfile, [{**i, "organisation": org[i["organisation"]]} for i in plan.issuers
                                   if org[i["organisation"]] not in existing])

    anh = next(p for p in plan.people if p.full_name == "Nguyễn Thị Ngọc Ánh")
    accounts = [
        ("dieuphoi", Role.coordinator, None, None),
        ("soyte.khanhhoa", Role.department, "56", None),
        ("soyte.thainguyen", Role.department, "19", None),
        ("hocvien.anh", Role.learner, None, person[anh.ref]),
    ]
    accounts_set = 0  # created, or updated to this role and password (create_account audits those)
    for username, role, province_code, person_id in accounts:
        if await _account_is_current(username, role, province[province_code] if province_code else None,
                                     person_id, password):
            continue
        from training.services.accounts import create_account

        await create_account(username=username, role=role, password=password, province_code=province_code,
                             person_id=person_id, reset_password=True)
        accounts_set += 1

    await _audit_summary(w.added)
    return dict(w.added), accounts_set


async def _account_is_current(username: str, role: str, province_id: int | None, person_id: int | None,
                              password: str) -> bool:
    """True when the account exists with this role and password: then re-seeding changes nothing."""
    from training.tables import Account

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
    from training.config import get_settings
    from training.tables import Province

    password = password or DEMO_PASSWORD
    provinces = {r["code"]: {"name": r["name"], "kind": r["kind"]}
                 for r in await Province.select(Province.code, Province.name, Province.kind).run()}
    plan = build_plan(provinces)
    async with Province._meta.db.transaction():
        added, accounts_set = await _apply(plan, password)
    from training.services.coverage import rebuild

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
