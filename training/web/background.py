"""Background work of ``training serve``: the notification sender (ADR 0037), one per worker process.
Every worker of every server may run it: the sender's claim keeps each message to one delivery.
TRAINING_NOTIFY_SENDER=0 turns it off (for example when a separate ``training notifications send
--loop`` runs instead); TRAINING_NOTIFY_INTERVAL sets the pause between passes."""

from __future__ import annotations

import asyncio
import contextlib

from litestar import Litestar

from training.core.config import notify_interval, notify_sender
from training.notifications.sender import run_loop


def start_sender(app: Litestar) -> None:
    if not notify_sender():
        return
    stop = asyncio.Event()
    app.state.sender_stop = stop
    app.state.sender_task = asyncio.create_task(run_loop(notify_interval(), stop), name="notification-sender")


async def stop_sender(app: Litestar) -> None:
    """Let the pass under way finish its current message, then stop (cancelled after 30 s)."""
    task = getattr(app.state, "sender_task", None)
    if task is None:
        return
    app.state.sender_stop.set()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, timeout=30)
