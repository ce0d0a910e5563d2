"""Tables of the reference data.

Province codes: ``Province`` holds the 34 units of 2025, ``LegacyProvince`` the 63 units
before the 2025 merger with the 2025 unit each maps to. The two tables keep the two code
systems apart (codes such as 15, 24, 44 are reused with new meanings).
"""

from __future__ import annotations

from piccolo.columns import (
    ForeignKey,
    OnDelete,
    Varchar,
)
from piccolo.columns.readable import Readable
from piccolo.table import Table


class Province(Table):
    """A provincial-level unit in force since 1 July 2025 (34 units)."""

    code = Varchar(length=2, unique=True, index=True)
    name = Varchar(length=100)
    kind = Varchar(length=20)  # "tỉnh" or "thành phố": data, changes by resolution

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s - %s", columns=[cls.code, cls.name])


class LegacyProvince(Table):
    """One of the 63 provincial units before the 2025 merger, mapped to its 2025 unit."""

    code = Varchar(length=2, unique=True, index=True)
    name = Varchar(length=100)
    kind = Varchar(length=20)
    province = ForeignKey(references=Province, on_delete=OnDelete.restrict, index=True)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s - %s (trước 2025)", columns=[cls.code, cls.name])


class Commune(Table):
    """A commune-level unit (xã / phường / đặc khu), imported from the statistics office list."""

    code = Varchar(length=5, unique=True, index=True)
    name = Varchar(length=100)
    province = ForeignKey(references=Province, on_delete=OnDelete.restrict, index=True)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])
