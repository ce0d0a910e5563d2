"""How a certificate number is made.

- **Số vào sổ** (register number) runs 1, 2, 3 … per issuing organisation and year. The next one is
  read inside a write transaction that holds the issuer (BEGIN IMMEDIATE on SQLite,
  ``SELECT … FOR UPDATE`` of the organisation row on PostgreSQL; see ``certificates.issuing``) and a
  unique index backs it; certificate rows are never deleted, so a number is never repeated or skipped.
- **Số hiệu** (certificate number) is ``<prefix>-<year>-<register, 6 digits>``, the prefix being
  unique per issuer (``IssuerProfile.number_prefix``, by default derived from the organisation, see
  ``training.records.validation.default_number_prefix``; its format is
  ``training.records.validation.NUMBER_PREFIX``), so it is unique nationally.
"""

from __future__ import annotations

from typing import Any

from certificates.tables import Certificate
from training.core.errors import DomainError
from training.core.i18n import N_
from training.core.text import clean_text
from training.records.validation import NUMBER_PREFIX, default_number_prefix


def number_prefix(profile: dict[str, Any]) -> str:
    """The issuer's number prefix, checked again here: it becomes part of numbers and file names."""
    prefix = (profile["number_prefix"] or default_number_prefix(profile["organisation"])).upper()
    if not NUMBER_PREFIX.fullmatch(prefix):
        raise DomainError.single("number_prefix_format", N_(
            "The number prefix \"{value}\" of this issuer is not allowed (2 to 12 capital letters, digits or "
            "hyphens); correct it under Issuer profiles first."), "number_prefix", value=prefix[:40])
    return prefix


def certificate_number(prefix: str, year: int, register: int) -> str:
    """Số hiệu: ``<prefix>-<year>-<register number on 6 digits>``."""
    return f"{prefix}-{year}-{register:06d}"


async def next_register_number(issuer_id: int, year: int) -> int:
    """The next số vào sổ of this issuer in this year (the caller holds the issuer's lock)."""
    last = await Certificate.select(Certificate.register_number).where(
        (Certificate.issuer == issuer_id) & (Certificate.register_year == year)).order_by(
        Certificate.register_number, ascending=False).first().run()
    return (last["register_number"] if last else 0) + 1


def clean_number(number: str) -> str:
    """A certificate number as typed, cleaned for lookup: upper case, at most 40 characters."""
    return (clean_text(number) or "").upper()[:40]
