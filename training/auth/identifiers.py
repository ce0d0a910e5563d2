"""What a learner may type to sign in or to ask for a reset: her citizen ID (CCCD), phone, email or
username; and the rule that one such identifier names one account (issue 13).

``find_accounts`` answers every account the identifier names (normally one; two people sharing a phone
give two, and the caller asks for the citizen ID instead). ``contact_taken`` says whether an email or
a phone is already another account holder's, so a learner cannot take over someone else's identifier.
"""

from __future__ import annotations

import re
from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo.columns.combination import WhereRaw

from training.auth.tables import Account
from training.people.tables import Person

CITIZEN_ID = re.compile(r"^\d{12}$")


def normalise_phone(value: str | None) -> str:
    """Digits only, a leading +84 / 84 written as 0: "+84 912 345 678" → "0912345678"."""
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def kind_of(identifier: str) -> str:
    """citizen_id, email, phone or username."""
    text = (identifier or "").strip()
    if CITIZEN_ID.match(text):
        return "citizen_id"
    if "@" in text:
        return "email"
    if len(normalise_phone(text)) >= 9 and re.fullmatch(r"[\d\s.+()-]+", text):
        return "phone"
    return "username"


def same_email(email: str) -> WhereRaw:
    """The table's ``email`` equals this one, ignoring case. Not ILIKE: ``_`` and ``%`` are wildcards there,
    and "%@example.org" would name every account of that domain."""
    return WhereRaw("lower(email) = {}", email.strip().lower())


_FIELDS = (Account.user.id.as_alias("user_id"), Account.user.username.as_alias("username"),
           Account.user.active.as_alias("active"), Account.role, Account.person)


async def find_accounts(identifier: str) -> list[dict[str, Any]]:
    """The accounts an identifier names: {user_id, username, active, role, person}."""
    text = (identifier or "").strip()
    if not text:
        return []
    kind = kind_of(text)
    if kind == "username":
        return await Account.select(*_FIELDS).where(Account.user.username == text).run()
    if kind == "email":
        people = Person.select(Person.id).where(same_email(text))
        users = BaseUser.select(BaseUser.id).where(same_email(text))
        return await Account.select(*_FIELDS).where(
            Account.person.is_in(people) | Account.user.is_in(users)).run()
    if kind == "phone":
        people = Person.select(Person.id).where(Person.phone == normalise_phone(text))
    else:
        people = Person.select(Person.id).where(Person.citizen_id == text)
    return await Account.select(*_FIELDS).where(Account.person.is_in(people)).run()


async def contact_taken(person_id: int, email: str | None = None, phone: str | None = None) -> str | None:
    """``"email"`` or ``"phone"`` when another person who has an account already uses it; else None."""
    with_account = Account.select(Account.person).where(Account.person.is_not_null())
    if email and await Person.exists().where(
            same_email(email) & (Person.id != person_id) & Person.id.is_in(with_account)).run():
        return "email"
    if phone and await Person.exists().where(
            (Person.phone == normalise_phone(phone)) & (Person.id != person_id) & Person.id.is_in(with_account)).run():
        return "phone"
    return None
