"""``training notifications …``: the outbox's commands. ``remind`` writes the day's reminders (ADR 0043); run it
once a day (cron or a systemd timer, see the README). Exit code 2 on any error."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt

from training.core.i18n import _
from training.notifications.reminders import enqueue_due
from training.reference.provinces import migrate_and_load_provinces


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
    group = sub.add_parser("notifications", help=_("Notifications: the day's reminders"))
    actions = group.add_subparsers(dest="notifications_command", required=True)
    add_remind(actions)
