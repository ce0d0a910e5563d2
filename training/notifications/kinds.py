"""Which kinds of message a learner may turn off (ADR 0036)."""

from __future__ import annotations

from training.core.enums import NotificationKind

# Reminders only: every other kind is a message the learner must get (her enrolment, a moved or
# cancelled session, her certificate, her account).
OPTIONAL_KINDS: frozenset[NotificationKind] = frozenset({
    NotificationKind.session_reminder,
    NotificationKind.certificate_expiring,
})


def is_optional(kind: NotificationKind | str) -> bool:
    return NotificationKind(kind) in OPTIONAL_KINDS
