"""``training backup FILE`` and ``training restore FILE [--force]``: one consistent archive of the running
service, and its restore on a new machine (training.backup). Exit code 2 on any error, with the reason."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from training.backup.run import make_backup, restore_backup
from training.core.i18n import _


def _rows(manifest: dict) -> int:
    return sum(manifest["tables"].values())


def cmd_backup(args: argparse.Namespace) -> int:
    manifest = asyncio.run(make_backup(Path(args.file)))
    print(_("Backup written to {file}: {kind} database, {tables} tables, {rows} rows, {files} files.",
            file=args.file, kind=manifest["database"], tables=len(manifest["tables"]), rows=_rows(manifest),
            files=len(manifest["members"]) - 1))
    if manifest["secret_key_included"]:
        print(_("The archive holds the secret_key file that opens the signing keys: keep it as safe as the "
                "keys themselves."))
    else:
        print(_("The archive does not hold TRAINING_SECRET_KEY: keep that secret elsewhere; a restore needs "
                "it to open the signing keys."))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    manifest = asyncio.run(restore_backup(Path(args.file), force=args.force))
    print(_("Restored {file} (made {created}): {tables} tables, {rows} rows; the row counts match the backup.",
            file=args.file, created=manifest["created_at"], tables=len(manifest["tables"]), rows=_rows(manifest)))
    if not manifest["secret_key_included"]:
        print(_("Set TRAINING_SECRET_KEY to the value the backed-up service used before starting it, or the "
                "signing keys cannot be opened."))
    return 0


def register(sub) -> None:
    p = sub.add_parser("backup", help=_("Write one consistent archive of the database, keys and PDFs "
                                        "(safe while the service runs)"))
    p.add_argument("file", help=_("the archive to write (.tar.gz)"))
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help=_("Restore an archive made by \"training backup\" into the configured "
                                         "database and data folder"))
    p.add_argument("file")
    p.add_argument("--force", action="store_true",
                   help=_("replace the data of a non-empty target database and data folder"))
    p.set_defaults(func=cmd_restore)
