"""The words of each message (ADR 0036): ``render(kind, language, params)`` gives the email's subject
and text and the SMS text, in the learner's language. The sender calls it at delivery time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from training.core.enums import NotificationKind, label


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    sms: str


def render(kind: NotificationKind | str, language: str, params: dict[str, Any]) -> Message:
    """The message of ``kind`` in ``language`` with ``params`` filled in."""
    title = label(NotificationKind, kind, language)
    details = "\n".join(f"{name}: {value}" for name, value in sorted(params.items()))
    return Message(subject=title, text=f"{title}\n\n{details}".strip(), sms=f"{title}. {details}".strip()[:320])
