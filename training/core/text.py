"""Clean text: the one normalisation of every text that enters the service (typed, imported, pasted).

In core because the spreadsheet reader cleans cells before any domain rule sees them; the row
validation (``training.records.validation.clean``) applies it to every text column.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def strip_controls(value: str) -> str:
    """The text without control characters (NUL, ESC, DEL, C1 …) and invisible format characters
    (zero-width, BOM, soft hyphen, bidirectional overrides that make a name read backwards on
    screen and on a certificate). Tabs and line breaks become spaces in ``clean_text``."""
    if value.isprintable():  # the common case, decided in C
        return value
    return "".join(ch for ch in value
                   if ch in "\t\n\r" or unicodedata.category(ch) not in _UNSEEN_CATEGORIES)


_UNSEEN_CATEGORIES = {"Cc", "Cf"}


def clean_text(value: str | None) -> str | None:
    """NFC, control and invisible characters removed, trimmed, inner whitespace collapsed to one
    space (names pasted from Excel, Word or macOS). Every text column passes through here
    (``clean``), as do imported cells and certificate fields."""
    if value is None:
        return None
    return _SPACES.sub(" ", strip_controls(unicodedata.normalize("NFC", value))).strip()


def clean_multiline(value: str | None) -> str | None:
    if value is None:
        return None
    lines = [clean_text(line) or "" for line in value.splitlines()]
    return "\n".join(lines).strip()
