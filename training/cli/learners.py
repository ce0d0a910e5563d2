"""``training learners invite CLASS_CODE`` / ``training learners invite --province CODE``: accounts for a whole
class or a province's staff registry at once (``training.auth.invitations``, ADR 0038). Prints the counts; the
learners that no email or phone reaches are printed on the invitation sheet, written to ``--sheet`` (default
``thu-moi-<class or province>.pdf`` in the current folder). Exit code 2 on any error."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from training.auth.access import SYSTEM
from training.auth.invitations import InvitationResult, invite
from training.classes.tables import TrainingClass
from training.core.errors import DomainError
from training.core.filenames import safe_filename
from training.core.i18n import N_, _
from training.reference.provinces import migrate_and_load_provinces


def cmd_invite(args: argparse.Namespace) -> int:
    if bool(args.class_code) == bool(args.province):
        raise DomainError.single("invite_what", N_("Name a class or a province (one of the two)."))

    async def run() -> InvitationResult:
        await migrate_and_load_provinces()
        if args.province:
            return await invite(SYSTEM, province_code=args.province)
        code = args.class_code.upper().replace(" ", "")
        cls = await TrainingClass.select(TrainingClass.id).where(TrainingClass.code == code).first().run()
        if cls is None:
            raise DomainError.single("unknown_class_code", N_("There is no class with code {code}."),
                                     "training_class", http_status=404, code=code)
        return await invite(SYSTEM, class_id=cls["id"])

    result = asyncio.run(run())
    print(result.label)
    print(_("New accounts: {created}; invited again (new code): {reinvited}; already active: {already_active}",
            **result.counts()))
    print(_("By email: {by_email}; by SMS: {by_sms}; on the printed sheet: {on_sheet}", **result.counts()))
    if result.pdf is not None:
        path = Path(args.sheet or f"thu-moi-{safe_filename(args.class_code or args.province)}.pdf")
        path.write_bytes(result.pdf)
        print(_("Invitation sheet (it holds the codes: hand it out, then shred it): {path}", path=path))
    return 0


def register(sub) -> None:
    learners = sub.add_parser("learners", help=_("Learner accounts: invite a class or a province's registry"))
    actions = learners.add_subparsers(dest="learners_command", required=True)
    p = actions.add_parser("invite", help=_("Create inactive accounts and send activation codes (email, SMS or "
                                            "a printed sheet)"))
    p.add_argument("class_code", nargs="?", metavar="CLASS_CODE", help=_("code of the class"))
    p.add_argument("--province", help=_("2025 code of the province whose staff registry to invite"))
    p.add_argument("--sheet", help=_("where to write the invitation sheet (PDF)"))
    p.set_defaults(func=cmd_invite)
