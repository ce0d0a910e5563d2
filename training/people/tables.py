"""Tables of people and organisations, and the log of who read whose personal data."""

from __future__ import annotations

from piccolo.columns import (
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.readable import Readable
from piccolo.table import Table

from training.core.enums import (
    OrganisationKind,
    Sex,
    StaffCategory,
)
from training.reference.tables import Commune, LegacyProvince, Province


class Organisation(Table):
    name = Varchar(length=255)
    kind = Varchar(length=40, choices=OrganisationKind)
    province = ForeignKey(references=Province, null=True, on_delete=OnDelete.restrict, index=True)
    commune = ForeignKey(references=Commune, null=True, on_delete=OnDelete.set_null)
    parent = ForeignKey(references="self", null=True, on_delete=OnDelete.set_null)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.name])


class Person(Table):
    """A staff member and/or learner."""

    full_name = Varchar(length=150, index=True)
    date_of_birth = Date(null=True, default=None)
    sex = Varchar(length=10, choices=Sex)
    citizen_id = Varchar(length=20, null=True, default=None, unique=True)  # 12 digits, checked by the domain
    phone = Varchar(length=20, null=True, default=None)
    email = Varchar(length=150, null=True, default=None)
    staff_category = Varchar(length=20, choices=StaffCategory, index=True)
    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null)
    province = ForeignKey(references=Province, on_delete=OnDelete.restrict, index=True)
    commune = ForeignKey(references=Commune, null=True, on_delete=OnDelete.set_null)
    legacy_province = ForeignKey(references=LegacyProvince, null=True, on_delete=OnDelete.restrict)
    active_from = Date(null=True, default=None)
    active_to = Date(null=True, default=None)

    @classmethod
    def get_readable(cls) -> Readable:
        return Readable(template="%s", columns=[cls.full_name])


class PersonalDataAccess(Table):
    """Who read or exported personal data (PDPL): append-only, written by ``training.people.privacy``."""

    created_at = Timestamptz(index=True)
    user_id = Integer(null=True, default=None)  # no foreign key: the entry outlives the account
    username = Varchar(length=100, default="")
    role = Varchar(length=20, default="")
    action = Varchar(length=20)  # view / export / data-export / erase
    person = Integer(null=True, default=None, index=True)  # one person, or NULL for an export of many
    person_count = Integer(default=0)
    export = Varchar(length=120, default="")  # what was exported, e.g. "class-results:12"
    route = Varchar(length=255, default="")  # the request path, or "cli …"
