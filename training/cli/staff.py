"""``training staff import FILE [--commit]`` and ``training units import FILE [--dry-run]``; ``training coverage
rebuild``. Act as the system actor (a coordinator); progress on stderr; exit code 2 on any error."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from training.auth.access import SYSTEM
from training.core.errors import DomainError
from training.core.i18n import N_, _
from training.coverage.facts import rebuild
from training.people.staff import STATUSES, ImportError_, import_staff
from training.reference.communes import import_communes
from training.reference.provinces import migrate_and_load_provinces

STAGES = {"check": N_("checking rows"), "people": N_("saving people"), "updates": N_("updating people"),
          "communes": N_("saving communes")}


def _progress():
    last = [0.0]

    def report(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if total >= 1000 and (now - last[0] > 1 or done == total):
            last[0] = now
            print(_("… {stage}: {done}/{total}", stage=_(STAGES.get(stage, stage)), done=done, total=total),
                  file=sys.stderr, flush=True)

    return report


def _print(result, verbose_limit: int = 200) -> None:
    shown = 0
    for row in result.rows:
        if row.status in ("unchanged",) and not row.issues:
            continue
        if shown >= verbose_limit and not row.has_error:
            continue
        shown += 1
        print(_("Row {row}: {name} — {status}", row=row.row, name=row.label or "?", status=_(STATUSES[row.status])))
        for issue in row.issues:
            prefix = _("error") if issue.level == "error" else _("warning")
            print(f"    [{prefix}] {issue.text(row.row)}")
    c = result.counts
    print(_("Summary: {total} row(s): {new} new, {updated} updated, {unchanged} unchanged, {errors} with errors, "
            "{warnings} warning(s).", total=c["total"], new=c["new"], updated=c["updated"], unchanged=c["unchanged"],
            errors=c["error"], warnings=c["warnings"]))


def _run_import(func, path_text: str, commit: bool) -> int:
    path = Path(path_text)
    if not path.is_file():
        print(_("Error: {message}", message=_("There is no file {name}.", name=path_text)), file=sys.stderr)
        return 2

    async def run() -> int:
        await migrate_and_load_provinces()
        try:
            result = await func(path.name, path.read_bytes(), SYSTEM, commit=commit, progress=_progress())
        except ImportError_ as exc:
            _print(exc.result)
            print(_("Error: {message}", message=exc.errors[0].text()), file=sys.stderr)
            return 2
        _print(result)
        if result.has_errors:
            print(_("Error: {message}", message=_(
                "{count} row(s) of the file have errors; correct them and run the command again.",
                count=len(result.error_rows()))), file=sys.stderr)
            return 2
        print(_("Saved.") if result.committed else _("Dry run: nothing was saved. Add --commit to save."))
        return 0

    try:
        return asyncio.run(run())
    except DomainError as exc:
        print(_("Error: {message}", message=exc.text()), file=sys.stderr)
        return 2


def cmd_staff_import(args: argparse.Namespace) -> int:
    return _run_import(import_staff, args.file, args.commit)


def cmd_units_import(args: argparse.Namespace) -> int:
    return _run_import(import_communes, args.file, not args.dry_run)


def cmd_coverage_rebuild(args: argparse.Namespace) -> int:
    async def run() -> int:
        await migrate_and_load_provinces()
        return await rebuild()

    people = asyncio.run(run())
    print(_("Coverage tables rebuilt: {count} people with a counting completion.", count=people))
    return 0


def register(sub) -> None:
    staff = sub.add_parser("staff", help=_("Staff registry: import each province's staff list"))
    actions = staff.add_subparsers(dest="staff_command", required=True)
    p = actions.add_parser("import", help=_("Check (dry run) or import a staff file (.xlsx or .csv)"))
    p.add_argument("file", metavar="FILE", help=_("the staff list: .xlsx or .csv (UTF-8)"))
    p.add_argument("--commit", action="store_true", help=_("save (all rows or none); without it nothing is saved"))
    p.set_defaults(func=cmd_staff_import)

    units = sub.add_parser("units", help=_("Administrative units: import the statistics office's commune list"))
    actions = units.add_subparsers(dest="units_command", required=True)
    p = actions.add_parser("import", help=_("Import the commune list (code, name, province): all rows or none"))
    p.add_argument("file", metavar="FILE", help=_("the commune list: .xlsx or .csv"))
    p.add_argument("--dry-run", action="store_true", help=_("check only, save nothing"))
    p.set_defaults(func=cmd_units_import)

    cov = sub.add_parser("coverage", help=_("Coverage figures"))
    actions = cov.add_subparsers(dest="coverage_command", required=True)
    p = actions.add_parser("rebuild", help=_("Recompute the coverage tables from enrolments and certificates"))
    p.set_defaults(func=cmd_coverage_rebuild)
