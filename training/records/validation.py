"""Validation of rows, in the domain layer: the admin, the API and the command line all call it.

``clean(table, data, row_id)`` takes the complete values of a row (for an update: the stored
row merged with the changes), normalises text (Unicode NFC, trimmed, single spaces) and
checks the rules of DESIGN.md. It returns the cleaned values or raises ``DomainError`` listing
every problem with its field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import Any

from piccolo.columns import BigInt, ForeignKey, Integer, Serial, Text, Varchar
from piccolo.table import Table

from certificates.tables import IssuerProfile
from training.classes.clashes import find_clashes
from training.classes.policy import score_problem
from training.classes.tables import (
    Attendance,
    ClassSession,
    Course,
    CourseQualification,
    Enrolment,
    Trainer,
    TrainerCourse,
    TrainingClass,
)
from training.core.errors import Conflict, DomainError, FieldError
from training.core.i18n import N_, _
from training.core.labels import field_label
from training.core.masking import mask_cccd
from training.core.numbers import parse_decimal
from training.core.text import clean_multiline, clean_text
from training.people.tables import Person
from training.reference.tables import LegacyProvince
from training.spreadsheets.writer import FORMULA_START

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 .\-]{8,15}$")


# --- text a spreadsheet would run as a formula --------------------------------------------------

# A phone number may start with "+" ("+84 …"); its own pattern allows digits, spaces, dots and dashes only.
_FORMULA_ALLOWED = {"phone": ("+",)}


def formula_errors(value: Any, field: str | None) -> list[FieldError]:
    """Text that starts with = + - @ (or a tab / line break) would run as a formula once exported to a
    spreadsheet (CSV injection): refused in every text field, names and free text alike."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return []
    if value.startswith(_FORMULA_ALLOWED.get(field or "", ())):
        return []
    shown = {"\t": "Tab", "\r": "Enter", "\n": "Enter"}.get(value[0], value[0])
    return [FieldError("formula_start", N_(
        "must not start with \"{char}\": a spreadsheet would run the text as a formula; remove the sign or "
        "write something before it"), field, {"char": shown})]


# --- citizen ID (CCCD) -----------------------------------------------------------------------

# Digit 4 of a CCCD: (century start, sex).
_CENTURY_SEX = {
    "0": (1900, "male"), "1": (1900, "female"),
    "2": (2000, "male"), "3": (2000, "female"),
    "4": (2100, "male"), "5": (2100, "female"),
    "6": (2200, "male"), "7": (2200, "female"),
    "8": (1800, "male"), "9": (1800, "female"),
}


def _legacy_codes() -> set[str]:
    import csv
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "provinces_legacy_63.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["legacy_code"] for row in csv.DictReader(fh)}


LEGACY_CODES = _legacy_codes()


def cccd_errors(
    cccd: str, date_of_birth: dt.date | None = None, sex: str | None = None, field: str = "citizen_id"
) -> list[FieldError]:
    """Structure of a 12-digit CCCD and its agreement with date of birth and sex."""
    errors: list[FieldError] = []
    if not cccd.isdigit():
        return [FieldError("cccd_not_digits", N_("must contain digits only (got \"{value}\")"), field,
                           {"value": cccd})]
    if len(cccd) != 12:
        return [FieldError("cccd_length", N_("must have exactly 12 digits, this one has {count}"), field,
                           {"count": len(cccd)})]
    prefix = cccd[:3]
    if prefix[0] != "0" or prefix[1:] not in LEGACY_CODES:
        errors.append(FieldError("cccd_province", N_("the first three digits {prefix} are not a province code"),
                                 field, {"prefix": prefix}))
    century, cccd_sex = _CENTURY_SEX[cccd[3]]
    if date_of_birth is not None:
        if not (century <= date_of_birth.year < century + 100):
            errors.append(FieldError(
                "cccd_century",
                N_("digit 4 ({digit}) means born in {start}–{end}, but the date of birth is in {year}"),
                field, {"digit": cccd[3], "start": century, "end": century + 99, "year": date_of_birth.year}))
        if cccd[4:6] != f"{date_of_birth.year % 100:02d}":
            errors.append(FieldError(
                "cccd_birth_year",
                N_("digits 5–6 ({digits}) do not match the birth year {year}"),
                field, {"digits": cccd[4:6], "year": date_of_birth.year}))
    if sex in ("male", "female") and sex != cccd_sex:
        errors.append(FieldError(
            "cccd_sex",
            N_("digit 4 ({digit}) means {cccd_sex}, but the person is recorded as {sex}"),
            field, {"digit": cccd[3], "cccd_sex": _sex_word(cccd_sex), "sex": _sex_word(sex)}))
    return errors


def _sex_word(sex: str) -> str:
    return _("male") if sex == "male" else _("female")


def cccd_for(date_of_birth: dt.date, sex: str, legacy_code: str, serial: int) -> str:
    """Build a structurally valid CCCD (used by demo and benchmark data)."""
    century = (date_of_birth.year // 100) * 100
    digit = {1900: 0, 2000: 2, 2100: 4, 2200: 6, 1800: 8}[century] + (1 if sex == "female" else 0)
    return f"0{legacy_code}{digit}{date_of_birth.year % 100:02d}{serial % 1_000_000:06d}"


# Personal data never written in full to logs (the audit log's before/after): the CCCD and the phone keep
# their last three digits, the birth date its year, the e-mail its first character and its domain.
MASKED_FIELDS = ("citizen_id", "date_of_birth", "phone", "email")


def mask_personal(field: str, value: Any) -> Any:
    """``value`` of a personal ``field`` (one of ``MASKED_FIELDS``) as logs may show it; other fields unchanged."""
    if field not in MASKED_FIELDS or value is None or value == "":
        return value
    if field == "citizen_id":
        return mask_cccd(str(value))
    if field == "phone":
        text = str(value)
        return mask_cccd(text) if len(text) > 6 else "*" * len(text)
    if field == "date_of_birth":
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        return text[:4] + "-**-**" if len(text) >= 4 and text[:4].isdigit() else "****-**-**"
    local, _at, domain = str(value).partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


# --- per-table rules -------------------------------------------------------------------------

Cleaner = Callable[[dict[str, Any], int | None, list[FieldError]], Awaitable[None]]
_CLEANERS: dict[str, Cleaner] = {}


def rule(tablename: str):
    def register(fn: Cleaner) -> Cleaner:
        _CLEANERS[tablename] = fn
        return fn

    return register


def _required(data: dict[str, Any], errors: list[FieldError], *fields: str) -> None:
    for name in fields:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value):
            errors.append(FieldError("required", N_("is required"), name))


def _date_order(data, errors, start: str, end: str) -> None:
    a, b = data.get(start), data.get(end)
    if a is not None and b is not None and b < a:
        errors.append(FieldError("end_before_start", N_("must not be before {start} ({start_value})"), end,
                                 {"start": _label(start), "start_value": _fmt_date(a)}))


def _range(data, errors, name: str, low: float, high: float) -> None:
    value = data.get(name)
    if value is not None and not (low <= value <= high):
        errors.append(FieldError("out_of_range", N_("must be between {low} and {high} (got {value})"), name,
                                 {"low": low, "high": high, "value": value}))


def _label(name: str) -> str:
    return field_label(name)


def _fmt_date(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


@rule("person")
async def _person(data, row_id, errors):
    _required(data, errors, "full_name", "sex", "staff_category")
    if data.get("province") is None and data.get("legacy_province") is not None:
        mapped = await LegacyProvince.select(LegacyProvince.province).where(
            LegacyProvince.id == data["legacy_province"]).first().run()
        if mapped:
            data["province"] = mapped["province"]
    _required(data, errors, "province")
    if data.get("legacy_province") is not None and data.get("province") is not None:
        mapped = await LegacyProvince.select(LegacyProvince.province).where(
            LegacyProvince.id == data["legacy_province"]).first().run()
        if mapped and mapped["province"] != data["province"]:
            errors.append(FieldError("legacy_province_mismatch",
                                     N_("this province before 2025 was merged into another province"),
                                     "legacy_province"))
    dob = data.get("date_of_birth")
    if dob is not None and not (dt.date(1900, 1, 1) <= dob <= dt.date.today()):
        errors.append(FieldError("date_of_birth_range", N_("must be between 01/01/1900 and today"),
                                 "date_of_birth"))
    cccd = data.get("citizen_id")
    if cccd is not None:
        cccd = cccd.replace(" ", "")
        data["citizen_id"] = cccd or None
    if data.get("citizen_id"):
        found = cccd_errors(data["citizen_id"], dob, data.get("sex"))
        errors.extend(found)
        if not found:
            query = Person.exists().where(Person.citizen_id == data["citizen_id"])
            if row_id is not None:
                query = query.where(Person.id != row_id)
            if await query.run():
                errors.append(FieldError("cccd_duplicate", N_("this citizen ID already belongs to another person"),
                                         "citizen_id"))
    if data.get("email"):
        data["email"] = data["email"].lower()
        if not _EMAIL.match(data["email"]):
            errors.append(FieldError("email_invalid", N_("is not a valid email address"), "email"))
    if data.get("phone") and not _PHONE.match(data["phone"]):
        errors.append(FieldError("phone_invalid", N_("is not a valid phone number"), "phone"))
    _date_order(data, errors, "active_from", "active_to")


@rule("organisation")
async def _organisation(data, row_id, errors):
    _required(data, errors, "name", "kind")
    if row_id is not None and data.get("parent") == row_id:
        errors.append(FieldError("parent_self", N_("an organisation cannot be its own parent"), "parent"))


@rule("course")
async def _course(data, row_id, errors):
    if data.get("code"):
        data["code"] = data["code"].upper().replace(" ", "")
    _required(data, errors, "code", "name_vi", "level", "certificate_kind")
    _range(data, errors, "hours", 0, 10000)
    _range(data, errors, "min_attendance_share", 0, 1)
    _range(data, errors, "pass_mark", 0, 10)
    if data.get("validity_months") is not None and data["validity_months"] < 1:
        errors.append(FieldError("validity_positive", N_("must be at least 1 month, or empty for no expiry"),
                                 "validity_months"))


@rule("course_prerequisite")
async def _prerequisite(data, row_id, errors):
    _required(data, errors, "course", "required_course")
    if data.get("course") is not None and data.get("course") == data.get("required_course"):
        errors.append(FieldError("prerequisite_self", N_("a course cannot require itself"), "required_course"))


@rule("training_class")
async def _training_class(data, row_id, errors):
    if data.get("code"):
        data["code"] = data["code"].upper().replace(" ", "")
    _required(data, errors, "code", "course", "host_province", "start_date", "end_date")
    _date_order(data, errors, "start_date", "end_date")
    if data.get("capacity") is not None and data["capacity"] < 1:
        errors.append(FieldError("capacity_min", N_("must be at least 1 (got {value})"), "capacity",
                                 {"value": data["capacity"]}))
    if row_id is not None and data.get("start_date") and data.get("end_date"):
        outside = await ClassSession.count().where(
            (ClassSession.training_class == row_id)
            & ((ClassSession.session_date < data["start_date"]) | (ClassSession.session_date > data["end_date"]))
        ).run()
        if outside:
            errors.append(FieldError("sessions_outside_dates",
                                     N_("{count} session(s) of this class would fall outside its dates"),
                                     "start_date", {"count": outside}))


@rule("class_session")
async def _class_session(data, row_id, errors):
    _required(data, errors, "training_class", "session_date", "start_time", "end_time")
    if data.get("start_time") and data.get("end_time") and data["end_time"] <= data["start_time"]:
        errors.append(FieldError("end_time_before_start", N_("must be after the start time"), "end_time"))
    if data.get("training_class") and data.get("session_date"):
        cls = await TrainingClass.select(
            TrainingClass.code, TrainingClass.start_date, TrainingClass.end_date
        ).where(TrainingClass.id == data["training_class"]).first().run()
        if cls and not (cls["start_date"] <= data["session_date"] <= cls["end_date"]):
            errors.append(FieldError(
                "session_outside_class",
                N_("{date} is outside the dates of class {code} ({start} – {end})"),
                "session_date",
                {"date": _fmt_date(data["session_date"]), "code": cls["code"],
                 "start": _fmt_date(cls["start_date"]), "end": _fmt_date(cls["end_date"])}))
    if data.get("trainer") is not None and data.get("training_class"):
        await _qualified_trainer(data["trainer"], data["training_class"], errors)


async def _qualified_trainer(trainer_id: int, class_id: int, errors: list[FieldError]) -> None:
    """The session's trainer may teach the course of its class (a TrainerCourse row; ADR 0031).
    The database holds it too (trigger ``class_session_trainer_qualified``)."""
    cls = await TrainingClass.select(TrainingClass.course, TrainingClass.course.code.as_alias("course_code"),
                                     TrainingClass.course.name_vi.as_alias("course_name")).where(
        TrainingClass.id == class_id).first().run()
    trainer = await Trainer.select(Trainer.person.full_name.as_alias("name")).where(
        Trainer.id == trainer_id).first().run()
    if cls is None or trainer is None:
        return  # a missing reference is reported by the foreign key checks
    if not await TrainerCourse.exists().where(
            (TrainerCourse.trainer == trainer_id) & (TrainerCourse.course == cls["course"])).run():
        errors.append(FieldError("trainer_not_qualified", N_(
            "{trainer} is not qualified to teach course {course} ({code}): add the course to the trainer's "
            "courses first"), "trainer", {"trainer": trainer["name"], "course": cls["course_name"],
                                          "code": cls["course_code"]}))


@rule("enrolment")
async def _enrolment(data, row_id, errors):
    _required(data, errors, "training_class", "person", "status")
    await _score(data, row_id, errors)
    if data.get("training_class") and data.get("person"):
        query = Enrolment.exists().where(
            (Enrolment.training_class == data["training_class"]) & (Enrolment.person == data["person"]))
        if row_id is not None:
            query = query.where(Enrolment.id != row_id)
        if await query.run():
            errors.append(FieldError("already_enrolled", N_("this person is already enrolled in this class"),
                                     "person"))
    if data.get("enrolled_at") is None:
        data["enrolled_at"] = dt.datetime.now(dt.UTC)


_SCORE_MESSAGES = {
    "score_not_number": N_("must be a number from 0 to 10, such as 8,5 (got “{value}”)"),
    "score_out_of_range": N_("must be a number from 0 to 10 (got {value})"),
    "score_decimals": N_("may have at most 2 decimals (got {value})"),
}


async def _score(data: dict[str, Any], row_id: int | None, errors: list[FieldError]) -> None:
    """An enrolment's score follows the scores grid's rules (``policy.score_problem``): 0–10, at most two
    decimals, typed with a decimal comma or point; it cannot change once the class is closed."""
    value = data.get("score")
    if isinstance(value, str):
        number = parse_decimal(value) if value.strip() else None
        if value.strip() and number is None:
            errors.append(FieldError("score_not_number", _SCORE_MESSAGES["score_not_number"], "score",
                                     {"value": value}))
            return
        value = data["score"] = float(number) if number is not None else None
    if value is not None and (problem := score_problem(value)):
        errors.append(FieldError(problem, _SCORE_MESSAGES[problem], "score", {"value": value}))
    if row_id is None:
        return
    current = await Enrolment.select(Enrolment.score, Enrolment.training_class.code.as_alias("code"),
                                     Enrolment.training_class.status.as_alias("class_status")).where(
        Enrolment.id == row_id).first().run()
    if current and current["class_status"] == "closed" and current["score"] != value:
        errors.append(FieldError("score_class_closed", N_(
            "class {code} is closed: its scores cannot change. Re-open the class first."), "score",
            {"code": current["code"]}))


@rule("attendance")
async def _attendance(data, row_id, errors):
    _required(data, errors, "session", "enrolment", "status")
    if data.get("session") and data.get("enrolment"):
        session = await ClassSession.select(ClassSession.session_date, ClassSession.training_class).where(
            ClassSession.id == data["session"]).first().run()
        enrolment = await Enrolment.select(Enrolment.status, Enrolment.training_class).where(
            Enrolment.id == data["enrolment"]).first().run()
        if session and session["session_date"] > dt.date.today():
            errors.append(FieldError("session_in_future", N_(
                "The session of {date} has not happened yet; attendance cannot be taken."), "session",
                {"date": _fmt_date(session["session_date"])}))
        if session and enrolment and session["training_class"] != enrolment["training_class"]:
            errors.append(FieldError("not_in_class", N_("this learner is not enrolled in the session's class"),
                                     "enrolment"))
        elif enrolment and enrolment["status"] not in ("registered", "confirmed", "completed", "failed"):
            errors.append(FieldError("not_markable", N_("no attendance is taken for a withdrawn or waitlisted learner"),
                                     "enrolment"))
        query = Attendance.exists().where(
            (Attendance.session == data["session"]) & (Attendance.enrolment == data["enrolment"]))
        if row_id is not None:
            query = query.where(Attendance.id != row_id)
        if await query.run():
            errors.append(FieldError("attendance_duplicate",
                                     N_("this learner already has a mark for this session"), "enrolment"))


@rule("coverage_target")
async def _coverage_target(data, row_id, errors):
    _required(data, errors, "year", "target_share")
    share = data.get("target_share")
    if share is not None and not (0 <= share <= 1):
        errors.append(FieldError("target_share_range", N_(
            "must be a share between 0 and 1, that is between 0% and 100% (for example 0.3 for 30%); got {value}"),
            "target_share", {"value": share}))
    _range(data, errors, "year", 2010, 2100)


@rule("trainer")
async def _trainer(data, row_id, errors):
    _required(data, errors, "person")


@rule("course_qualification")
async def _course_qualification(data, row_id, errors):
    """A trainer-of-trainers course and another course its graduates may teach (ADR 0031), once."""
    _required(data, errors, "tot_course", "course")
    if not data.get("tot_course") or not data.get("course"):
        return
    tot = await Course.select(Course.code, Course.level).where(Course.id == data["tot_course"]).first().run()
    if tot is not None and tot["level"] != "trainer_of_trainers":
        errors.append(FieldError("not_tot_course", N_("course {code} is not a trainer-of-trainers course"),
                                 "tot_course", {"code": tot["code"]}))
    if data["tot_course"] == data["course"]:
        errors.append(FieldError("qualifies_itself", N_("a course cannot qualify for itself"), "course"))
    query = CourseQualification.exists().where((CourseQualification.tot_course == data["tot_course"])
                                               & (CourseQualification.course == data["course"]))
    if row_id is not None:
        query = query.where(CourseQualification.id != row_id)
    if await query.run():
        errors.append(FieldError("qualification_exists", N_("this course is already listed for this "
                                                            "trainer-of-trainers course"), "course"))


@rule("account")
async def _account(data, row_id, errors):
    _required(data, errors, "user", "role")
    if data.get("role") == "department" and data.get("province") is None:
        errors.append(FieldError("department_needs_province",
                                 N_("a department account needs its province"), "province"))
    if data.get("role") == "learner" and data.get("person") is None:
        errors.append(FieldError("learner_needs_person", N_("a learner account needs its person"), "person"))
    if data.get("role") == "trainer" and (data.get("person") is None or not await Trainer.exists().where(
            Trainer.person == data["person"]).run()):
        errors.append(FieldError("trainer_needs_trainer", N_(
            "a trainer account needs a person who is a trainer (person {id} is not in the trainers list)"), "person",
            {"id": data.get("person") if data.get("person") is not None else "—"}))


# Certificate numbers are "<prefix>-<year>-<register>"; the prefix is part of file names too.
NUMBER_PREFIX = re.compile(r"[A-Z0-9-]{2,12}")


def default_number_prefix(organisation_id: int) -> str:
    return f"CS{organisation_id}"


@rule("issuer_profile")
async def _issuer_profile(data, row_id, errors):
    _required(data, errors, "organisation", "issuer_name")
    prefix = (data.get("number_prefix") or "").strip().upper()
    if not prefix and data.get("organisation") is not None:
        prefix = default_number_prefix(data["organisation"])
    data["number_prefix"] = prefix
    if not NUMBER_PREFIX.fullmatch(prefix):
        errors.append(FieldError("number_prefix_format", N_(
            "must be 2 to 12 capital letters (without accents), digits or hyphens, for example KH-CTXH; "
            "got \"{value}\""), "number_prefix", {"value": prefix[:40]}))
        return
    query = IssuerProfile.select(IssuerProfile.issuer_name).where(IssuerProfile.number_prefix == prefix)
    if row_id is not None:
        query = query.where(IssuerProfile.id != row_id)
    taken = await query.first().run()
    if taken is not None:
        errors.append(FieldError("number_prefix_taken", N_(
            "\"{value}\" is already the prefix of {issuer}; each issuer needs its own prefix so that certificate "
            "numbers never repeat"), "number_prefix", {"value": prefix, "issuer": taken["issuer_name"]}))


async def _unique(table: type[Table], data: dict[str, Any], row_id: int | None,
                  errors: list[FieldError]) -> None:
    """Values of unique columns must not be taken by another row (checked before the database does)."""
    pk = table._meta.primary_key
    already = {e.field for e in errors}
    for column in table._meta.columns:
        name = column._meta.name
        if not column._meta.unique or column is pk or name in already or data.get(name) is None:
            continue
        query = table.exists().where(column == data[name])
        if row_id is not None:
            query = query.where(pk != row_id)
        if await query.run():
            errors.append(FieldError("duplicate", N_("\"{value}\" is already used by another row"), name,
                                     {"value": data[name]}))


# Every id and whole number of the schema is an INTEGER on PostgreSQL (SQLite overflows past 2^63):
# one range for both engines, checked before any value reaches a query.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def in_int_range(value: int) -> bool:
    return INT_MIN <= value <= INT_MAX


def storable_errors(table: type[Table], data: dict[str, Any]) -> list[FieldError]:
    """Values no engine-independent column can hold: whole numbers (foreign keys included) outside
    the INTEGER range, text with a NUL character (PostgreSQL refuses it). From any path: admin,
    imports, CLI (the API's input gate, training.web.inputs, refuses both before a handler runs)."""
    errors = []
    for column in table._meta.columns:
        value = data.get(column._meta.name)
        whole = isinstance(column, Integer | ForeignKey | Serial) and not isinstance(column, BigInt)
        if whole and isinstance(value, int) and not isinstance(value, bool) and not in_int_range(value):
            errors.append(FieldError("out_of_range", N_("must be a whole number from {low} to {high}"),
                                     column._meta.name, {"low": INT_MIN, "high": INT_MAX}))
        elif isinstance(value, str) and "\x00" in value:
            errors.append(FieldError("nul_character", N_("must not contain the NUL character (\\0)"),
                                     column._meta.name))
    return errors


async def _session_clashes(data: dict[str, Any], row_id: int | None) -> list[FieldError]:
    """A class session saved on its own (admin form, generic row update) must not clash with another."""
    if not (data.get("training_class") and data.get("session_date") and data.get("start_time")
            and data.get("end_time") and data["end_time"] > data["start_time"]):
        return []
    cls = await TrainingClass.select(TrainingClass.venue).where(
        TrainingClass.id == data["training_class"]).first().run()
    if cls is None:
        return []
    return await find_clashes(data["training_class"], [data], cls["venue"] or "",
                              exclude_ids={row_id} if row_id else set())


async def clean(table: type[Table], data: dict[str, Any], row_id: int | None = None, *,
                check_clashes: bool = True) -> dict[str, Any]:
    """Normalise and validate the complete values of a row; raise DomainError on any problem.

    ``check_clashes=False``: the caller checks a class session's clashes itself (the scheduling service,
    for all the sessions of a request at once, inside its write transaction)."""
    data = dict(data)
    for column in table._meta.columns:
        name = column._meta.name
        if isinstance(data.get(name), str):
            if isinstance(column, Varchar):
                data[name] = clean_text(data[name])
                if data[name] == "" and column._meta.null:
                    data[name] = None
            elif isinstance(column, Text):
                data[name] = clean_multiline(data[name])
    errors: list[FieldError] = storable_errors(table, data)
    if errors:
        raise DomainError(errors, status=400)
    for column in table._meta.columns:
        if isinstance(column, Varchar | Text):
            errors.extend(formula_errors(data.get(column._meta.name), column._meta.name))
    cleaner = _CLEANERS.get(table._meta.tablename)
    if cleaner is not None:
        await cleaner(data, row_id, errors)
    if table is ClassSession and check_clashes:
        errors.extend(await _session_clashes(data, row_id))
    await _unique(table, data, row_id, errors)
    if errors:
        if all(e.code.endswith("_clash") for e in errors):
            raise Conflict(errors)
        raise DomainError(errors)
    return data
