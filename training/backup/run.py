"""Make a backup of the running service and restore one on a new machine.

What a restore needs besides the database lives in the data folder (``TRAINING_DATA_DIR``): the signing keys
(``keys/``, encrypted with the secret), the certificate PDFs (``certificates/``) and the generated secret
(``secret_key``, only when ``TRAINING_SECRET_KEY`` is not set). The archive holds each that exists; when keys
or PDFs live in the database instead, the database copy carries them. The files are copied *after* the
database snapshot: every key and PDF the snapshot refers to was written before it (a key before the
certificates it signs, a PDF after its row), so the archive has them all; later ones are harmless extras
(a PDF missing from the archive is rendered again from its row, ``certificates.storage.ensure_pdfs``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from training.backup import engines
from training.backup.archive import DATABASE_MEMBERS, FILES_PREFIX, ArchiveWriter, unpack
from training.core.config import get_settings
from training.core.errors import DomainError
from training.core.i18n import N_

FOLDERS = ("keys", "certificates")  # certificates.signing (keys), certificates.storage (PDFs)
SECRET_FILE = "secret_key"  # training.core.config: generated when TRAINING_SECRET_KEY is not set
STAGING_PREFIX = ".restore-"


def _app_version() -> str:
    try:
        return version("training")
    except PackageNotFoundError:
        return "unknown"


def _data_files(data_dir: Path) -> list[tuple[Path, str]]:
    """(path, name in the archive) of every file a restore needs; temporaries (``.name…tmp``) left out."""
    found = []
    secret = data_dir / SECRET_FILE
    if secret.is_file():
        found.append((secret, FILES_PREFIX + SECRET_FILE))
    for folder in FOLDERS:
        root = data_dir / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.startswith(".") and not path.name.endswith(".tmp"):
                found.append((path, FILES_PREFIX + path.relative_to(data_dir).as_posix()))
    return found


async def make_backup(target: Path) -> dict[str, Any]:
    """Write one consistent archive of the database and the data folder to ``target``; returns the
    manifest."""
    settings = get_settings()
    kind = engines.kind()
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    created = dt.datetime.now(dt.UTC)
    writer = ArchiveWriter(target)
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".backup-") as work:
            copy = Path(work) / DATABASE_MEMBERS[kind]
            counts = engines.sqlite_snapshot(copy) if kind == "sqlite" else await engines.postgres_dump(copy)
            writer.add_file(copy, DATABASE_MEMBERS[kind])
        for path, name in _data_files(settings.data_dir):
            try:
                writer.add_file(path, name)
            except FileNotFoundError:  # a PDF replaced or a temporary removed meanwhile
                continue
        manifest = {"database": kind, "created_at": created.isoformat(timespec="seconds"),
                    "app_version": _app_version(), "tables": counts,
                    "secret_key_included": (settings.data_dir / SECRET_FILE).is_file()}
        writer.finish(manifest)
    except BaseException:
        writer.abandon()
        raise
    return {**manifest, "members": writer.members}


def _folder_is_empty(data_dir: Path) -> bool:
    for folder in FOLDERS:
        root = data_dir / folder
        if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
            return False
    return True


async def _target_is_empty(data_dir: Path) -> bool:
    """No table in the target database and no key or PDF in the target data folder (a ``secret_key``
    alone does not count: a new data folder gets one generated at first use)."""
    database_empty = engines.sqlite_is_empty() if engines.kind() == "sqlite" else await engines.postgres_is_empty()
    return database_empty and _folder_is_empty(data_dir)


def _place_files(staging: Path, data_dir: Path) -> None:
    files = staging / FILES_PREFIX.rstrip("/")
    for folder in FOLDERS:
        if (files / folder).is_dir():
            shutil.rmtree(data_dir / folder, ignore_errors=True)
            os.replace(files / folder, data_dir / folder)
    if (files / SECRET_FILE).is_file():
        os.replace(files / SECRET_FILE, data_dir / SECRET_FILE)
        (data_dir / SECRET_FILE).chmod(0o600)


async def restore_backup(archive: Path, force: bool = False) -> dict[str, Any]:
    """Bring the archive back into the configured database and data folder; refuses a non-empty target
    unless ``force``. Returns the manifest."""
    data_dir = get_settings().data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=data_dir, prefix=STAGING_PREFIX))
    try:
        manifest = unpack(archive.resolve(), staging)
        kind = engines.kind()
        if manifest["database"] != kind:
            raise DomainError.single("backup_wrong_database", N_(
                "The backup {file} holds a {archived} database, but this service is configured for "
                "{configured} (DATABASE_URL). Restore it with a DATABASE_URL of the same kind."),
                http_status=400, file=str(archive), archived=manifest["database"], configured=kind)
        if not await _target_is_empty(data_dir):
            if not force:
                raise DomainError.single("restore_target_not_empty", N_(
                    "The target is not empty: the database or the data folder {folder} already holds data. "
                    "Nothing was changed. Restore into a new data folder and an empty database, or add "
                    "--force to replace what is there."), http_status=409, folder=str(data_dir))
            if kind == "postgresql":
                await engines.postgres_clear()
        copy = staging / DATABASE_MEMBERS[kind]
        counts = engines.sqlite_restore(copy) if kind == "sqlite" else await engines.postgres_restore(copy)
        if counts != manifest["tables"]:
            raise DomainError.single("restore_counts_differ", N_(
                "The restored database does not hold the rows the backup counted ({file}); do not use it, "
                "restore again."), http_status=500, file=str(archive))
        _place_files(staging, data_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest
