"""Enumerations of the domain, with their user-facing labels.

Values are stable English codes stored in the database; labels are gettext msgids
(translated through ``training.core.i18n``), so the admin and the API show Vietnamese by default.
Every label is read through ``label`` (one value) or ``labels`` (all values of an enum).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum, StrEnum

from training.core.i18n import N_, _


class OrganisationKind(StrEnum):
    provincial_department = "provincial_department"
    social_work_centre = "social_work_centre"
    social_assistance_facility = "social_assistance_facility"
    commune_committee = "commune_committee"
    school = "school"
    hospital = "hospital"
    association = "association"
    training_institution = "training_institution"
    ministry = "ministry"


class Sex(StrEnum):
    male = "male"
    female = "female"


class StaffCategory(StrEnum):
    civil_servant_cadre = "cadre"  # cán bộ
    civil_servant = "civil_servant"  # công chức
    public_employee = "public_employee"  # viên chức
    worker = "worker"  # người lao động
    collaborator = "collaborator"  # cộng tác viên


class Level(StrEnum):
    intermediate = "intermediate"
    college = "college"
    university = "university"
    masters = "masters"
    trainer_of_trainers = "trainer_of_trainers"
    refresher = "refresher"


class CertificateKind(StrEnum):
    certificate = "certificate"  # chứng chỉ
    attestation = "attestation"  # giấy chứng nhận


class DeliveryMode(StrEnum):
    full_time = "full_time"
    in_service = "in_service"
    online = "online"


class ClassStatus(StrEnum):
    planned = "planned"
    open = "open"
    running = "running"
    closed = "closed"
    cancelled = "cancelled"


class EnrolmentStatus(StrEnum):
    registered = "registered"
    waitlisted = "waitlisted"
    confirmed = "confirmed"
    withdrawn = "withdrawn"
    completed = "completed"
    failed = "failed"


class AttendanceStatus(StrEnum):
    present = "present"
    late = "late"
    excused = "excused"
    absent = "absent"


class Role(StrEnum):
    coordinator = "coordinator"
    department = "department"
    learner = "learner"
    trainer = "trainer"


class CertificateStatus(StrEnum):
    valid = "valid"
    revoked = "revoked"
    replaced = "replaced"


class NotificationKind(StrEnum):
    enrolment_confirmed = "enrolment_confirmed"
    enrolment_waitlisted = "enrolment_waitlisted"
    waitlist_promoted = "waitlist_promoted"
    session_changed = "session_changed"
    session_cancelled = "session_cancelled"
    session_reminder = "session_reminder"
    certificate_issued = "certificate_issued"
    certificate_expiring = "certificate_expiring"
    account_invitation = "account_invitation"
    password_reset = "password_reset"


class NotificationChannel(StrEnum):
    email = "email"
    sms = "sms"


class NotificationStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


# One label per (enum, value). N_ marks the msgid for extraction; translation happens on use.
LABELS: dict[type[Enum], dict[str, str]] = {
    OrganisationKind: {
        "provincial_department": N_("Provincial department"),
        "social_work_centre": N_("Social work centre"),
        "social_assistance_facility": N_("Social assistance facility"),
        "commune_committee": N_("Commune people's committee"),
        "school": N_("School"),
        "hospital": N_("Hospital"),
        "association": N_("Association"),
        "training_institution": N_("Training institution"),
        "ministry": N_("Ministry"),
    },
    Sex: {"male": N_("Male"), "female": N_("Female")},
    StaffCategory: {
        "cadre": N_("Cadre"),
        "civil_servant": N_("Civil servant"),
        "public_employee": N_("Public employee"),
        "worker": N_("Worker"),
        "collaborator": N_("Collaborator"),
    },
    Level: {
        "intermediate": N_("Intermediate"),
        "college": N_("College"),
        "university": N_("University"),
        "masters": N_("Master's"),
        "trainer_of_trainers": N_("Trainer of trainers"),
        "refresher": N_("Refresher training"),
    },
    CertificateKind: {
        "certificate": N_("Certificate (chứng chỉ)"),
        "attestation": N_("Certificate of attendance (giấy chứng nhận)"),
    },
    DeliveryMode: {
        "full_time": N_("Full-time"),
        "in_service": N_("In-service"),
        "online": N_("Online"),
    },
    ClassStatus: {
        "planned": N_("Planned"),
        "open": N_("Open for enrolment"),
        "running": N_("Running"),
        "closed": N_("Closed"),
        "cancelled": N_("Cancelled"),
    },
    EnrolmentStatus: {
        "registered": N_("Registered"),
        "waitlisted": N_("Waitlisted"),
        "confirmed": N_("Confirmed"),
        "withdrawn": N_("Withdrawn"),
        "completed": N_("Completed"),
        "failed": N_("Not completed"),
    },
    AttendanceStatus: {
        "present": N_("Present"),
        "late": N_("Late"),
        "excused": N_("Excused absence"),
        "absent": N_("Absent"),
    },
    Role: {
        "coordinator": N_("Training coordinator"),
        "department": N_("Provincial department"),
        "learner": N_("Learner"),
        "trainer": N_("Trainer"),
    },
    CertificateStatus: {
        "valid": N_("Valid"),
        "revoked": N_("Revoked"),
        "replaced": N_("Replaced"),
        "expired": N_("Expired"),  # never stored: a valid certificate past its expiry date, as shown
    },
    NotificationKind: {
        "enrolment_confirmed": N_("Enrolment confirmed"),
        "enrolment_waitlisted": N_("Put on the waiting list"),
        "waitlist_promoted": N_("Moved off the waiting list"),
        "session_changed": N_("Session moved"),
        "session_cancelled": N_("Session cancelled"),
        "session_reminder": N_("Session reminder"),
        "certificate_issued": N_("Certificate issued"),
        "certificate_expiring": N_("Certificate expiring"),
        "account_invitation": N_("Account invitation"),
        "password_reset": N_("Password reset"),
    },
    NotificationChannel: {"email": N_("Email"), "sms": N_("SMS")},
    NotificationStatus: {
        "pending": N_("Waiting to be sent"),
        "sending": N_("Being sent"),
        "sent": N_("Sent"),
        "failed": N_("Could not be sent"),
        "cancelled": N_("Cancelled"),
    },
}


def label(kind: type[Enum] | Iterable[type[Enum]], value: str | Enum | None, language: str | None = None) -> str:
    """The user-facing label of an enum value in ``language`` (default: the request's language): the one
    way to turn a stored code into words. ``kind`` is the enum, or several enums tried in order (a
    "status" that may be a class's or an enrolment's). An empty value gives ``""``; a value no enum
    knows is returned as it is."""
    if value is None or value == "":
        return ""
    code = str(value.value if isinstance(value, Enum) else value)
    for enum in ((kind,) if isinstance(kind, type) else kind):
        msgid = LABELS.get(enum, {}).get(code)
        if msgid:
            return _(msgid, language=language)
    return code


def labels(kind: type[Enum], language: str | None = None) -> dict[str, str]:
    """Every value of an enum with its label (``label``), in the enum's order: for choices and legends."""
    return {code: label(kind, code, language) for code in LABELS.get(kind, {})}
