"""Tables of sign-in: accounts (role, province), API tokens, failed sign-ins, request counts (rate limits)."""

from __future__ import annotations

from piccolo.apps.user.tables import BaseUser
from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from training.core.enums import (
    Role,
)
from training.people.tables import Person
from training.reference.tables import Province


class Account(Table):
    """Links a piccolo user to a role: coordinator, department (one province), learner (one person)."""

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, unique=True)
    role = Varchar(length=20, choices=Role)
    province = ForeignKey(references=Province, null=True, on_delete=OnDelete.restrict)
    person = ForeignKey(references=Person, null=True, on_delete=OnDelete.restrict)


class ApiToken(Table):
    """A bearer token for scripted API calls; only its SHA-256 is stored, and never shown (secret).
    Created, listed and revoked by ``training.auth.tokens``; it stops working at ``expires_at``."""

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True, secret=True)
    created_at = Timestamptz()
    revoked = Boolean(default=False)
    label = Varchar(length=100, default="")
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)


class LoginFailure(Table):
    """A failed sign-in (or one being checked: a row is written before the password is, and deleted
    when it was right), counted against the username and the client address for
    TRAINING_LOGIN_WINDOW_MINUTES by ``training.auth.signin``, in every worker and server alike."""

    username = Varchar(length=150, index=True)
    address = Varchar(length=64, index=True)
    created_at = Timestamptz(index=True)


class RequestCount(Table):
    """Requests of one client address in one window on a rate-limited group of routes, counted by
    ``training.auth.ratelimit`` in the database so that every worker and server shares the limit.
    Unique per (bucket, address, window_start); an UNLOGGED table on PostgreSQL (counts need no crash
    safety); windows older than the previous one are deleted as new ones start."""

    bucket = Varchar(length=40)
    address = Varchar(length=64)
    window_start = BigInt()  # seconds since the epoch, a multiple of the window
    hits = Integer(default=0)
class AccountCode(Table):
    """A one-time code of an account (``training.auth.codes``): ``activation`` (sent with an invitation) or
    ``reset`` (a forgotten password). Only its HMAC is stored (secret); one per account and purpose (a new
    code replaces the old: unique index), used once (``used_at``), dead after ``expires_at`` or after too
    many wrong tries (``failures``)."""

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=12)
    code_hash = Varchar(length=64, secret=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    failures = Integer(default=0)


class InvitationSheet(Table):
    """The printable invitation sheet of one invitation run (``training.auth.invitations``): the PDF of the
    learners the codes could not reach by email or SMS. It holds live codes: only the inviter downloads it,
    until the codes expire (then the PDF is emptied); each download is in the personal data access log."""

    user = ForeignKey(references=BaseUser, on_delete=OnDelete.cascade, index=True)
    label = Varchar(length=100)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    counts = JSON(default="{}")
    people = Integer(default=0)
    pdf = Bytea(null=True, default=None, secret=True)
