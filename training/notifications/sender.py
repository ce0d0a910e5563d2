"""The sender (ADR 0037): takes due messages out of the outbox, delivers them, records each outcome.

Never twice, with any number of senders (CLI loops, every worker of every server):

1. **Claim** in a short write transaction: the due rows (``pending``, or ``sending`` whose claim ran out)
   are read with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (under the database write lock on SQLite) and
   moved to ``sending``, with ``attempts`` + 1 and ``next_attempt_at`` = the end of the claim. A row
   another sender is claiming is skipped; a row it claimed is no longer due.
2. **Deliver** outside any transaction.
3. **Record** the outcome only if the row is still ours: ``status = 'sending'`` and ``attempts`` = the
   value we set (a fencing token: if our claim ran out and another sender took the row, its try raised
   ``attempts`` and our late write changes nothing).

A sender killed between 1 and 3 leaves rows ``sending``; they are due again when the claim runs out
(TRAINING_NOTIFY_CLAIM_SECONDS) and tried again: at-least-once at the channel in exactly that case.
A sender never starts a delivery it could not finish within its claim.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from typing import Any

from training.auth.access import Actor
from training.core.config import (
    notify_claim_seconds,
    notify_max_attempts,
    notify_retry_max_seconds,
    notify_retry_seconds,
    notify_timeout,
)
from training.core.db import engine, write_transaction
from training.core.enums import NotificationChannel, NotificationStatus
from training.core.errors import DomainError
from training.core.i18n import N_, _
from training.notifications.channels import Delivery, Outgoing, configured_channels, deliver, setting_of
from training.notifications.messages import render
from training.notifications.tables import Notification
from training.records.audit import audit

log = logging.getLogger("training.notifications")

N = Notification
SENDING, PENDING = NotificationStatus.sending, NotificationStatus.pending
SENT, FAILED = NotificationStatus.sent, NotificationStatus.failed
STOPPED = N_("The sender stopped while delivering this message (it may have arrived); tried too often.")
NOT_CONFIGURED = N_("Waiting: the {channel} channel is not configured ({setting}).")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def backoff(attempts: int) -> dt.timedelta:
    """The wait after ``attempts`` failed tries: the base, doubled after each further try, capped."""
    seconds = notify_retry_seconds() * (2 ** max(0, attempts - 1))
    return dt.timedelta(seconds=min(seconds, notify_retry_max_seconds()))


def locked(query, skip_locked: bool = False):
    """``query`` locking the rows it reads until the transaction ends: FOR UPDATE (SKIP LOCKED: rows
    another transaction holds are left out) on PostgreSQL; SQLite's write transaction locks the database."""
    if engine().engine_type == "postgres":
        return query.lock_rows("UPDATE", skip_locked=skip_locked)
    return query


def loaded(params: Any) -> dict[str, Any]:
    if isinstance(params, str):
        params = json.loads(params or "{}")
    return dict(params or {})


def without_secrets(params: Any) -> dict[str, Any]:
    """``params`` with every ``secret_`` value blanked (a sent one-time code is kept nowhere)."""
    return {k: ("" if k.startswith("secret_") else v) for k, v in loaded(params).items()}


def shown_params(params: Any) -> Any:
    """``params`` as the admin shows them: a ``secret_`` value (a one-time code) never appears (ADR 0036).
    JSON text stays JSON text."""
    hidden = {k: ("•••" if k.startswith("secret_") and v else v) for k, v in loaded(params).items()}
    return json.dumps(hidden, ensure_ascii=False) if isinstance(params, str) else hidden


async def claim_due(limit: int, now: dt.datetime, channels: frozenset[str]) -> list[dict[str, Any]]:
    """Take up to ``limit`` due messages of ``channels`` for this sender (see the module's docstring)."""
    if not channels or limit <= 0:
        return []
    due = ((N.status == PENDING) | (N.status == SENDING)) & (N.next_attempt_at <= now) & N.channel.is_in(list(channels))
    query = N.select(N.id, N.kind, N.channel, N.address, N.language, N.params, N.attempts, N.status).where(due) \
        .order_by(N.next_attempt_at).order_by(N.id).limit(limit)
    async with write_transaction():
        rows = await locked(query, skip_locked=True).run()
        worn = [r["id"] for r in rows if r["status"] == SENDING and r["attempts"] >= notify_max_attempts()]
        if worn:  # killed mid-delivery on its last try: give up rather than try again
            await N.update({N.status: FAILED, N.last_error: _(STOPPED), N.next_attempt_at: now}).where(
                N.id.is_in(worn)).run()
        claimed = [r for r in rows if r["id"] not in worn]
        if claimed:
            await N.update({N.status: SENDING, N.attempts: N.attempts + 1,
                            N.next_attempt_at: now + dt.timedelta(seconds=notify_claim_seconds())}).where(
                N.id.is_in([r["id"] for r in claimed])).run()
    for row in claimed:
        row["attempts"] += 1
    return claimed


def outgoing(row: dict[str, Any]) -> Outgoing:
    """The message's words, rendered now in its language from its params."""
    message = render(row["kind"], row["language"], loaded(row["params"]))
    return Outgoing(id=row["id"], channel=row["channel"], address=row["address"], kind=row["kind"],
                    language=row["language"], subject=message.subject, text=message.text, sms=message.sms,
                    attempt=row["attempts"])


async def record(row: dict[str, Any], result: Delivery, now: dt.datetime) -> str | None:
    """Write the outcome of our try, if the row is still ours; returns the new status (None: not ours)."""
    if result.sent:
        values = {N.status: SENT, N.sent_at: now, N.last_error: "", N.params: without_secrets(row["params"])}
    elif result.permanent or row["attempts"] >= notify_max_attempts():
        values = {N.status: FAILED, N.last_error: result.reason, N.next_attempt_at: now}
    else:
        values = {N.status: PENDING, N.last_error: result.reason,
                  N.next_attempt_at: now + backoff(row["attempts"])}
    ours = (N.id == row["id"]) & (N.status == SENDING) & (N.attempts == row["attempts"])
    done = await N.update(values).where(ours).returning(N.id).run()
    if not done:
        log.warning("notification %s: another sender took it over; outcome not recorded", row["id"])
        return None
    return str(values[N.status])


async def release(rows: list[dict[str, Any]]) -> None:
    """Give back claimed rows not tried (the claim is running out): due again at once, try not counted."""
    for row in rows:
        await N.update({N.status: PENDING, N.attempts: N.attempts - 1, N.next_attempt_at: now_utc()}).where(
            (N.id == row["id"]) & (N.status == SENDING) & (N.attempts == row["attempts"])).run()


async def note_unconfigured(channels: frozenset[str]) -> None:
    """Say on each waiting message of a channel without settings why it waits (shown in the admin)."""
    for channel in NotificationChannel:
        if channel in channels:
            continue
        note = _(NOT_CONFIGURED, channel=channel.value, setting=setting_of(channel))
        await N.update({N.last_error: note}).where(
            (N.status == PENDING) & (N.channel == channel) & (N.last_error == "")).run()


async def deliver_due(limit: int = 50, now: dt.datetime | None = None) -> dict[str, int]:
    """One pass: claim up to ``limit`` due messages, deliver each, record each outcome. Returns how many
    were sent, will be retried, failed, or were left (claim running out, or taken over)."""
    channels = configured_channels()
    await note_unconfigured(channels)
    start = now or now_utc()
    rows = await claim_due(limit, start, channels)
    counts = {"sent": 0, "retry": 0, "failed": 0, "left": 0}
    deadline = start + dt.timedelta(seconds=notify_claim_seconds() - notify_timeout() - 1)
    for index, row in enumerate(rows):
        clock = now or now_utc()
        if clock >= deadline:
            await release(rows[index:])
            counts["left"] += len(rows) - index
            break
        result = await deliver(outgoing(row))
        status = await record(row, result, now or now_utc())
        key = {SENT: "sent", FAILED: "failed", PENDING: "retry"}.get(status, "left")
        counts[key] += 1
        if not result.sent:
            log.info("notification %s (%s) not sent: %s", row["id"], row["channel"], result.reason)
    return counts


async def run_loop(interval: float, stop: asyncio.Event, limit: int = 50) -> None:
    """Passes every ``interval`` seconds (at once again while a pass fills its batch) until ``stop`` is set.
    A failing pass (database down) is logged and the loop goes on."""
    while not stop.is_set():
        try:
            counts = await deliver_due(limit)
        except Exception:  # noqa: BLE001 (the loop outlives a database restart)
            log.exception("notification sender: the pass failed")
            counts = {}
        if sum(counts.values()) >= limit:
            continue
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval)
        except TimeoutError:
            pass


async def retry_failed(notification_id: int, actor: Actor) -> dict[str, Any]:
    """A coordinator sends a failed message again: pending, tries counted afresh, due now; audited."""
    if not actor.is_coordinator:
        raise DomainError.single("forbidden", N_("Only training coordinators can send a message again."),
                                 http_status=403)
    async with write_transaction():
        found = await locked(N.select(N.id, N.status, N.attempts, N.last_error).where(N.id == notification_id)).run()
        before = found[0] if found else None
        if before is None:
            raise DomainError.single("not_found", N_("There is no message with ID {id}."), "id",
                                     http_status=404, id=notification_id)
        if before["status"] != FAILED:
            raise DomainError.single("not_failed", N_("Only a message that could not be sent can be sent again."),
                                     "id", http_status=409)
        after = {"status": str(PENDING), "attempts": 0, "last_error": ""}
        await N.update({N.status: PENDING, N.attempts: 0, N.last_error: "", N.next_attempt_at: now_utc()}).where(
            N.id == notification_id).run()
        await audit(actor, "retry", N, notification_id, dict(before), after)
    return {"id": notification_id, **after}


async def status_counts() -> dict[str, int]:
    """How many messages are in each status (every status named, 0 when none)."""
    rows = await N.raw("SELECT status, COUNT(*) AS n FROM notification GROUP BY status").run()
    counts = {status.value: 0 for status in NotificationStatus}
    counts.update({r["status"]: int(r["n"]) for r in rows})
    return counts
