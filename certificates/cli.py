"""``training certificates …``: issue, export, revoke, re-issue, keys, offline token check.

Acts as the system actor (a coordinator). Long runs draw a progress bar on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from certificates import exports
from certificates.issuing import issue_for_class, reissue, revoke
from certificates.signing import b64d, check_signing_keys, keyring, verify_token
from certificates.tables import Certificate
from certificates.verification import find_by_number
from training.auth.access import SYSTEM
from training.classes.tables import TrainingClass
from training.core.errors import DomainError, NotFound
from training.core.i18n import N_, _
from training.reference.provinces import migrate_and_load_provinces

STAGES = {"records": N_("Numbering and signing"), "pdf": N_("Making PDFs")}


def progress_bar(stage: str, done: int, total: int, stream=sys.stderr) -> None:
    width = 30
    filled = int(width * done / total) if total else width
    label = _(STAGES.get(stage, stage))
    stream.write(f"\r{label}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
    if done >= total:
        stream.write("\n")
    stream.flush()


async def _class_id(code: str) -> int:
    code = code.strip().upper().replace(" ", "")
    row = await TrainingClass.select(TrainingClass.id).where(TrainingClass.code == code).first().run()
    if row is None:
        raise DomainError.single("unknown_class_code", N_("There is no class with code {code}."),
                                 "training_class", http_status=404, code=code)
    return row["id"]


def _run(coro) -> int:
    async def main():
        await migrate_and_load_provinces()
        await check_signing_keys()  # certificates name keys that are gone: restore them first
        return await coro()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        print(_("Error: {message}", message=exc.text()), file=sys.stderr)
        return 2


def cmd_issue(args: argparse.Namespace) -> int:
    async def run() -> int:
        result = await issue_for_class(await _class_id(args.class_code), SYSTEM, progress=progress_bar)
        print(result.message())
        return 0

    return _run(run)


def cmd_export(args: argparse.Namespace) -> int:
    async def run() -> int:
        class_id = await _class_id(args.class_code)
        if args.zip:
            _code, content = await exports.class_zip(class_id, SYSTEM)
            Path(args.zip).write_bytes(content)
            print(_("Written: {path}", path=args.zip))
        if args.pdf:
            _code, content = await exports.class_pdf(class_id, SYSTEM, args.lang)
            Path(args.pdf).write_bytes(content)
            print(_("Written: {path}", path=args.pdf))
        if args.register:
            row = await Certificate.select(Certificate.issuer, Certificate.register_year).where(
                Certificate.enrolment.training_class == class_id).order_by(Certificate.id).first().run()
            if row is None:
                raise NotFound.single("no_certificates", N_("Class {code} has no certificates yet."),
                                      "training_class", code=args.class_code)
            _name, content = await exports.register_xlsx(row["issuer"], args.year or row["register_year"], SYSTEM)
            Path(args.register).write_bytes(content)
            print(_("Written: {path}", path=args.register))
        return 0

    if not (args.zip or args.pdf or args.register):
        print(_("Error: {message}", message=_("Give at least one of --zip, --pdf, --register.")), file=sys.stderr)
        return 2
    return _run(run)


def _by_number(number: str):
    return find_by_number(number, SYSTEM)


def cmd_revoke(args: argparse.Namespace) -> int:
    async def run() -> int:
        row = await revoke((await _by_number(args.number))["id"], args.reason, SYSTEM)
        print(_("Certificate {number} is revoked.", number=row["number"]))
        return 0

    return _run(run)


def cmd_reissue(args: argparse.Namespace) -> int:
    async def run() -> int:
        old = await _by_number(args.number)
        new = await reissue(old["id"], args.reason, SYSTEM)
        print(_("Certificate {old} is replaced by {new}.", old=old["number"], new=new["number"]))
        return 0

    return _run(run)


def cmd_rotate_key(args: argparse.Namespace) -> int:
    async def run() -> int:
        kid = await keyring().rotate()
        print(_("New signing key {kid}; older keys keep verifying the certificates they signed.", kid=kid))
        return 0

    return _run(run)


def cmd_keys(args: argparse.Namespace) -> int:
    async def run() -> int:
        print(json.dumps({"keys": await keyring().public_keys()}, indent=2))
        return 0

    return _run(run)


def cmd_verify_token(args: argparse.Namespace) -> int:
    """Offline: check a token against a published key set (a file saved from /.well-known/certificate-keys)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if args.keys:
        keys = {k["kid"]: Ed25519PublicKey.from_public_bytes(b64d(k["public_key"]))
                for k in json.loads(Path(args.keys).read_text())["keys"]}
    else:
        published = asyncio.run(keyring().public_keys())
        keys = {k["kid"]: Ed25519PublicKey.from_public_bytes(b64d(k["public_key"])) for k in published}
    token = args.token.split("?t=")[-1].split("&")[0]
    try:
        fields = verify_token(token, keys.get)
    except DomainError as exc:
        print(_("Error: {message}", message=exc.text()), file=sys.stderr)
        return 2
    print(_("The signature is valid. Signed fields:"))
    print(json.dumps(fields, ensure_ascii=False, indent=2))
    return 0


def register(sub) -> None:
    p = sub.add_parser("certificates", help=_("Issue, export, revoke and re-issue certificates"))
    csub = p.add_subparsers(dest="certificates_command", required=True)
    q = csub.add_parser("issue", help=_("Issue certificates to everyone who completed a class"))
    q.add_argument("class_code")
    q.set_defaults(func=cmd_issue)
    q = csub.add_parser("export", help=_("Write a class's certificates as ZIP or one PDF, or the register book"))
    q.add_argument("class_code")
    q.add_argument("--zip", metavar="PATH")
    q.add_argument("--pdf", metavar="PATH")
    q.add_argument("--register", metavar="PATH", help=_("The register book (XLSX) of the class's issuer"))
    q.add_argument("--year", type=int, help=_("Year of the register book (default: the year of issue)"))
    q.add_argument("--lang", default="vi", choices=["vi", "en"])
    q.set_defaults(func=cmd_export)
    q = csub.add_parser("revoke", help=_("Revoke a certificate, with a reason"))
    q.add_argument("number")
    q.add_argument("--reason", required=True)
    q.set_defaults(func=cmd_revoke)
    q = csub.add_parser("reissue", help=_("Re-issue a corrected certificate (new number, old one replaced)"))
    q.add_argument("number")
    q.add_argument("--reason", required=True)
    q.set_defaults(func=cmd_reissue)
    q = csub.add_parser("rotate-key", help=_("Start signing with a new key (old keys stay published)"))
    q.set_defaults(func=cmd_rotate_key)
    q = csub.add_parser("keys", help=_("Print the public keys"))
    q.set_defaults(func=cmd_keys)
    q = csub.add_parser("verify-token", help=_("Check a QR token offline with the public keys"))
    q.add_argument("token", help=_("The token, or the whole URL from the QR code"))
    q.add_argument("--keys", metavar="FILE", help=_("Key set saved from /.well-known/certificate-keys"))
    q.set_defaults(func=cmd_verify_token)
