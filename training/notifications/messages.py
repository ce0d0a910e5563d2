"""The words of each message (ADR 0036, ADR 0043): ``render(kind, language, params)`` gives the email's subject
and text and the SMS text, in the learner's language (Vietnamese by default, English when she chose it). The
sender calls it at delivery time, so a corrected translation reaches the messages still waiting.

Every kind has its own words (there is no generic fallback); each says what happened, the class (code and
course), when and where, and what to do. Dates read dd/mm/yyyy and times HH:mm in ``TRAINING_TIME_ZONE``.

The ``params`` each kind uses (values are JSON: dates and times as ISO strings):

- enrolment_confirmed, enrolment_waitlisted, waitlist_promoted: ``class_code``, ``course_name``,
  ``course_name_en``, ``start_date``, ``end_date``, ``venue``.
- session_changed: those of the class, ``session_date``, ``start_time``, ``end_time``, ``venue`` (the new
  values) and ``old_session_date``, ``old_start_time``, ``old_end_time``, ``old_venue``.
- session_cancelled, session_reminder: those of the class, ``session_date``, ``start_time``, ``end_time``,
  ``venue``, ``topic``.
- certificate_issued: ``number``, ``class_code``, ``course_name``, ``course_name_en``, ``verify_url``.
- certificate_expiring: the same and ``expires_on``.
- account_invitation, password_reset: ``secret_code`` (the one-time code) and how long it works:
  ``expires_at`` (an ISO date-time), ``valid_hours`` or ``valid_minutes``; ``login`` (optional: what she
  signs in with).

The learner's page (``/me``, where her certificates download), ``/activate`` and ``/login/reset`` are built
from ``TRAINING_BASE_URL`` at render time. The SMS is plain ASCII without Vietnamese diacritics (most
Vietnamese SMS gateways and brand-name SMS contracts send GSM-7 text: 160 characters a part, while one
diacritic makes a UCS-2 message of 70 characters a part); it is at most ``SMS_LIMIT`` characters.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from training.core.config import base_url, time_zone
from training.core.enums import NotificationKind
from training.core.filenames import ascii_text
from training.core.i18n import N_, _

SMS_LIMIT = 320  # two GSM-7 parts at most
_SHORT = 40  # a course name or a venue in an SMS is cut to this


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    sms: str


@dataclass(frozen=True)
class Words:
    subject: str
    body: str  # the email's own paragraphs; the greeting and the signature are added around it
    sms: str


_CLASS = N_("Class: {class_code} – {course}\nDates: {start_date} to {end_date}\nVenue: {venue}")
_SESSION = N_("Class: {class_code} – {course}\nSession: {session_date}, {start_time}–{end_time}\nVenue: {venue}")

WORDS: dict[NotificationKind, Words] = {
    NotificationKind.enrolment_confirmed: Words(
        N_("Enrolment confirmed: class {class_code}"),
        N_("Your place in class {class_code} is confirmed.\n\n{class_block}\n\nWhat to do: come to the first "
           "session on {start_date}. Your classes and their sessions are on your page: {me_url}"),
        N_("Enrolment confirmed: class {class_code} ({course}), {start_date}-{end_date}, at {venue}. "
           "Details: {me_url}"),
    ),
    NotificationKind.enrolment_waitlisted: Words(
        N_("On the waiting list: class {class_code}"),
        N_("Class {class_code} is full, so you are on its waiting list.\n\n{class_block}\n\nWhat to do: nothing "
           "for now. Waiting learners get a place in the order they arrived when a seat frees up, and you will "
           "receive a message at once. Your page: {me_url}"),
        N_("Class {class_code} ({course}) is full: you are on the waiting list. We will tell you when a seat "
           "frees up. Details: {me_url}"),
    ),
    NotificationKind.waitlist_promoted: Words(
        N_("A place for you: class {class_code}"),
        N_("A seat freed up in class {class_code}: you are moved from the waiting list and your place is now "
           "confirmed.\n\n{class_block}\n\nWhat to do: come to the first session on {start_date}. If you can no "
           "longer attend, tell the training institution so that the next learner gets the seat. Your page: "
           "{me_url}"),
        N_("Class {class_code}: a seat freed up, your place is now confirmed. Starts {start_date} at {venue}. "
           "Cannot come? Tell the organisers. {me_url}"),
    ),
    NotificationKind.session_changed: Words(
        N_("Session moved: class {class_code}, {session_date}"),
        N_("A session of class {class_code} has been moved.\n\nBefore: {old_session_date}, "
           "{old_start_time}–{old_end_time}, {old_venue}\nNow: {session_date}, {start_time}–{end_time}, "
           "{venue}\n\n{session_block}\n\nWhat to do: come at the new date, time and place. Your sessions: "
           "{me_url}"),
        N_("Class {class_code}: the session of {old_session_date} {old_start_time} is moved to {session_date} "
           "{start_time}-{end_time}, at {venue}. {me_url}"),
    ),
    NotificationKind.session_cancelled: Words(
        N_("Session cancelled: class {class_code}, {session_date}"),
        N_("The session of class {class_code} on {session_date} ({start_time}–{end_time}) is cancelled.\n\n"
           "{session_block}\n\nWhat to do: do not come to this session; the other sessions of the class take "
           "place as planned. Your sessions: {me_url}"),
        N_("Class {class_code}: the session of {session_date} {start_time}-{end_time} is CANCELLED. Other "
           "sessions are unchanged. {me_url}"),
    ),
    NotificationKind.session_reminder: Words(
        N_("Reminder: class {class_code} tomorrow, {session_date} at {start_time}"),
        N_("A reminder: you have a session of class {class_code} tomorrow.\n\n{session_block}\nTopic: "
           "{topic}\n\nWhat to do: come on time and bring your citizen ID card (CCCD) to sign the attendance "
           "sheet. You can turn these reminders off on your page: {me_url}"),
        N_("Reminder: class {class_code} tomorrow {session_date}, {start_time}-{end_time}, at {venue}. "
           "Bring your CCCD."),
    ),
    NotificationKind.certificate_issued: Words(
        N_("Your certificate {number} is ready"),
        N_("Your certificate for {course} (class {class_code}) has been issued.\n\nCertificate number: {number}"
           "\nIssued on: {issued_on}\n\nDownload it (PDF) from your page: {me_url}\nAnyone can check it is "
           "genuine at: {verify_url}\n\nWhat to do: keep the PDF; show the check link or the number when your "
           "training is checked."),
        N_("Your certificate {number} ({course}) is issued. Download it: {me_url}"),
    ),
    NotificationKind.certificate_expiring: Words(
        N_("Your certificate {number} expires on {expires_on}"),
        N_("Your certificate {number} for {course} (class {class_code}) expires on {expires_on}.\n\nWhat to do: "
           "enrol in a refresher class of this course before that date, or ask your training institution "
           "which class to take; a new certificate is issued when you complete it. You can turn these reminders "
           "off on your page: {me_url}\nCheck the certificate: {verify_url}"),
        N_("Your certificate {number} ({course}) expires on {expires_on}. Enrol in a refresher class before "
           "then. {me_url}"),
    ),
    NotificationKind.account_invitation: Words(
        N_("Your account on the social work training system"),
        N_("An account has been opened for you on the social work training system, where you see your "
           "classes, sessions and certificates.\n\nWhat to do: open {activate_url}, enter your citizen ID "
           "(CCCD), phone number or email and this one-time code, then choose your password.\n\nOne-time code: "
           "{secret_code} ({validity})\n\nDo not give this code to anyone, including the staff of "
           "the training institution."),
        N_("Your training account: open {activate_url} and enter code {secret_code} ({validity}). Do not "
           "share it."),
    ),
    NotificationKind.password_reset: Words(
        N_("Your password reset code"),
        N_("Someone asked to reset the password of your account on the social work training system.\n\nWhat "
           "to do: open {reset_url} and enter this one-time code, then choose a new password.\n\nOne-time code: "
           "{secret_code} ({validity})\n\nIf you did not ask for this, ignore this message: your "
           "password stays as it is. Do not give this code to anyone."),
        N_("Password reset code: {secret_code} ({validity}). Enter it at {reset_url}. Did not ask? "
           "Ignore this."),
    ),
}

_GREETING = N_("Hello,")
_SIGNATURE = N_("The social work training system\n(This is an automatic message; please do not reply to it.)")
_NOT_SET = N_("to be announced")


def render(kind: NotificationKind | str, language: str, params: dict[str, Any]) -> Message:
    """The message of ``kind`` in ``language`` (``vi`` or ``en``) with ``params`` filled in."""
    words = WORDS[NotificationKind(kind)]
    language = language if language in ("vi", "en") else "vi"
    full = values(params, language)
    body = _(words.body, language=language, **full)
    text = f"{_(_GREETING, language=language)}\n\n{body}\n\n{_(_SIGNATURE, language=language)}\n"
    sms = sms_text(_(words.sms, language=language, **values(params, language, short=True)))
    return Message(subject=_(words.subject, language=language, **full), text=text, sms=sms[:SMS_LIMIT])


def values(params: dict[str, Any], language: str, short: bool = False) -> dict[str, str]:
    """Every value a message may name, formatted for ``language`` (``short``: cut for an SMS)."""
    def cut(text: str) -> str:
        return text if not short or len(text) <= _SHORT else text[:_SHORT - 3].rstrip() + "..."

    unset = _(_NOT_SET, language=language)
    course = (params.get("course_name_en") if language == "en" else None) or params.get("course_name") or ""
    base = base_url()
    out = {
        "class_code": str(params.get("class_code") or ""), "course": cut(str(course)),
        "start_date": day(params.get("start_date")), "end_date": day(params.get("end_date")),
        "session_date": day(params.get("session_date")), "old_session_date": day(params.get("old_session_date")),
        "start_time": clock(params.get("start_time")), "end_time": clock(params.get("end_time")),
        "old_start_time": clock(params.get("old_start_time")), "old_end_time": clock(params.get("old_end_time")),
        "venue": cut(str(params.get("venue") or unset)), "old_venue": cut(str(params.get("old_venue") or unset)),
        "topic": str(params.get("topic") or unset), "number": str(params.get("number") or ""),
        "issued_on": day(params.get("issued_on")), "expires_on": day(params.get("expires_on")),
        "verify_url": str(params.get("verify_url") or f"{base}/verify"),
        "secret_code": str(params.get("secret_code") or ""), "validity": validity(params, language),
        "me_url": f"{base}/me", "activate_url": f"{base}/activate", "reset_url": f"{base}/login/reset",
    }
    out["class_block"] = _(_CLASS, language=language, **out)
    out["session_block"] = _(_SESSION, language=language, **out)
    return out


def _local(value: Any) -> dt.datetime | dt.date | dt.time | None:
    """A date, time or date-time from a JSON value; an aware date-time in ``TRAINING_TIME_ZONE``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        parsed: Any = value
    else:
        text = str(value)
        parsed = None
        for parse in (dt.datetime.fromisoformat, dt.date.fromisoformat, dt.time.fromisoformat):
            try:
                parsed = parse(text)
                break
            except ValueError:
                continue
        if parsed is None:
            return None
    if isinstance(parsed, dt.datetime) and parsed.tzinfo is not None:
        parsed = parsed.astimezone(ZoneInfo(time_zone()))
    if isinstance(parsed, dt.datetime) and len(str(value)) == 10:  # a plain date parsed as midnight
        return parsed.date()
    return parsed


def day(value: Any) -> str:
    """dd/mm/yyyy (of a date, or of a date-time in the service's time zone); blank when there is none."""
    parsed = _local(value)
    return parsed.strftime("%d/%m/%Y") if isinstance(parsed, dt.date) else ""


def clock(value: Any) -> str:
    """HH:mm (of a time of day, or of a date-time in the service's time zone)."""
    parsed = _local(value)
    return parsed.strftime("%H:%M") if isinstance(parsed, dt.datetime | dt.time) else ""


def validity(params: dict[str, Any], language: str) -> str:
    """How long a one-time code works: until a time, or a number of hours or minutes."""
    until = _local(params.get("expires_at"))
    if isinstance(until, dt.datetime):
        return _("valid until {time} on {date}", language=language, time=clock(until), date=day(until))
    if params.get("valid_hours"):
        return _("valid for {count} hours", language=language, count=params["valid_hours"])
    if params.get("valid_minutes"):
        return _("valid for {count} minutes", language=language, count=params["valid_minutes"])
    return _("valid for a short time", language=language)


def sms_text(text: str) -> str:
    """The text for a GSM-7 SMS: Vietnamese without its marks (``filenames.ascii_text``), plain dashes and
    quotes, nothing else outside ASCII."""
    for fancy, plain in (("–", "-"), ("—", "-"), ("“", '"'), ("”", '"'), ("‘", "'"), ("’", "'"), ("…", "...")):
        text = text.replace(fancy, plain)
    return unicodedata.normalize("NFC", ascii_text(text)).encode("ascii", "ignore").decode("ascii")
