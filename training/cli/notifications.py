"""``training notifications …``: the outbox's commands. ``send [--loop]`` delivers what is due (ADR 0037),
``status`` counts the messages of each status, ``remind`` writes the day's reminders (ADR 0043; run it once a
day: cron or a systemd timer, see the README)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import signal

from training.core.config import notify_interval
from training.core.enums import NotificationChannel, NotificationStatus, label
from training.core.i18n import _
from training.notifications.channels import configured_channels, setting_of
from training.notifications.reminders import enqueue_due
from training.notifications.sender import deliver_due, run_loop, status_counts
from training.reference.provinces import migrate_and_load_provinces


def warn_unconfigured() -> None:
    for channel in NotificationChannel:
        if channel not in configured_channels():
            print(_("The {channel} channel is not configured ({setting}): its messages wait in the outbox.",
                    channel=channel.value, setting=setting_of(channel)), flush=True)


def cmd_send(args: argparse.Namespace) -> int:
    async def once() -> dict[str, int]:
        await migrate_and_load_provinces()
        total = {"sent": 0, "retry": 0, "failed": 0, "left": 0}
        while True:  # every message due now, a batch at a time
            counts = await deliver_due(args.batch)
            for key, value in counts.items():
                total[key] += value
            if sum(counts.values()) < args.batch or counts["left"]:
                return total

    async def forever() -> None:
        await migrate_and_load_provinces()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_loop(interval, stop, limit=args.batch)

    warn_unconfigured()
    interval = args.interval or notify_interval()
    if args.loop:
        print(_("Delivering messages every {seconds} s until stopped (Ctrl+C).", seconds=interval), flush=True)
        asyncio.run(forever())
        return 0
    total = asyncio.run(once())
    print(_("{sent} sent, {retry} to be tried again, {failed} failed, {left} left for the next pass.", **total))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    async def run() -> dict[str, int]:
        await migrate_and_load_provinces()
        return await status_counts()

    counts = asyncio.run(run())
    for status in NotificationStatus:
        print(f"{label(NotificationStatus, status)} ({status.value}): {counts[status.value]}")
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    async def run():
        await migrate_and_load_provinces()
        return await enqueue_due(args.today)

    due = asyncio.run(run())
    print(_("Session reminders: {messages} message(s) for {sessions} session(s) tomorrow.",
            messages=due.session_messages, sessions=due.sessions))
    print(_("Certificate expiry reminders: {messages} message(s) for {certificates} certificate(s) expiring "
            "within 60 days.", messages=due.certificate_messages, certificates=due.certificates))
    return 0


def add_remind(actions) -> None:
    p = actions.add_parser("remind", help=_("Write the day's reminders to the outbox (run once a day; safe to "
                                            "run again)"))
    p.add_argument("--today", type=dt.date.fromisoformat, default=None,
                   help=_("the day to remind for, YYYY-MM-DD (default: today in TRAINING_TIME_ZONE)"))
    p.set_defaults(func=cmd_remind)


def register(sub) -> None:
    group = sub.add_parser("notifications", help=_("The outbox of messages to learners: deliver, count, remind"))
    actions = group.add_subparsers(dest="notifications_command", required=True)
    p = actions.add_parser("send", help=_("Deliver the messages that are due (once, or --loop until stopped)"))
    p.add_argument("--loop", action="store_true", help=_("keep delivering until stopped"))
    p.add_argument("--interval", type=float, default=None,
                   help=_("seconds between passes with --loop (default: TRAINING_NOTIFY_INTERVAL, 30)"))
    p.add_argument("--batch", type=int, default=50, help=_("messages taken at a time (default 50)"))
    p.set_defaults(func=cmd_send)
    p = actions.add_parser("status", help=_("How many messages are in each status"))
    p.set_defaults(func=cmd_status)
    add_remind(actions)
