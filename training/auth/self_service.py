"""What a signed-in learner changes herself at ``/me`` (issue 13, ADR 0039): her password, her contact
details (email, phone) and her message preferences (language, reminders).

- ``change_password``: the current password must be right, the new one typed twice and acceptable to
  piccolo's rules; every other session of the account is ended (a thief's session dies with the old
  password). Audited (without the passwords).
- ``change_contacts``: the complete person row is checked by the one row rule
  (``training.records.validation.clean``); an email or phone another account holder already uses is
  refused (``identifiers.contact_taken``), decided inside one lock so two learners claiming the same
  phone at once cannot both get it; the phone is stored as ``0…`` digits so that she can sign in with it.
- ``set_preferences``: ``LearnerPreference`` (language of messages, reminders on or off; the legally
  needed messages are sent whatever she chose: ``training.notifications.kinds``).
"""

from __future__ import annotations

from typing import Any

from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from training.auth.access import Actor
from training.auth.identifiers import contact_taken, normalise_phone
from training.core.db import engine, lock_row, write_transaction
from training.core.enums import Role
from training.core.errors import Conflict, DomainError, PermissionDenied
from training.core.i18n import N_
from training.notifications.tables import LearnerPreference
from training.people.tables import Person
from training.records.audit import audit
from training.records.validation import clean

# Any constant: the advisory lock every contact change takes on PostgreSQL (SQLite: BEGIN IMMEDIATE).
_CONTACT_LOCK = 7_301_024_013
LANGUAGES = ("vi", "en")


def _own_person(actor: Actor) -> int:
    if actor.role != Role.learner or actor.person_id is None:
        raise PermissionDenied.single("learners_only",
                                      N_("This page is for learners signed in with their own account."))
    return actor.person_id


async def change_password(actor: Actor, current: str, new: str, repeated: str, keep_session: str | None) -> None:
    """Change the actor's password; end every session of the account but ``keep_session``."""
    user = await BaseUser.select(BaseUser.id, BaseUser.username).where(BaseUser.id == actor.user_id).first().run()
    if user is None or await BaseUser.login(username=user["username"], password=current or "") is None:
        raise DomainError.single("wrong_current_password", N_("The current password is not correct."),
                                 "current_password", http_status=400)
    if new != repeated:
        raise DomainError.single("passwords_differ", N_("The two new passwords are not the same. Type it again."),
                                 "new_password", http_status=400)
    if new == current:
        raise DomainError.single("password_unchanged", N_("The new password must differ from the current one."),
                                 "new_password", http_status=400)
    try:
        BaseUser._validate_password(new)
    except ValueError as exc:
        raise DomainError.single("weak_password", N_("The password is too short or too weak ({detail})."),
                                 "new_password", http_status=400, detail=str(exc)) from exc
    async with write_transaction():
        await BaseUser.update_password(user["id"], new)
        others = SessionsBase.delete().where(SessionsBase.user_id == user["id"])
        if keep_session:
            others = others.where(SessionsBase.token != keep_session)
        await others.run()
        await audit(actor, "update", "piccolo_user", user["id"], None, {"password": "(changed)"})


async def change_contacts(actor: Actor, email: str, phone: str) -> dict[str, Any]:
    """Set the learner's own email and phone (either may be empty); returns the person's new values."""
    person_id = _own_person(actor)
    email, phone = (email or "").strip().lower(), (phone or "").strip()
    async with write_transaction():
        if engine().engine_type == "postgres":
            await Person.raw(f"SELECT pg_advisory_xact_lock({_CONTACT_LOCK})").run()
        await lock_row(Person, person_id)
        before = await Person.select().where(Person.id == person_id).first().run()
        data = await clean(Person, {**before, "email": email or None, "phone": phone or None}, person_id)
        data["phone"] = normalise_phone(data.get("phone")) or None
        taken = await contact_taken(person_id, data.get("email"), data.get("phone"))
        if taken == "email":
            raise Conflict.single("email_taken", N_("This email is already used by another account. Use your own "
                                                    "email, or ask the training centre."), "email")
        if taken == "phone":
            raise Conflict.single("phone_taken", N_("This phone number is already used by another account. Use "
                                                    "your own number, or ask the training centre."), "phone")
        await Person.update({Person.email: data.get("email"), Person.phone: data.get("phone")}).where(
            Person.id == person_id).run()
        after = await Person.select().where(Person.id == person_id).first().run()
        await audit(actor, "update", Person, person_id, before, after)
    return {"email": after["email"] or "", "phone": after["phone"] or ""}


async def preferences(person_id: int) -> dict[str, Any]:
    """The learner's message preferences (the defaults when she chose none)."""
    row = await LearnerPreference.select(LearnerPreference.language, LearnerPreference.reminders).where(
        LearnerPreference.person == person_id).first().run()
    return row or {"language": "vi", "reminders": True}


async def set_preferences(actor: Actor, language: str, reminders: bool) -> dict[str, Any]:
    """Save the learner's language of messages and whether she wants reminders."""
    person_id = _own_person(actor)
    if language not in LANGUAGES:
        raise DomainError.single("unknown_language", N_("Choose Vietnamese or English."), "language",
                                 http_status=400)
    async with write_transaction():
        before = await LearnerPreference.select().where(LearnerPreference.person == person_id).first().run()
        if before is None:
            await LearnerPreference.insert(LearnerPreference(person=person_id, language=language,
                                                             reminders=reminders)).run()
        else:
            await LearnerPreference.update({LearnerPreference.language: language,
                                            LearnerPreference.reminders: reminders}).where(
                LearnerPreference.id == before["id"]).run()
        after = await LearnerPreference.select().where(LearnerPreference.person == person_id).first().run()
        await audit(actor, "create" if before is None else "update", LearnerPreference, after["id"], before, after)
    return {"language": after["language"], "reminders": after["reminders"]}
