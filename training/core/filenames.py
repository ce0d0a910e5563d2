"""Safe ASCII file names: the one helper for every name a file is stored or downloaded under.

Download names go into ``Content-Disposition`` headers and stored names into paths; both must be
plain ASCII that no browser, archive tool or file system reads as anything but a name.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def ascii_text(text: str | None) -> str:
    """Vietnamese text without its marks, case kept: "Đặng Thị Ánh" → "Dang Thi Anh"."""
    text = (text or "").replace("Đ", "D").replace("đ", "d")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def safe_filename(text: str | None, *, replacement: str = "-", max_length: int = 80, fallback: str = "_") -> str:
    """``text`` as a file name (or part of one): Vietnamese letters lose their marks (``ascii_text``),
    every character but ASCII letters, digits, ``-`` and ``_`` becomes ``replacement`` (so no ``/``, ``..``,
    quote or space survives), cut to ``max_length``; ``fallback`` when nothing is left."""
    return _UNSAFE.sub(replacement, ascii_text(text))[:max_length] or fallback
