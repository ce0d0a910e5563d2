"""The outbox: every event that tells a learner something writes its messages here, in the event's own
transaction (ADR 0036). If the event rolls back, so do its messages; if it commits, the sender will
deliver them, however long the channel is down. Nothing here talks to a channel.

Call ``enqueue`` inside the transaction that records the event (Piccolo's transaction is the
caller's: the inserts below join it). ``key`` names the event (for example
``"certificate_issued:1234"`` or ``"session_reminder:77:12"``); with the channel it is unique, so an
event written twice — a retry, a replayed import, two reminder runs — gives one message per channel.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from training.core.config import default_language
from training.core.db import chunks
from training.core.enums import NotificationChannel, NotificationKind, NotificationStatus
from training.notifications.kinds import is_optional
from training.notifications.tables import LearnerPreference, Notification
from training.people.tables import Person

LANGUAGES = ("vi", "en")


def usable_email(email: str | None) -> str | None:
    """The address if a message can reach it (placeholder addresses of accounts without one cannot)."""
    email = (email or "").strip()
    if not email or "@" not in email or email.endswith(".invalid"):
        return None
    return email


def usable_phone(phone: str | None) -> str | None:
    phone = (phone or "").strip()
    return phone if sum(ch.isdigit() for ch in phone) >= 9 else None


async def preference_of(person_id: int) -> dict[str, Any]:
    """The learner's choices: language and reminders (defaults when she made none)."""
    row = await LearnerPreference.select(LearnerPreference.language, LearnerPreference.reminders).where(
        LearnerPreference.person == person_id).first().run()
    language = (row or {}).get("language") or default_language()
    return {"language": language if language in LANGUAGES else "vi",
            "reminders": True if row is None else bool(row["reminders"])}


def _row(kind: NotificationKind | str, channel: NotificationChannel, address: str, params: dict[str, Any],
         key: str, language: str | None, person_id: int | None, now: dt.datetime) -> Notification:
    language = language if language in LANGUAGES else default_language()
    return Notification(
        kind=NotificationKind(kind), person=person_id, channel=channel, address=address.strip()[:150],
        language=language, params=params, dedupe_key=f"{key}:{channel}"[:200],
        status=NotificationStatus.pending, attempts=0, next_attempt_at=now, last_error="", created_at=now)


async def enqueue_address(kind: NotificationKind | str, channel: NotificationChannel | str, address: str,
                          params: dict[str, Any], *, key: str, language: str | None = None,
                          person_id: int | None = None) -> int | None:
    """One message to one address; returns its id, or None when this (key, channel) is already queued."""
    row = _row(kind, NotificationChannel(channel), address, params, key, language, person_id, dt.datetime.now(dt.UTC))
    rows = await Notification.insert(row).on_conflict(
        target=Notification.dedupe_key, action="DO NOTHING").returning(Notification.id).run()
    return rows[0]["id"] if rows else None


async def enqueue(kind: NotificationKind | str, person_id: int, params: dict[str, Any], *, key: str) -> list[int]:
    """The messages of one event for one person: an email if she has an address, an SMS if she has a
    phone, in her language; nothing for an optional kind she turned off. Returns the new rows' ids."""
    person = await Person.select(Person.email, Person.phone).where(Person.id == person_id).first().run()
    if person is None:
        return []
    choice = await preference_of(person_id)
    if is_optional(kind) and not choice["reminders"]:
        return []
    ids = []
    for channel, address in ((NotificationChannel.email, usable_email(person["email"])),
                             (NotificationChannel.sms, usable_phone(person["phone"]))):
        if address:
            new = await enqueue_address(kind, channel, address, params, key=key, language=choice["language"],
                                        person_id=person_id)
            if new is not None:
                ids.append(new)
    return ids


async def enqueue_many(kind: NotificationKind | str, events: list[tuple[int, dict[str, Any], str]]) -> list[int]:
    """``enqueue`` for many people at once (a roster import, a class's certificates, a day's reminders):
    ``events`` are (person id, params, key). The people and their choices are read, and the messages
    inserted, a few hundred at a time, inside the caller's transaction. Returns the new rows' ids."""
    if not events:
        return []
    person_ids = sorted({person_id for person_id, _params, _key in events})
    people: dict[int, dict[str, Any]] = {}
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks(person_ids, 500):
        for p in await Person.select(Person.id, Person.email, Person.phone).where(Person.id.is_in(chunk)).run():
            people[p["id"]] = p
        for c in await LearnerPreference.select(LearnerPreference.person, LearnerPreference.language,
                                                LearnerPreference.reminders).where(
                LearnerPreference.person.is_in(chunk)).run():
            choices[c["person"]] = c
    optional = is_optional(kind)
    now = dt.datetime.now(dt.UTC)
    rows = []
    for person_id, params, key in events:
        person, choice = people.get(person_id), choices.get(person_id) or {}
        if person is None or (optional and choice.get("reminders") is False):
            continue
        for channel, address in ((NotificationChannel.email, usable_email(person["email"])),
                                 (NotificationChannel.sms, usable_phone(person["phone"]))):
            if address:
                language = choice.get("language")
                rows.append((str(NotificationKind(kind)), person_id, str(channel), address.strip()[:150],
                             language if language in LANGUAGES else default_language(), json.dumps(params),
                             f"{key}:{channel}"[:200], str(NotificationStatus.pending), 0, now, "", now))
    ids: list[int] = []
    for chunk in chunks(rows, 200):
        ids.extend(r["id"] for r in await _insert_rows(chunk))
    return ids


_COLUMNS = ("kind", "person", "channel", "address", "language", "params", "dedupe_key", "status", "attempts",
            "next_attempt_at", "last_error", "created_at")


async def _insert_rows(rows: list[tuple]) -> list[dict[str, Any]]:
    """One multi-row INSERT of outbox rows (tuples in ``_COLUMNS`` order), skipping keys already queued: a
    plain statement, because building a Piccolo object per message cost more than the event itself."""
    values = ", ".join("(" + ", ".join(["{}"] * len(_COLUMNS)) + ")" for _row in rows)
    sql = (f"INSERT INTO notification ({', '.join(_COLUMNS)}) VALUES {values} "
           "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id")
    return await Notification.raw(sql, *[value for row in rows for value in row]).run()
