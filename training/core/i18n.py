"""Localisation: the one helper every user-facing message goes through.

Catalogs live in ``locales/<lang>/LC_MESSAGES/messages.po`` (msgids in English, Vietnamese is
the default language). They are compiled in memory with Babel when first used, so nothing
compiled is ever committed or copied by hand. The current language is a context variable set
per request by ``training.web.app`` (query ``?lang=``, cookie ``lang``, then Accept-Language).
"""

from __future__ import annotations

import contextvars
import gettext
import io
from functools import cache
from pathlib import Path

# The catalogs are in the top-level ``locales/`` folder of the source tree, installed beside the
# ``training`` package (see pyproject.toml: ``locales`` is shipped as package data).
LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SUPPORTED = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (used at import time)."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    """Compile ``messages.po`` of a language to a GNU catalog in memory."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def get_language() -> str:
    return _current.get()


def set_language(language: str) -> contextvars.Token:
    return _current.set(language if language in SUPPORTED else DEFAULT_LANGUAGE)


def reset_language(token: contextvars.Token) -> None:
    _current.reset(token)


def _(message: str, /, language: str | None = None, **params: object) -> str:
    """Translate ``message`` into the current (or given) language, then format ``params``."""
    text = translations(language or get_language()).gettext(message)
    return text.format(**params) if params else text


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """Pick the language: explicit query parameter, then cookie, then Accept-Language, then vi."""
    for candidate in (query_lang, cookie_lang):
        if candidate and candidate.lower()[:2] in SUPPORTED:
            return candidate.lower()[:2]
    if accept_language:
        weighted = []
        for part in accept_language.split(","):
            piece = part.strip().split(";q=")
            tag = piece[0].strip().lower()[:2]
            try:
                q = float(piece[1]) if len(piece) > 1 else 1.0
            except ValueError:
                q = 0.0
            weighted.append((q, tag))
        for _q, tag in sorted(weighted, key=lambda x: -x[0]):
            if tag in SUPPORTED:
                return tag
    return DEFAULT_LANGUAGE
