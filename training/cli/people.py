"""``training people export-data PERSON_ID --format json|xlsx --out FILE`` and ``training people erase PERSON_ID
--reason TEXT``: a data subject's access and erasure requests (PDPL). Act as the system actor (a coordinator);
both are recorded in the personal data access log; exit code 2 on any error."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from training.auth.access import SYSTEM
from training.core.i18n import _
from training.people import privacy
from training.reference.provinces import migrate_and_load_provinces


def cmd_export_data(args: argparse.Namespace) -> int:
    async def run() -> bytes:
        await migrate_and_load_provinces()
        privacy.set_route(f"cli: training people export-data {args.person_id}")
        data = await privacy.person_data(args.person_id, SYSTEM)
        if args.format == "xlsx":
            return privacy.data_export_xlsx(data)
        return json.dumps(data, ensure_ascii=False, indent=1).encode()

    content = asyncio.run(run())
    if args.out == "-":
        sys.stdout.buffer.write(content)
    else:
        Path(args.out).write_bytes(content)
        print(_("Written: {path}", path=args.out))
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    async def run() -> dict:
        await migrate_and_load_provinces()
        privacy.set_route(f"cli: training people erase {args.person_id}")
        return await privacy.erase_person(args.person_id, args.reason, SYSTEM)

    result = asyncio.run(run())
    if result["result"] == "deleted":
        print(_("Person {id} deleted: nothing referred to them.", id=result["person"]))
    else:
        print(_("Person {id} anonymised: their personal data are erased; enrolments and results stay for the "
                "figures.", id=result["person"]))
    return 0


def register(sub) -> None:
    people = sub.add_parser("people", help=_("People's personal data: access and erasure requests"))
    actions = people.add_subparsers(dest="people_command", required=True)
    p = actions.add_parser("export-data", help=_("Everything held about one person, as JSON or XLSX"))
    p.add_argument("person_id", metavar="PERSON_ID", type=int)
    p.add_argument("--format", choices=["json", "xlsx"], default="json")
    p.add_argument("--out", required=True, metavar="FILE", help=_("the file to write (- for standard output)"))
    p.set_defaults(func=cmd_export_data)
    p = actions.add_parser("erase", help=_("Anonymise (or delete) a person at their request, unless a certificate "
                                           "must be kept"))
    p.add_argument("person_id", metavar="PERSON_ID", type=int)
    p.add_argument("--reason", required=True, help=_("why (e.g. the request's date and reference)"))
    p.set_defaults(func=cmd_erase)
