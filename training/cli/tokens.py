"""``training tokens create|list|revoke``: bearer tokens for scripted API calls (``create-token``
is the older spelling of ``tokens create``). Exit code 2 on any error."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt

from training.auth.tokens import create_token, list_tokens, revoke_tokens
from training.core.i18n import N_, _
from training.reference.provinces import migrate_and_load_provinces

STATES = {"active": N_("active"), "expired": N_("expired"), "revoked": N_("revoked")}


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M UTC") if value else "—"


def cmd_create(args: argparse.Namespace) -> int:
    async def run() -> str:
        await migrate_and_load_provinces()
        return await create_token(args.username, days=args.days, label=args.label or "")

    token = asyncio.run(run())
    print(_("API token for {username} (shown once; send it as Authorization: Bearer …):", username=args.username))
    print(token)
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    async def run():
        await migrate_and_load_provinces()
        return await list_tokens(args.user)

    tokens = asyncio.run(run())
    if not tokens:
        print(_("No API tokens."))
        return 0
    print(_("id | user | label | created | expires | last used | state"))
    for t in tokens:
        print(" | ".join([str(t.id), t.username, t.label or "—", _when(t.created_at), _when(t.expires_at),
                          _when(t.last_used_at), _(STATES[t.state()])]))
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    async def run() -> int:
        await migrate_and_load_provinces()
        return await revoke_tokens(token_id=args.id, username=args.user)

    count = asyncio.run(run())
    print(_("{count} token(s) revoked; they stop working at once.", count=count))
    return 0


def _add_create_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("username")
    p.add_argument("--days", type=int, help=_("how many days the token works (default: TRAINING_TOKEN_DAYS, 90)"))
    p.add_argument("--label", help=_("what the token is for, shown by 'tokens list'"))
    p.set_defaults(func=cmd_create)


def register(sub) -> None:
    _add_create_arguments(sub.add_parser("create-token", help=_("Create a bearer token for scripted API calls")))
    tokens = sub.add_parser("tokens", help=_("API tokens: create, list, revoke"))
    actions = tokens.add_subparsers(dest="tokens_command", required=True)
    _add_create_arguments(actions.add_parser("create", help=_("Create a bearer token for scripted API calls")))
    p = actions.add_parser("list", help=_("List API tokens with their expiry and last use (never the token)"))
    p.add_argument("--user", help=_("only this user's tokens"))
    p.set_defaults(func=cmd_list)
    p = actions.add_parser("revoke", help=_("Revoke one token by id, or every token of a user"))
    p.add_argument("id", nargs="?", type=int, help=_("the token id shown by 'tokens list'"))
    p.add_argument("--user", help=_("revoke every token of this user"))
    p.set_defaults(func=cmd_revoke)
