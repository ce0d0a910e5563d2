"""API tokens for scripted calls: created, listed, revoked and checked in one place.

A token is shown once, when it is created; only its SHA-256 is stored (a secret column the admin
never returns). Each token works until ``expires_at`` (``TRAINING_TOKEN_DAYS``, default 90 days
after creation) or until it is revoked, whichever comes first. ``last_used_at`` tells an operator
which tokens are still in use before revoking one; it is written at most once a minute per token,
so a script calling the API in a loop does not turn every read into a write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from piccolo.apps.user.tables import BaseUser

from training.auth.tables import ApiToken
from training.core.config import token_days
from training.core.db import as_utc, write_transaction
from training.core.errors import DomainError
from training.core.i18n import N_

TOKEN_PREFIX = "trn_"
LAST_USED_EVERY = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)




@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked: bool

    def state(self, now: dt.datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or _now()):
            return "expired"
        return "active"


async def create_token(username: str, days: int | None = None, label: str = "") -> str:
    """A new bearer token for a user, working for ``days`` (default TRAINING_TOKEN_DAYS)."""
    if days is not None and not 1 <= days <= 3660:
        raise DomainError.single("invalid_days", N_("A token must work for 1 to 3660 days, not {days}."),
                                 "days", http_status=400, days=days)
    user = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first().run()
    if user is None:
        raise DomainError.single("unknown_user", N_("There is no user named {username}."), "username",
                                 http_status=404, username=username)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = _now()
    await ApiToken.insert(ApiToken(
        user=user["id"], token_hash=hash_token(token), created_at=now, label=(label or "").strip()[:100],
        expires_at=now + dt.timedelta(days=days or token_days()))).run()
    return token


async def user_id_for_token(token: str) -> int | None:
    """The user a presented token belongs to, or None when it is unknown, revoked or expired.
    Records when it was last used."""
    row = await ApiToken.select(ApiToken.id, ApiToken.user, ApiToken.expires_at, ApiToken.last_used_at).where(
        (ApiToken.token_hash == hash_token(token)) & (ApiToken.revoked == False)  # noqa: E712
    ).first().run()
    if row is None:
        return None
    now = _now()
    expires_at = as_utc(row["expires_at"])
    if expires_at is not None and expires_at <= now:
        return None
    last_used = as_utc(row["last_used_at"])
    if last_used is None or now - last_used >= LAST_USED_EVERY:
        # Through the write queue: an autocommit UPDATE would poll SQLite's busy handler and starve behind
        # the queued writers (seconds under load; ADR 0042).
        async with write_transaction():
            await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"]).run()
    return row["user"]


async def list_tokens(username: str | None = None) -> list[TokenInfo]:
    query = ApiToken.select(ApiToken.id, ApiToken.user.username.as_alias("username"), ApiToken.label,
                            ApiToken.created_at, ApiToken.expires_at, ApiToken.last_used_at,
                            ApiToken.revoked).order_by(ApiToken.id)
    if username:
        query = query.where(ApiToken.user.username == username)
    return [TokenInfo(id=r["id"], username=r["username"], label=r["label"], created_at=as_utc(r["created_at"]),
                      expires_at=as_utc(r["expires_at"]), last_used_at=as_utc(r["last_used_at"]),
                      revoked=bool(r["revoked"])) for r in await query.run()]


async def revoke_tokens(token_id: int | None = None, username: str | None = None) -> int:
    """Revoke one token (by id) or every token of a user; returns how many were still working."""
    if (token_id is None) == (username is None):
        raise DomainError.single("token_choice", N_("Name one token id or one user, not both."), http_status=400)
    if token_id is not None:
        where = ApiToken.id == token_id
        exists = await ApiToken.exists().where(where).run()
        if not exists:
            raise DomainError.single("unknown_token", N_("There is no API token with id {id}."), "id",
                                     http_status=404, id=token_id)
    else:
        user = await BaseUser.select(BaseUser.id).where(BaseUser.username == username).first().run()
        if user is None:
            raise DomainError.single("unknown_user", N_("There is no user named {username}."), "username",
                                     http_status=404, username=username)
        where = ApiToken.user == user["id"]
    live = await ApiToken.count().where(where & (ApiToken.revoked == False)).run()  # noqa: E712
    await ApiToken.update({ApiToken.revoked: True}).where(where).run()
    return live


def refuse_hand_made_token() -> None:
    """A token row typed into the admin would have a hash nobody knows the token of."""
    raise DomainError.single("token_by_command", N_(
        "API tokens are created with the command 'training tokens create USERNAME', which shows the token "
        "once."), http_status=405)


def check_token_edit(before: dict, changed: dict) -> None:
    """By hand (the admin, the generic API), a token can only be revoked or relabelled."""
    fixed = sorted(set(changed) - {"revoked", "label"})
    if fixed:
        raise DomainError.single("token_fixed", N_(
            "Only the label of an API token can be changed, and a token can be revoked; create a new token for "
            "anything else."), fixed[0], http_status=409)
    if before.get("revoked") and changed.get("revoked") is False:
        raise DomainError.single("token_revoked", N_(
            "A revoked API token cannot be brought back: create a new one."), "revoked", http_status=409)
