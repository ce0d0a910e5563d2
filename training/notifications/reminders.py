"""The daily reminders (ADR 0043): not events but a job, ``training notifications remind``, run once a day by
cron or a systemd timer. ``enqueue_due(today)`` writes

- a **session reminder** to each learner holding a seat (registered or confirmed) in a class that is going
  ahead (planned, open, running), for each of its sessions tomorrow;
- a **certificate expiry reminder** to the holder of each valid certificate that expires within
  ``EXPIRY_NOTICE_DAYS`` days (once per certificate: a day the job missed is caught up the next day).

Both are optional kinds (``kinds.OPTIONAL_KINDS``): a learner who turned reminders off gets neither. Their keys
name the session and its date, or the certificate and its expiry, so running the job twice a day (or again
after a crash) enqueues nothing new; a session moved to another day gets its own reminder.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from certificates.issuing import certificate_params  # noqa
from certificates.tables import Certificate
from training.classes import notices, states
from training.classes.tables import ClassSession
from training.core.config import time_zone
from training.core.db import write_transaction
from training.core.enums import CertificateStatus, NotificationKind
from training.notifications.outbox import enqueue_many

EXPIRY_NOTICE_DAYS = 60


@dataclass
class Due:
    sessions: int = 0  # sessions tomorrow
    session_messages: int = 0
    certificates: int = 0  # certificates expiring within the notice
    certificate_messages: int = 0


async def _session_reminders(tomorrow: dt.date) -> tuple[int, int]:
    sessions = await ClassSession.select().where(
        (ClassSession.session_date == tomorrow)
        & ClassSession.training_class.status.is_in(states.ACTIVE_CLASS_STATUSES)).order_by(ClassSession.id).run()
    kind = NotificationKind.session_reminder
    events = []
    for session in sessions:
        params = await notices.session_params(session)
        events += [(person, params, f"{kind}:{session['id']}:{tomorrow.isoformat()}:{person}")
                   for person in await notices.learners_of(session["training_class"])]
    return len(sessions), len(await enqueue_many(kind, events))


async def _expiry_reminders(today: dt.date) -> tuple[int, int]:
    rows = await Certificate.select(
        Certificate.all_columns(), Certificate.enrolment.person.as_alias("person")).where(
        (Certificate.status == CertificateStatus.valid) & (Certificate.expires_on > today)
        & (Certificate.expires_on <= today + dt.timedelta(days=EXPIRY_NOTICE_DAYS))).order_by(Certificate.id).run()
    kind = NotificationKind.certificate_expiring
    events = [(r["person"], certificate_params(r), f"{kind}:{r['id']}:{r['expires_on'].isoformat()}") for r in rows]
    return len(rows), len(await enqueue_many(kind, events))


async def enqueue_due(today: dt.date | None = None) -> Due:
    """Write the reminders due on ``today`` (default: the service's today); safe to run again."""
    today = today or dt.datetime.now(ZoneInfo(time_zone())).date()
    due = Due()
    async with write_transaction():
        due.sessions, due.session_messages = await _session_reminders(today + dt.timedelta(days=1))
        due.certificates, due.certificate_messages = await _expiry_reminders(today)
    return due
