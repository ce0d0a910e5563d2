"""Sign-in at ``/login`` with a citizen ID (CCCD), phone, email or username plus the password (issue 13,
ADR 0039), with errors that say what to do and never say whether an identifier exists.

- The identifier is resolved by ``training.auth.identifiers.find_accounts``. Failures count against the
  identifier as typed (normalised: a phone as ``0…`` digits, an email in lower case) AND against the
  username of every account it names (``signin.begin_attempts``): typing her phone after ten wrong tries
  with her CCCD is still refused.
- Unknown identifier and wrong password get the same message (and the same hashing work).
- An identifier naming several accounts (two people sharing a phone): the password is tried on each; the
  one account it opens is signed in; if it opens none, the same "not correct" message; if several, the
  learner is asked for her citizen ID.
- "Not activated yet" is said only after the right password, so it reveals nothing to a guesser.
"""

from __future__ import annotations

from typing import Any

from piccolo.apps.user.tables import BaseUser

from training.auth.identifiers import find_accounts, kind_of, normalise_phone
from training.auth.signin import attempt_succeeded, begin_attempts
from training.core.errors import DomainError
from training.core.i18n import N_

WRONG = N_("The identifier or the password is not correct. Check them again, or click \"Forgot password?\".")
AMBIGUOUS = N_("This phone or email belongs to more than one account. Sign in with your citizen ID (CCCD) "
               "instead.")
NOT_ACTIVATED = N_("Your account is not activated yet. Activate it with the code you received (\"Activate "
                   "account\"), then sign in.")


class SignInRefused(DomainError):
    """A refused sign-in: ``code`` says which case (``wrong``, ``ambiguous``, ``not_activated``)."""

    def __init__(self, code: str, message: str, status: int):
        super().__init__(DomainError.single(code, message).errors, status=status)


def typed_key(identifier: str) -> str:
    """The identifier as the failure count knows it: a phone as its ``0…`` digits, the rest trimmed
    (``signin.normalise_username`` lowers the case)."""
    text = (identifier or "").strip()
    return normalise_phone(text) if kind_of(text) == "phone" else text


async def _opens(account: dict[str, Any], password: str) -> bool:
    return await BaseUser.login(username=account["username"], password=password) is not None


async def sign_in(identifier: str, password: str, address: str) -> dict[str, Any]:
    """The account (``find_accounts``' row) this identifier and password open, active; raises
    ``signin.SignInLocked`` (too many failures) or ``SignInRefused``."""
    accounts = await find_accounts(identifier)
    attempt = await begin_attempts([typed_key(identifier), *(a["username"] for a in accounts)], address)
    if not accounts:
        BaseUser.hash_password(password)  # the same work as a wrong password: no timing difference
        raise SignInRefused("wrong", WRONG, 401)
    opened = [a for a in accounts if await _opens(a, password)]
    if not opened:  # the attempt's rows stay: one more failure for each name
        raise SignInRefused("wrong", WRONG, 401)
    await attempt_succeeded(attempt)
    if len(opened) > 1:
        raise SignInRefused("ambiguous", AMBIGUOUS, 409)
    if not opened[0]["active"]:
        raise SignInRefused("not_activated", NOT_ACTIVATED, 403)
    return opened[0]
