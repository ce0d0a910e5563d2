"""Tables of notifications: the outbox and the learner's choices (ADR 0036)."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from training.core.enums import NotificationChannel, NotificationKind, NotificationStatus
from training.people.tables import Person


class Notification(Table):
    """One message to one address over one channel: written by ``outbox.enqueue`` in the same
    transaction as the event it tells of, delivered later by the sender, never twice.

    ``dedupe_key`` (the event's key plus the channel) is unique, so an event retried or replayed
    enqueues nothing new. ``params`` are the message's values; a key starting with ``secret_`` (a
    one-time code) is never shown in the admin and is blanked once the message is sent."""

    kind = Varchar(length=40, choices=NotificationKind, index=True)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.set_null, index=True)
    channel = Varchar(length=10, choices=NotificationChannel)
    address = Varchar(length=150, secret=True)
    language = Varchar(length=5, default="vi")
    params = JSON(default="{}")
    dedupe_key = Varchar(length=200, unique=True)
    status = Varchar(length=12, choices=NotificationStatus, default=NotificationStatus.pending, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(index=True)
    last_error = Text(default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


class LearnerPreference(Table):
    """A learner's choices for messages: the language (``vi`` or ``en``) and whether she wants the
    optional reminders. The legally needed messages are sent whatever she chose."""

    person = ForeignKey(references=Person, unique=True, on_delete=OnDelete.cascade)
    language = Varchar(length=5, default="vi")
    reminders = Boolean(default=True)
