"""Piccolo tables of the training app: the whole data model except certificates.

Province codes: ``Province`` holds the 34 units of 2025, ``LegacyProvince`` the 63 units
before the 2025 merger with the 2025 unit each maps to. The two tables keep the two code
systems apart (codes such as 15, 24, 44 are reused with new meanings).
"""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.columns.readable import Readable
from piccolo.table import Table

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
from training.policy import DEFAULT_MIN_ATTENDANCE_SHARE


class Province(Table):
    """A provincial-level unit in force since 1 July 2025 (34 units)."""

    code = Varchar(length=2, unique=True, index=True)
    name = Varchar(length=100)
    kind = Varchar(length=20)  # "tỉnh" or "thành phố": data, changes by resolution

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s - %s", columns=[cls.code, cls.name])


class LegacyProvince(Table):
    """One of the 63 provincial units before the 2025 merger, mapped to its 2025 unit."""

    code = Varchar(length=2, unique=True, index=True)
    name = Varchar(length=100)
    kind = Varchar(length=20)
    province = ForeignKey(references=Province, on_delete=OnDelete.restrict, index=True)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s - %s (trước 2025)", columns=[cls.code, cls.name])


class Commune(Table):
    """A commune-level unit (xã / phường / đặc khu), imported from the statistics office list."""

    code = Varchar(length=5, unique=True, index=True)
    name = Varchar(length=100)
    province = ForeignKey(references=Province, on_delete=OnDelete.restrict, index=True)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])


class Organisation(Table):
    name = Varchar(length=255)
    kind = Varchar(length=40, choices=OrganisationKind)
    province = ForeignKey(references=Province, null=True, on_delete=OnDelete.restrict, index=True)
    commune = ForeignKey(references=Commune, null=True, on_delete=OnDelete.set_null)
    parent = ForeignKey(references="self", null=True, on_delete=OnDelete.set_null)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])


class Person(Table):
    """A staff member and/or learner."""

    full_name = Varchar(length=150, index=True)
    date_of_birth = Date(null=True, default=None)
    sex = Varchar(length=10, choices=Sex)
    citizen_id = Varchar(length=20, null=True, default=None, unique=True)  # 12 digits, checked by the domain
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=150, null=True, default=None)
    staff_category = Varchar(length=20, choices=StaffCategory, index=True)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null)
    province = ForeignKey(references=Province, on_delete=OnDelete.restrict, index=True)
    commune = ForeignKey(references=Commune, null=True, on_delete=OnDelete.set_null)
    legacy_province = ForeignKey(references=LegacyProvince, null=True, on_delete=OnDelete.restrict)
    active_from = Date(null=True, default=None)
    active_to = Date(null=True, default=None)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.full_name])


class Course(Table):
    code = Varchar(length=30, unique=True, index=True)
    name_vi = Varchar(length=255)
    name_en = Varchar(length=255, default="")
    level = Varchar(length=30, choices=Level, index=True)
    hours = Integer(default=0)
    certificate_kind = Varchar(length=20, choices=CertificateKind)
    min_attendance_share = DoublePrecision(default=DEFAULT_MIN_ATTENDANCE_SHARE)
    excused_counts_as_present = Boolean(default=False)
    pass_mark = DoublePrecision(null=True, default=None)
    validity_months = Integer(null=True, default=None)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s - %s", columns=[cls.code, cls.name_vi])


class CoursePrerequisite(Table):
    """A course that must have been completed before enrolling in another."""

    course = ForeignKey(references=Course, on_delete=OnDelete.cascade, index=True)
    required_course = ForeignKey(references=Course, on_delete=OnDelete.restrict)


class TrainingClass(Table):
    course = ForeignKey(references=Course, on_delete=OnDelete.restrict, index=True)
    code = Varchar(length=40, unique=True, index=True)
    institution = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.restrict)
    host_province = ForeignKey(references=Province, on_delete=OnDelete.restrict, index=True)
    venue = Varchar(length=255, default="")
    start_date = Date()
    end_date = Date()
    capacity = Integer(default=30)
    delivery_mode = Varchar(length=20, choices=DeliveryMode, default=DeliveryMode.full_time)
    status = Varchar(length=20, choices=ClassStatus, default=ClassStatus.planned, index=True)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.code])


class Trainer(Table):
    person = ForeignKey(references=Person, on_delete=OnDelete.restrict, unique=True)
    qualifications = Text(default="")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.person.full_name])


class TrainerCourse(Table):
    """A course a trainer may teach."""

    trainer = ForeignKey(references=Trainer, on_delete=OnDelete.cascade, index=True)
    course = ForeignKey(references=Course, on_delete=OnDelete.cascade)


class ClassSession(Table):
    training_class = ForeignKey(references=TrainingClass, on_delete=OnDelete.cascade, index=True)
    session_date = Date(index=True)
    start_time = Time()
    end_time = Time()
    topic = Varchar(length=255, default="")
    trainer = ForeignKey(references=Trainer, null=True, on_delete=OnDelete.set_null, index=True)
    venue = Varchar(length=255, default="")

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(
            template="%s %s %s",
            columns=[cls.training_class.code, cls.session_date, cls.start_time],
        )


class Enrolment(Table):
    training_class = ForeignKey(references=TrainingClass, on_delete=OnDelete.restrict, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.restrict, index=True)
    status = Varchar(length=20, choices=EnrolmentStatus, default=EnrolmentStatus.registered, index=True)
    score = DoublePrecision(null=True, default=None)
    classification = Varchar(length=30, null=True, default=None)
    enrolled_at = Timestamptz()

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(
            template="%s - %s", columns=[cls.training_class.code, cls.person.full_name]
        )


class Attendance(Table):
    session = ForeignKey(references=ClassSession, on_delete=OnDelete.cascade, index=True)
    enrolment = ForeignKey(references=Enrolment, on_delete=OnDelete.cascade, index=True)
    status = Varchar(length=20, choices=AttendanceStatus, default=AttendanceStatus.present)
    note = Varchar(length=255, default="")


class CoverageTarget(Table):
    """A target share of trained staff: national (no province) or for one province."""

    province = ForeignKey(references=Province, null=True, on_delete=OnDelete.cascade, index=True)
    staff_category = Varchar(length=20, choices=StaffCategory, null=True, default=None)
    level = Varchar(length=30, choices=Level, null=True, default=None)
    year = Integer()
    target_share = DoublePrecision()
    note = Varchar(length=255, default="")


class Account(Table):
    """Links a piccolo user to a role: coordinator, department (one province), learner (one person)."""

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, unique=True)
    role = Varchar(length=20, choices=Role)
    province = ForeignKey(references=Province, null=True, on_delete=OnDelete.restrict)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.restrict)


class ApiToken(Table):
    """A bearer token for scripted API calls; only its SHA-256 is stored, and never shown (secret).
    Created, listed and revoked by ``training.services.tokens``; it stops working at ``expires_at``."""

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True, secret=True)
    created_at = Timestamptz()
    revoked = Boolean(default=False)
    label = Varchar(length=100, default="")
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class AuditLog(Table):
    """Every change made through the admin, the API or the command line."""

    created_at = Timestamptz(index=True)
    user = ForeignKey(references=BaseUser, null=True, on_delete=OnDelete.set_null)
    username = Varchar(length=100, default="")
    action = Varchar(length=20)  # create / update / delete / reopen …
    table_name = Varchar(length=60, index=True)
    row_id = Integer(null=True, default=None, index=True)
    before = JSON(null=True, default=None)
    after = JSON(null=True, default=None)
    # Set once when an erasure (PDPL) empties before/after of a person's rows; the only change the
    # append-only triggers allow besides ON DELETE SET NULL of ``user``.
    redacted_at = Timestamptz(null=True, default=None)


class PersonalDataAccess(Table):
    """Who read or exported personal data (PDPL): append-only, written by ``training.services.privacy``."""

    created_at = Timestamptz(index=True)
    user_id = Integer(null=True, default=None)  # no foreign key: the entry outlives the account
    username = Varchar(length=100, default="")
    role = Varchar(length=20, default="")
    action = Varchar(length=20)  # view / export / data-export / erase
    person = Integer(null=True, default=None, index=True)  # one person, or NULL for an export of many
    person_count = Integer(default=0)
    export = Varchar(length=120, default="")  # what was exported, e.g. "class-results:12"
    route = Varchar(length=255, default="")  # the request path, or "cli …"


class CompletionFact(Table):
    """Derived, one row per enrolment that is completed or has a certificate: what coverage counts.

    Maintained by ``training.services.coverage`` (refresh_people / rebuild); never edited by hand.
    The person's province, category and commune are copied so that coverage reads one table.
    """

    enrolment = Integer(unique=True)
    person = Integer(index=True)
    province = Integer(index=True)
    legacy_province = Integer(null=True, default=None)
    commune = Integer(null=True, default=None)
    staff_category = Varchar(length=20)
    level = Varchar(length=30)
    completed_on = Date()
    valid = Boolean(default=True)


class CoverageFact(Table):
    """Derived, one row per trained person and level (plus one with level ``any``): the first date of a
    valid completion, with the person's province, category, commune and active period copied."""

    person = Integer(index=True)
    province = Integer(index=True)
    legacy_province = Integer(null=True, default=None)
    commune = Integer(null=True, default=None)
    staff_category = Varchar(length=20)
    active_from = Date(null=True, default=None)
    active_to = Date(null=True, default=None)
    level = Varchar(length=30)
    first_on = Date()


class LoginFailure(Table):
    """A failed sign-in (or one being checked: a row is written before the password is, and deleted
    when it was right), counted against the username and the client address for
    TRAINING_LOGIN_WINDOW_MINUTES by ``training.services.signin``, in every worker and server alike."""

    username = Varchar(length=150, index=True)
    address = Varchar(length=64, index=True)
    created_at = Timestamptz(index=True)
