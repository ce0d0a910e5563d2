"""Tables of courses, classes, trainers, sessions, enrolments and attendance."""

from __future__ import annotations

from piccolo.columns import (
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

from training.classes.policy import DEFAULT_MIN_ATTENDANCE_SHARE
from training.core.enums import (
    AttendanceStatus,
    CertificateKind,
    ClassStatus,
    DeliveryMode,
    EnrolmentStatus,
    Level,
)
from training.people.tables import Organisation, Person
from training.reference.tables import Province


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
    """A course a trainer may teach (a session of a class of that course may name them as its trainer).

    ``granted_by`` is the trainer-of-trainers class whose completion gave it (``training.classes.trainers``);
    None for a qualification entered by hand."""

    trainer = ForeignKey(references=Trainer, on_delete=OnDelete.cascade, index=True)
    course = ForeignKey(references=Course, on_delete=OnDelete.cascade)
    granted_by = ForeignKey(references=TrainingClass, null=True, default=None, on_delete=OnDelete.set_null)


class CourseQualification(Table):
    """A trainer-of-trainers course and a course its graduates may then teach (ADR 0031)."""

    tot_course = ForeignKey(references=Course, on_delete=OnDelete.cascade, index=True)
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
