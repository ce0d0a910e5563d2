"""``training roster import CLASS_CODE FILE [--commit]``: a roster file into a class, from the command line.

A dry run by default: every row's outcome in Vietnamese and a summary; ``--commit`` saves all rows or
none. Exit code 0 when the file is clean (and, with --commit, saved), 2 when a row or the file has an
error. Acts as the system actor (a coordinator).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from training.auth.access import SYSTEM
from training.classes.roster import ROW_STATUSES, RosterError, import_roster
from training.classes.tables import TrainingClass
from training.core.enums import EnrolmentStatus, label
from training.core.errors import DomainError
from training.core.i18n import N_, _
from training.reference.provinces import migrate_and_load_provinces


def _print_result(result, stream=sys.stdout) -> None:
    for row in result.rows:
        line = _("Row {row}: {name} — {status}", row=row.row, name=row.full_name or "?",
                 status=_(ROW_STATUSES[row.status]))
        if row.enrolment_status:
            status = label(EnrolmentStatus, row.enrolment_status)
            line += " — " + (status if result.committed else _("would be: {status}", status=status))
        print(line, file=stream)
        for issue in row.issues:
            prefix = _("error") if issue.level == "error" else _("warning")
            print(f"    [{prefix}] {issue.text(row.row)}", file=stream)
    counts = result.counts
    print(_("Summary: {total} row(s): {new} new, {existing} existing, {duplicates} possible duplicate(s), "
            "{errors} with errors, {warnings} warning(s); {confirmed} confirmed, {waitlisted} waitlisted.",
            total=counts["total"], new=counts["new"], existing=counts["existing"],
            duplicates=counts["possible_duplicate"], errors=counts["error"], warnings=counts["warnings"],
            confirmed=counts["confirmed"], waitlisted=counts["waitlisted"]), file=stream)
    for notice in result.notices():
        print(notice, file=stream)


def cmd_roster_import(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.is_file():
        print(_("Error: {message}", message=_("There is no file {name}.", name=args.file)), file=sys.stderr)
        return 2

    stages = {"check": N_("checking rows"), "people": N_("saving people"), "enrolments": N_("saving enrolments")}

    def progress(stage: str, done: int, total: int) -> None:
        if total >= 2000:
            print(_("… {stage}: {done}/{total}", stage=_(stages.get(stage, stage)), done=done, total=total),
                  file=sys.stderr)

    async def run() -> int:
        await migrate_and_load_provinces()
        code = args.class_code.upper().replace(" ", "")
        cls = await TrainingClass.select(TrainingClass.id).where(TrainingClass.code == code).first().run()
        if cls is None:
            raise DomainError.single("unknown_class_code", N_("There is no class with code {code}."),
                                     "training_class", http_status=404, code=code)
        try:
            content = path.read_bytes()
            result = await import_roster(cls["id"], path.name, content, SYSTEM, progress=progress)
            if args.commit and not result.has_errors:  # a save needs the dry run of the same file (ADR 0035)
                result = await import_roster(cls["id"], path.name, content, SYSTEM, commit=True,
                                             progress=progress, fingerprint=result.fingerprint)
        except RosterError as exc:
            _print_result(exc.result)
            print(_("Error: {message}", message=exc.errors[0].text()), file=sys.stderr)
            return 2
        _print_result(result)
        if result.has_errors:
            print(_("Error: {message}", message=_(
                "{count} row(s) of the file have errors; correct them and run the command again.",
                count=len(result.error_rows()))), file=sys.stderr)
            return 2
        if result.committed:
            enrolled = len(result.rows) - result.counts["skipped"]
            print(_("Saved: {count} learner(s) enrolled in class {code}.", count=enrolled, code=result.class_code))
        else:
            print(_("Dry run: nothing was saved. Add --commit to save."))
        return 0

    try:
        return asyncio.run(run())
    except DomainError as exc:
        print(_("Error: {message}", message=exc.text()), file=sys.stderr)
        return 2


def register(sub) -> None:
    """Add ``roster import`` to the ``training`` command line."""
    roster = sub.add_parser("roster", help=_("Class rosters: import learners from an Excel or CSV file"))
    actions = roster.add_subparsers(dest="roster_command", required=True)
    p = actions.add_parser("import", help=_("Check (dry run) or import a roster file into a class"))
    p.add_argument("class_code", metavar="CLASS_CODE", help=_("code of the class"))
    p.add_argument("file", metavar="FILE", help=_("the roster: .xlsx or .csv (UTF-8)"))
    p.add_argument("--commit", action="store_true",
                   help=_("save (all rows or none); without it nothing is saved"))
    p.set_defaults(func=cmd_roster_import)
