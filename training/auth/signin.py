"""Sign-in limits, shared by the admin's login and the learner's ``/login``, held in the database so
that they hold across workers and servers.

Only failures count. Each attempt first writes a ``login_failure`` row (username and client
address) in one transaction with the check, serialised by a lock (an advisory transaction lock on
PostgreSQL, BEGIN IMMEDIATE on SQLite): so N attempts at once can never all pass a limit of fewer
than N. The password is then checked outside the lock; a right one deletes its own row and nothing
else. Earlier failures stay until they age out of the window: a successful sign-in resets nothing,
so an attacker who also knows one password cannot interleave it to reset the count.

An attempt is refused (429, ``SignInLocked``) when the username or the client address already has
``TRAINING_LOGIN_RATE_LIMIT`` failures within ``TRAINING_LOGIN_WINDOW_MINUTES``.
"""

from __future__ import annotations

import datetime as dt
import math

from training.auth.tables import Account, LoginFailure
from training.core.config import login_max_failures, login_window_minutes
from training.core.db import as_utc, engine, write_transaction
from training.core.enums import Role
from training.core.errors import DomainError
from training.core.i18n import N_

# Any constant: the key of the advisory lock every sign-in check takes on PostgreSQL.
_LOCK_KEY = 7_301_024_011
VIETNAM = dt.timezone(dt.timedelta(hours=7))
# The address of the extra rows of one attempt (``begin_attempts``): no client address looks like it.
OTHER_NAME = "(same attempt)"


class SignInLocked(DomainError):
    status = 429

    def __init__(self, retry_at: dt.datetime):
        now = dt.datetime.now(dt.UTC)
        self.retry_after = max(1, math.ceil((retry_at - now).total_seconds()))
        super().__init__(DomainError.single(
            "too_many_failed_sign_ins",
            N_("Too many failed sign-ins for this account or from this address. Try again after {time} "
               "(in {minutes} minutes)."),
            time=retry_at.astimezone(VIETNAM).strftime("%H:%M"),
            minutes=max(1, math.ceil(self.retry_after / 60))).errors)


def normalise_username(username: str | None) -> str:
    return (username or "").strip().lower()[:150]


async def begin_attempt(username: str | None, address: str) -> int:
    """Check the limits and record this attempt as a failure, in one locked transaction; returns the
    row's id (give it to ``attempt_succeeded`` when the password was right). Raises SignInLocked."""
    return (await begin_attempts([username], address))[0]


async def begin_attempts(usernames: list[str | None], address: str) -> list[int]:
    """``begin_attempt`` counted against several names at once: the identifier typed (normalised) and the
    username of every account it names, so that typing another identifier of the same account (her phone
    after her CCCD) never starts a new count. The first name's row carries the client address; the others
    carry ``OTHER_NAME`` so that one attempt counts once against the address."""
    now = dt.datetime.now(dt.UTC)
    window = dt.timedelta(minutes=login_window_minutes())
    cutoff = now - window
    limit = login_max_failures()
    keys = list(dict.fromkeys(normalise_username(u) for u in usernames))
    address = (address or "")[:64]
    async with write_transaction():
        if engine().engine_type == "postgres":
            await LoginFailure.raw(f"SELECT pg_advisory_xact_lock({_LOCK_KEY})").run()
        await LoginFailure.delete().where(LoginFailure.created_at < cutoff).run()
        checks = [(LoginFailure.username, key) for key in keys] + [(LoginFailure.address, address)]
        for column, value in checks:
            rows = await LoginFailure.select(LoginFailure.created_at).where(
                (column == value) & (LoginFailure.created_at >= cutoff)).order_by(LoginFailure.created_at).run()
            if len(rows) >= limit:
                raise SignInLocked(as_utc(rows[len(rows) - limit]["created_at"]) + window)
        inserted = await LoginFailure.insert(*[
            LoginFailure(username=key, address=address if i == 0 else OTHER_NAME, created_at=now)
            for i, key in enumerate(keys)]).returning(LoginFailure.id).run()
    return [row["id"] for row in inserted]


async def attempt_succeeded(attempt_id: int | list[int]) -> None:
    """The password was right (or the attempt never reached it): this attempt is not a failure."""
    ids = attempt_id if isinstance(attempt_id, list) else [attempt_id]
    await LoginFailure.delete().where(LoginFailure.id.is_in(ids)).run()


async def role_of(username: str | None) -> str | None:
    """The role of the account with this username (None if there is none)."""
    row = await Account.select(Account.role).where(
        Account.user.username == (username or "").strip()).first().run()
    return row["role"] if row else None


async def is_learner(username: str | None) -> bool:
    return await role_of(username) == Role.learner



