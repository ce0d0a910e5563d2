"""Where certificate PDFs live, and how they are rendered and stored.

A certificate row is committed first (numbers are decided in the database, see
``certificates.issuing``); its PDF is rendered afterwards, from the row alone (``view_of``). So a
crash (kill -9, power cut) or a full disk can leave rows whose PDF or recorded SHA-256 is missing:
``ensure_pdfs`` finds and completes them, and every path that needs a file (issuing again, a
download, the class ZIP) calls it. Rendering is deterministic, so a PDF rendered again is the same
file. Files are written to a unique temporary name and renamed into place, so a reader never sees
half a file and a failed write leaves nothing behind. Paths are made from the number with anything
but ``A-Z a-z 0-9 -`` replaced, and must resolve inside the data folder.

Big batches render in worker processes (a forkserver pool); each worker ends as soon as the
process that started it ends, even by kill -9, and the service stops the pool on shutdown.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import json
import logging
import multiprocessing
import os
import re
import secrets
import select
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from certificates.rendering import CertificateView, render_pdf
from certificates.tables import Certificate
from training.core.config import get_settings, pdf_workers
from training.core.db import write_transaction
from training.core.enums import CertificateStatus
from training.core.errors import DomainError
from training.core.filenames import safe_filename
from training.core.i18n import N_
from training.records.audit import audit

Progress = Callable[[str, int, int], None]
PARALLEL_FROM = 40  # render in worker processes from this many certificates on

# --- where files live ----------------------------------------------------------------------------

def storage_root() -> Path:
    """``<data folder>/certificates``: one folder a year below it."""
    return get_settings().data_dir / "certificates"


def _stem(number: str) -> str:
    """A certificate number (or status) as a stored file's stem: ``safe_filename`` with ``_`` for anything
    unsafe, as the PDFs already stored are named."""
    return safe_filename(number, replacement="_", max_length=60)


def pdf_path(number: str, year: int, language: str = "vi") -> Path:
    """Where a certificate's PDF is stored: always inside ``<data folder>/certificates/<year>/``,
    whatever the number says (a number is data; it never chooses a directory)."""
    root = storage_root().resolve()
    suffix = "" if language == "vi" else f".{'en' if language == 'en' else 'x'}"
    path = (root / str(int(year)) / f"{_stem(number)}{suffix}.pdf").resolve()
    if not path.is_relative_to(root):  # cannot happen with a safe stem; kept as the last line of defence
        raise DomainError.single("unsafe_path", N_("Certificate {number} cannot be stored safely."), "number",
                                 http_status=400, number=number)
    return path


def zip_entry_name(row: dict[str, Any]) -> str:
    """A plain file name (no folder, no ``..``) for a certificate inside a ZIP."""
    status = "" if row["status"] == CertificateStatus.valid else f"-{_stem(row['status'])}"
    return f"{_stem(row['number'])}{status}.pdf"


def verify_url(number: str, token: str) -> str:
    return f"{get_settings().base_url}/verify/{number}?t={token}"


def view_of(row: dict[str, Any], language: str = "vi") -> CertificateView:
    """What is printed, from the certificate row alone."""
    issuer = json.loads(row["issuer_snapshot"] or "{}")
    return CertificateView(
        number=row["number"], register_label=f"{row['register_number']:06d}/{row['register_year']}",
        holder_name=row["holder_name"], holder_sex=row["holder_sex"], holder_birth_date=row["holder_birth_date"],
        course_name=(row["course_name_en"] or row["course_name_vi"]) if language == "en" else row["course_name_vi"],
        kind=row["kind"], hours=row["hours"], start_date=row["start_date"], end_date=row["end_date"],
        classification=row["classification"] or "", issued_on=row["issued_on"], expires_on=row["expires_on"],
        issuer=issuer, verify_url=verify_url(row["number"], row["token"]), language=language,
        verification_code=row.get("verification_code") or "")


# --- rendering ----------------------------------------------------------------------------------------

log = logging.getLogger("certificates")


def _storage_error(exc: OSError) -> DomainError:
    """A disk problem as a clear error: 507 when the disk is full, 503 otherwise."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DomainError.single("storage_full", N_(
            "The disk that stores certificate PDFs is full; nothing more could be saved. Free some space "
            "(or ask the system administrator), then run the issuance again: it completes the missing files."),
            "file", http_status=507)
    return DomainError.single("storage_unavailable", N_(
        "Certificate PDFs cannot be saved ({reason}). Ask the system administrator to check the data folder, "
        "then run the issuance again: it completes the missing files."), "file", http_status=503,
        reason=exc.strerror or type(exc).__name__)


def _render_to_file(view: CertificateView, path: str) -> str:
    """Render one certificate into ``path`` atomically; its SHA-256. Runs in worker processes too."""
    global _writing
    data = render_pdf(view)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    _writing = tmp
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        _writing = None
    return hashlib.sha256(data).hexdigest()


_pool: ProcessPoolExecutor | None = None


_writing: Path | None = None  # the temporary file this process is writing, if any


def _die_with_service(service_pid: int) -> None:
    """Worker initializer: end this worker as soon as the service (or command) that started it ends,
    even by kill -9, removing a half-written temporary file. (Workers are forked by the forkserver,
    which itself stays alive while workers do, so the parent-death signal cannot be used.)"""

    def watch() -> None:
        try:
            handle = os.pidfd_open(service_pid)
            select.select([handle], [], [])  # readable once the process has ended
        except (OSError, AttributeError):  # no pidfd (old kernel, not Linux): poll
            while _pid_alive(service_pid):
                time.sleep(0.5)
        if _writing is not None:
            _writing.unlink(missing_ok=True)
        os._exit(0)

    threading.Thread(target=watch, name="watch-service", daemon=True).start()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_TEMPORARY = re.compile(r"\..+\.(\d+)-[0-9a-f]{8}\.tmp")


def _sweep_temporaries(folders: set[Path]) -> None:
    """Remove temporary files left by a process that was killed while writing."""
    for folder in folders:
        if not folder.is_dir():
            continue
        for entry in folder.glob(".*.tmp"):
            found = _TEMPORARY.fullmatch(entry.name)
            if found and not _pid_alive(int(found.group(1))):
                entry.unlink(missing_ok=True)


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=pdf_workers(), mp_context=multiprocessing.get_context("forkserver"),
                                    initializer=_die_with_service, initargs=(os.getpid(),))
    return _pool


def shutdown_workers() -> None:
    """End the PDF worker processes (called when the service stops)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


async def _render_rows(rows: list[dict[str, Any]], language: str, progress: Progress | None) -> dict[int, str]:
    """Render and store PDFs of the rows; {certificate id: sha256}. The first disk error stops the
    work (queued renders are cancelled) and becomes a clear error."""
    loop = asyncio.get_running_loop()
    jobs = [(r["id"], view_of(r, language), str(pdf_path(r["number"], r["register_year"], language)))
            for r in rows]
    out: dict[int, str] = {}
    total = len(jobs)
    _sweep_temporaries({Path(path).parent for _cid, _view, path in jobs})
    try:
        if total >= PARALLEL_FROM and pdf_workers() > 1:
            pool = _executor()

            async def one(cid: int, view: CertificateView, path: str) -> tuple[int, str]:
                return cid, await asyncio.wrap_future(pool.submit(_render_to_file, view, path))

            tasks = [asyncio.ensure_future(one(*job)) for job in jobs]
            try:
                for done, next_result in enumerate(asyncio.as_completed(tasks), 1):
                    cid, digest = await next_result
                    out[cid] = digest
                    if progress:
                        progress("pdf", done, total)
            finally:
                for task in tasks:  # after an error: queued renders never start
                    task.cancel()
            return out
        for done, (cid, view, path) in enumerate(jobs, 1):
            out[cid] = await loop.run_in_executor(None, _render_to_file, view, path)
            if progress:
                progress("pdf", done, total)
        return out
    except OSError as exc:
        log.error("certificate PDFs: %s after %d of %d files", exc.strerror or exc, len(out), total)
        raise _storage_error(exc) from exc


def _hash_column(language: str):
    return Certificate.pdf_sha256 if language == "vi" else Certificate.pdf_en_sha256


def _needs_pdf(row: dict[str, Any], language: str) -> bool:
    recorded = row["pdf_sha256" if language == "vi" else "pdf_en_sha256"]
    return recorded is None or not pdf_path(row["number"], row["register_year"], language).is_file()


async def ensure_pdfs(rows: Sequence[dict[str, Any]], progress: Progress | None = None,
                      language: str = "vi") -> int:
    """Give every one of these certificates its stored PDF and recorded SHA-256: render what is missing
    (no hash recorded, or the file is gone). Returns how many were rendered."""
    language = "en" if language == "en" else "vi"
    todo = [r for r in rows if _needs_pdf(r, language)]
    if not todo:
        return 0
    digests = await _render_rows(todo, language, progress)
    column = _hash_column(language)
    recorded = {r["id"]: r[column._meta.name] for r in todo}
    async with write_transaction():
        for cid, digest in digests.items():
            if recorded[cid] == digest:
                continue
            await Certificate.update({column: digest}).where(Certificate.id == cid).run()
            if recorded[cid] is not None:
                # Rendering is deterministic, so this only happens after a font or library upgrade:
                # keep the old hash in the audit log so an older download can still be traced.
                log.warning("certificate %s: PDF rendered again with a different SHA-256", cid)
                await audit_pdf_change(cid, recorded[cid], digest, column._meta.name)
    return len(digests)


async def audit_pdf_change(cert_id: int, before: str, after: str, column: str) -> None:
    """Record that a certificate's PDF was rendered again with a different hash (user ``system``)."""
    await audit(None, "rerender", Certificate, cert_id, {column: before}, {column: after})
