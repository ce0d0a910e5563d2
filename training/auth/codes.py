"""One-time account codes (issue 13, ADR 0038): the activation code of an invitation and the code of a
password reset.

A code is 8 characters of the certificates' verification-code alphabet (``certificates.codes``: Crockford's
base32, read aloud and typed on a phone without I/L/O/U mix-ups), shown as ``XXXX-XXXX``. Only its HMAC-SHA256
under TRAINING_SECRET_KEY, bound to the account and the purpose, is stored (``AccountCode.code_hash``): a copy
of the database gives no code, and hashing one costs microseconds (1,500 invitations need no PBKDF2).

- one code per account and purpose (a unique index): a new code replaces the old one, which stops working;
- it expires (activation: TRAINING_ACTIVATION_DAYS days; reset: ``RESET_MINUTES``);
- it is used once: ``redeem`` decides inside a write transaction, on the row read (and, on PostgreSQL,
  locked with FOR UPDATE) inside it, so of two redemptions at once exactly one wins;
- ``MAX_FAILURES`` wrong codes for an account kill its code (429, ask for a new one); wrong codes also count
  as failed sign-ins of the identifier and the client address (``training.auth.signin``: the same database
  limits, TRAINING_LOGIN_RATE_LIMIT per TRAINING_LOGIN_WINDOW_MINUTES, across workers and servers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from piccolo.apps.user.tables import BaseUser

from certificates.codes import display, new_code, normalize
from training.auth.access import Actor
from training.auth.accounts import check_new_password
from training.auth.identifiers import find_accounts
from training.auth.signin import VIETNAM, attempt_succeeded, begin_attempt
from training.auth.tables import Account, AccountCode
from training.core.config import activation_days, base_url, secret_key
from training.core.db import as_utc, chunks, lock_row, write_transaction
from training.core.enums import NotificationKind
from training.core.errors import DomainError
from training.core.i18n import N_
from training.notifications.outbox import enqueue
from training.records.audit import audit

ACTIVATION, RESET = "activation", "reset"
PURPOSES = (ACTIVATION, RESET)
RESET_MINUTES = 60
MAX_FAILURES = 5


class CodeRefused(DomainError):
    """A code that does not open the account: wrong (422), used (409), expired (410), dead (429)."""


def code_hash(user_id: int, purpose: str, code: str) -> str:
    """The stored form of a code: HMAC-SHA256 of ``user:purpose:CODE`` under the secret key."""
    message = f"{user_id}:{purpose}:{code}".encode()
    return hmac.new(secret_key().encode(), message, hashlib.sha256).hexdigest()


def lifetime(purpose: str) -> dt.timedelta:
    return dt.timedelta(days=activation_days()) if purpose == ACTIVATION else dt.timedelta(minutes=RESET_MINUTES)


async def issue_codes(user_ids: list[int], purpose: str) -> dict[int, tuple[str, dt.datetime]]:
    """A new code for each account (replacing its code of this purpose, if any), inside the caller's
    transaction; returns ``{user_id: (code, expires_at)}``, the only time the codes exist in clear."""
    assert purpose in PURPOSES, purpose
    now = dt.datetime.now(dt.UTC)
    expires = now + lifetime(purpose)
    issued = {user_id: (new_code(), expires) for user_id in user_ids}
    for part in chunks(list(user_ids)):
        await AccountCode.delete().where(AccountCode.user.is_in(part) & (AccountCode.purpose == purpose)).run()
        await AccountCode.insert(*[AccountCode(user=user_id, purpose=purpose, code_hash=code_hash(
            user_id, purpose, issued[user_id][0]), created_at=now, expires_at=expires) for user_id in part]).run()
    return issued


async def latest_code(user_id: int, purpose: str) -> dict[str, Any] | None:
    return await AccountCode.select().where(
        (AccountCode.user == user_id) & (AccountCode.purpose == purpose)).first().run()


@dataclass
class Redeemed:
    user_id: int
    username: str
    role: str


def _refusal(outcome: str, row: dict[str, Any] | None) -> CodeRefused:
    if outcome == "used":
        return CodeRefused.single("code_used", N_(
            "This code has already been used. Sign in with your password, or ask for a new code."), "code",
            http_status=409)
    if outcome == "expired":
        when = as_utc(row["expires_at"]).astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")
        return CodeRefused.single("code_expired", N_(
            "This code expired at {time}. Ask your training coordinator for a new invitation, or ask for a new "
            "reset code."), "code", http_status=410, time=when)
    if outcome == "dead":
        return CodeRefused.single("code_locked", N_(
            "Too many wrong codes: this code no longer works. Ask for a new one (your coordinator, or "
            "\"Forgot password?\")."), "code", http_status=429)
    return CodeRefused.single("code_wrong", N_(
        "The code does not match this citizen ID, phone or email. Check both (the code has 8 characters, "
        "e.g. 7KQ4-M2XD)."), "code", http_status=422)


async def _decide(user_ids: list[int], purpose: str, typed: str, password_hash: str
                  ) -> tuple[str, dict[str, Any] | None]:
    """Inside the write transaction: the outcome (ok, used, expired, dead, wrong) on rows read under the lock."""
    now = dt.datetime.now(dt.UTC)
    ids = [r["id"] for r in await AccountCode.select(AccountCode.id).where(
        AccountCode.user.is_in(user_ids or [-1]) & (AccountCode.purpose == purpose)).run()]
    for row_id in ids:
        await lock_row(AccountCode, row_id)
    rows = await AccountCode.select().where(AccountCode.id.is_in(ids or [-1])).order_by(AccountCode.id).run()
    for row in rows:
        if not typed or not hmac.compare_digest(row["code_hash"], code_hash(row["user"], purpose, typed)):
            continue
        if row["used_at"] is not None:
            return "used", row
        if row["failures"] >= MAX_FAILURES:
            return "dead", row
        if as_utc(row["expires_at"]) <= now:
            return "expired", row
        await AccountCode.update({AccountCode.used_at: now}).where(AccountCode.id == row["id"]).run()
        values = {BaseUser.password: password_hash} | ({BaseUser.active: True} if purpose == ACTIVATION else {})
        await BaseUser.update(values).where(BaseUser.id == row["user"]).run()
        return "ok", row
    live = [r for r in rows if r["used_at"] is None and as_utc(r["expires_at"]) > now]
    for row in live:
        await AccountCode.update({AccountCode.failures: AccountCode.failures + 1}).where(
            AccountCode.id == row["id"]).run()
    if live and all(r["failures"] + 1 >= MAX_FAILURES for r in live):
        return "dead", None
    return "wrong", None


async def redeem(identifier: str, code: str, purpose: str, password: str, again: str, address: str) -> Redeemed:
    """Open the account the identifier (citizen ID, phone, email, username) names with its one-time code and
    set the new password; an activation also activates the account. Raises DomainError (weak password),
    SignInLocked (429: too many failures of this identifier or address) or CodeRefused."""
    check_new_password(password, again)
    attempt = await begin_attempt(f"code:{(identifier or '').strip()}", address)
    password_hash = BaseUser.hash_password(password)  # slow (PBKDF2): before the lock, never inside it
    accounts = await find_accounts(identifier)
    async with write_transaction():
        outcome, row = await _decide([a["user_id"] for a in accounts], purpose, normalize(code), password_hash)
        if outcome == "ok":
            account = next(a for a in accounts if a["user_id"] == row["user"])
            actor = Actor(user_id=row["user"], username=account["username"], role=account["role"])
            await audit(actor, "update", AccountCode, row["id"], {"purpose": purpose, "used_at": None},
                        {"purpose": purpose, "used_at": dt.datetime.now(dt.UTC).isoformat()})
    if outcome != "ok":
        raise _refusal(outcome, row)  # the failure stays counted (the attempt's row and the code's failures)
    await attempt_succeeded(attempt)
    return Redeemed(user_id=row["user"], username=account["username"], role=account["role"])


async def learner_accounts_of(people: list[int]) -> dict[int, dict[str, Any]]:
    """``{person_id: {user_id, username, active, role}}`` of the accounts these people already have."""
    out: dict[int, dict[str, Any]] = {}
    for part in chunks(people):
        for row in await Account.select(Account.person, Account.role, Account.user.id.as_alias("user_id"),
                                        Account.user.username.as_alias("username"),
                                        Account.user.active.as_alias("active")).where(
                Account.person.is_in(part)).run():
            out[row["person"]] = row
    return out


RESET_COOLDOWN = dt.timedelta(seconds=60)


async def request_reset(identifier: str, address: str) -> None:
    """``/login/forgot``: a reset code for each active account the identifier names that has a person (her
    email or phone gets it, through the outbox, in the same transaction as the code). Answers nothing, so
    that the caller's page is the same whether or not an account exists; at most one code a minute per
    account (a repeated request sends nothing new). SignInLocked when the client address is locked."""
    attempt = await begin_attempt(f"forgot:{(identifier or '').strip()}", address)
    await attempt_succeeded(attempt)  # asking is no failure; the address's lock (429) still applies
    accounts = [a for a in await find_accounts(identifier) if a["active"] and a["person"] is not None]
    now = dt.datetime.now(dt.UTC)
    for account in accounts:
        async with write_transaction():
            previous = await latest_code(account["user_id"], RESET)
            if previous is not None and now - as_utc(previous["created_at"]) < RESET_COOLDOWN:
                continue
            code, expires = (await issue_codes([account["user_id"]], RESET))[account["user_id"]]
            await enqueue(NotificationKind.password_reset, account["person"], {
                "secret_code": display(code), "valid_until": expires.isoformat(),
                "link": f"{base_url()}/login/reset"}, key=f"password_reset:{account['user_id']}:{now.timestamp()}")
