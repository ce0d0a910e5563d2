"""Tables of coverage: targets, and the facts the figures are computed from."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    OnDelete,
    Varchar,
)
from piccolo.table import Table

from training.core.enums import (
    Level,
    StaffCategory,
)
from training.reference.tables import Province


class CoverageTarget(Table):
    """A target share of trained staff: national (no province) or for one province."""

    province = ForeignKey(references=Province, null=True, on_delete=OnDelete.cascade, index=True)
    staff_category = Varchar(length=20, choices=StaffCategory, null=True, default=None)
    level = Varchar(length=30, choices=Level, null=True, default=None)
    year = Integer()
    target_share = DoublePrecision()
    note = Varchar(length=255, default="")


class CompletionFact(Table):
    """Derived, one row per enrolment that is completed or has a certificate: what coverage counts.

    Maintained by ``training.coverage.facts`` (refresh_people / rebuild); never edited by hand.
    The person's province, category and commune are copied so that coverage reads one table.
    """

    enrolment = Integer(unique=True)
    person = Integer(index=True)
    province = Integer(index=True)
    legacy_province = Integer(null=True, default=None)
    commune = Integer(null=True, default=None)
    staff_category = Varchar(length=20)
    level = Varchar(length=30)
    completed_on = Date()
    valid = Boolean(default=True)


class CoverageFact(Table):
    """Derived, one row per trained person and level (plus one with level ``any``): the first date of a
    valid completion, with the person's province, category, commune and active period copied."""

    person = Integer(index=True)
    province = Integer(index=True)
    legacy_province = Integer(null=True, default=None)
    commune = Integer(null=True, default=None)
    staff_category = Varchar(length=20)
    active_from = Date(null=True, default=None)
    active_to = Date(null=True, default=None)
    level = Varchar(length=30)
    first_on = Date()
