"""User accounts and their roles."""

from __future__ import annotations

import secrets

from piccolo.apps.user.tables import BaseUser

from training.auth.access import SYSTEM, Actor
from training.auth.tables import Account
from training.classes.tables import Trainer
from training.core.enums import Role
from training.core.errors import DomainError
from training.core.i18n import N_
from training.people.tables import Person
from training.records.audit import audit
from training.reference.provinces import province_by_code


def generate_password() -> str:
    return secrets.token_urlsafe(12)


async def create_account(
    username: str,
    role: str,
    password: str,
    email: str | None = None,
    province_code: str | None = None,
    person_id: int | None = None,
    actor: Actor = SYSTEM,
    reset_password: bool = False,
) -> dict:
    """Create (or, with ``reset_password``, update) a user with its role; all or nothing."""
    if role not in {r.value for r in Role}:
        raise DomainError.single("unknown_role", N_(
            "Unknown role {role}: use coordinator, department, learner or trainer."), "role", role=role)
    province_id = None
    if role == Role.department:
        if not province_code:
            raise DomainError.single("department_needs_province",
                                     N_("a department account needs its province"), "province")
        province = await province_by_code(province_code)
        if province is None:
            raise DomainError.single("unknown_province", N_("There is no province with code {code}."),
                                     "province", code=province_code)
        province_id = province["id"]
    if role == Role.learner:
        if person_id is None or not await Person.exists().where(Person.id == person_id).run():
            raise DomainError.single("learner_needs_person", N_("a learner account needs its person"), "person")
    if role == Role.trainer:
        if person_id is None or not await Trainer.exists().where(Trainer.person == person_id).run():
            raise DomainError.single("trainer_needs_trainer", N_(
                "a trainer account needs a person who is a trainer (person {id} is not in the trainers list)"),
                "person", id=person_id if person_id is not None else "—")
    try:
        BaseUser._validate_password(password)
    except ValueError as exc:
        raise DomainError.single("weak_password", N_("The password is too short or too weak ({detail})."),
                                 "password", detail=str(exc)) from exc
    email = email or f"{username}@example.invalid"
    async with BaseUser._meta.db.transaction():
        existing = await BaseUser.objects().where(BaseUser.username == username).first().run()
        if existing is not None and not reset_password:
            raise DomainError.single("username_taken", N_("The username {username} is already taken."),
                                     "username", http_status=409, username=username)
        if existing is None:
            if await BaseUser.exists().where(BaseUser.email == email).run():
                raise DomainError.single("email_taken", N_("The email {email} is already used."),
                                         "email", http_status=409, email=email)
            user = await BaseUser.create_user(
                username=username, password=password, email=email, active=True,
                admin=role in (Role.coordinator, Role.department), superuser=role == Role.coordinator,
            )
        else:
            user = existing
            await BaseUser.update_password(user.id, password)
            await BaseUser.update({
                BaseUser.active: True,
                BaseUser.admin: role in (Role.coordinator, Role.department),
                BaseUser.superuser: role == Role.coordinator,
            }).where(BaseUser.id == user.id).run()
        values = {"role": role, "province": province_id, "person": person_id}
        account = await Account.select().where(Account.user == user.id).first().run()
        if account is None:
            await Account.insert(Account(user=user.id, **values)).run()
        else:
            await Account.update({getattr(Account, k): v for k, v in values.items()}).where(
                Account.id == account["id"]).run()
        after = await Account.select().where(Account.user == user.id).first().run()
        await audit(actor, "create" if account is None else "update", Account, after["id"], account, after)
    return {"user_id": user.id, "username": username, "role": role, "province_id": province_id,
            "person_id": person_id}


MIN_PASSWORD_LENGTH = 8


def check_new_password(password: str, again: str | None = None) -> None:
    """A password a learner chooses (activation, reset): at least 8 characters with a letter and a digit,
    typed the same twice. Raises DomainError (422) saying what to change."""
    password = password or ""
    if again is not None and password != again:
        raise DomainError.single("password_mismatch", N_("The two passwords are not the same: type it again."),
                                 "password")
    if (len(password) < MIN_PASSWORD_LENGTH or not any(ch.isalpha() for ch in password)
            or not any(ch.isdigit() for ch in password)):
        raise DomainError.single("weak_password", N_(
            "The password is too weak: use at least {length} characters with letters and digits."),
            "password", length=MIN_PASSWORD_LENGTH)
    try:
        BaseUser._validate_password(password)
    except ValueError as exc:
        raise DomainError.single("weak_password", N_("The password is too short or too weak ({detail})."),
                                 "password", detail=str(exc)) from exc
