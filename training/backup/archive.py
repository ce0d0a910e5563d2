"""The archive file: a gzip'd tar of the database copy, the data folder's files and ``manifest.json`` (written
last: format, database kind, time, row counts per table, and the size and SHA-256 of every other member).

Reading checks everything before anything is restored: a file that is not our archive, a truncated or
altered one, a member the manifest does not list (or a path that would leave the staging folder) is refused
with a message that says which.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from training.core.errors import DomainError
from training.core.i18n import N_

FORMAT = "training-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
FILES_PREFIX = "files/"
CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


class ArchiveWriter:
    """Writes ``<file>.partial`` and renames it to ``<file>`` only once the manifest is in: an interrupted
    backup never leaves a file that looks complete."""

    def __init__(self, target: Path):
        self.target = target
        self.partial = target.with_name(target.name + ".partial")
        self.members: dict[str, dict[str, Any]] = {}
        fd = os.open(self.partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it may hold the secret
        self._raw = os.fdopen(fd, "wb")
        self._tar = tarfile.open(fileobj=self._raw, mode="w:gz", compresslevel=1)

    def add_file(self, source: Path, name: str) -> None:
        info = self._tar.gettarinfo(str(source), arcname=name)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        info.mode = 0o600
        with open(source, "rb") as handle:
            self._tar.addfile(info, handle)
        self.members[name] = {"size": info.size, "sha256": sha256_of(source)}

    def finish(self, manifest: dict[str, Any]) -> Path:
        manifest = {**manifest, "format": FORMAT, "format_version": FORMAT_VERSION, "members": self.members}
        data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(data)
        info.mode = 0o600
        self._tar.addfile(info, io.BytesIO(data))
        self._tar.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()
        os.replace(self.partial, self.target)
        return self.target

    def abandon(self) -> None:
        self._tar.close()
        self._raw.close()
        self.partial.unlink(missing_ok=True)


def _damaged(path: Path, why: str) -> DomainError:
    return DomainError.single("backup_damaged", N_(
        "The file {file} is damaged or incomplete ({why}); it cannot be restored. Use another copy of the "
        "backup."), http_status=400, file=str(path), why=why)


def _not_ours(path: Path) -> DomainError:
    return DomainError.single("backup_not_an_archive", N_(
        "The file {file} is not a backup made by \"training backup\" (no manifest.json of that format)."),
        http_status=400, file=str(path))


def _safe_name(name: str) -> bool:
    parts = Path(name).parts
    return bool(parts) and not Path(name).is_absolute() and ".." not in parts


def _members(tar: tarfile.TarFile, path: Path) -> Iterator[tarfile.TarInfo]:
    try:
        yield from tar
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _damaged(path, type(exc).__name__) from exc


def unpack(path: Path, staging: Path) -> dict[str, Any]:
    """Extract the archive ``path`` into ``staging`` and check it whole: the manifest of our format, every
    member listed with its size and checksum, nothing else. Returns the manifest."""
    if not path.is_file():
        raise DomainError.single("backup_missing", N_("The backup file {file} does not exist."),
                                 http_status=400, file=str(path))
    try:
        tar = tarfile.open(path, mode="r:*")
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _not_ours(path) if not _looks_compressed(path) else _damaged(path, type(exc).__name__) from exc
    seen: set[str] = set()
    with tar:
        for info in _members(tar, path):
            if not (info.isfile() and _safe_name(info.name)):
                raise _not_ours(path)
            try:
                tar.extract(info, staging, filter="data")
            except (tarfile.TarError, EOFError, OSError) as exc:
                raise _damaged(path, type(exc).__name__) from exc
            seen.add(info.name)
    manifest = _read_manifest(path, staging)
    listed = set(manifest["members"])
    if seen - listed - {MANIFEST}:
        raise _not_ours(path)
    for name, meta in manifest["members"].items():
        member = staging / name
        if name not in seen or member.stat().st_size != meta["size"] or sha256_of(member) != meta["sha256"]:
            raise _damaged(path, name)
    return manifest


def _looks_compressed(path: Path) -> bool:
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


def _read_manifest(path: Path, staging: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((staging / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise _not_ours(path) from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _not_ours(path)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise DomainError.single("backup_version", N_(
            "The backup {file} has format version {version}; this version of the service reads version "
            "{supported}. Restore it with the version of the service that made it."), http_status=400,
            file=str(path), version=str(manifest.get("format_version")), supported=FORMAT_VERSION)
    if manifest.get("database") not in DATABASE_MEMBERS or not isinstance(manifest.get("members"), dict):
        raise _not_ours(path)
    return manifest
