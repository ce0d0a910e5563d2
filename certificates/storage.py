"""Where certificate PDFs live, and how they are rendered and stored.

PDFs live in the database (``certificates.tables.CertificatePdf``, one row per certificate and
language), so every server of one database serves every download and class ZIP (ADR 0040). A
certificate row is committed first (numbers are decided in the database, see ``certificates.issuing``);
its PDF is rendered afterwards, from the row alone (``view_of``), and stored in small batches as the
renders finish. So a crash (kill -9, power cut) can leave rows whose PDF or recorded SHA-256 is missing:
``ensure_pdfs`` finds and completes them, and every path that needs a file (issuing again, a download,
the class ZIP) calls it. Rendering is deterministic, so a PDF rendered again is the same file. PDFs an
older version wrote into ``<data folder>/certificates/<year>/`` are taken from there (when their SHA-256
is the recorded one) the first time they are needed; paths are made from the number with anything but
``A-Z a-z 0-9 -`` replaced, and must resolve inside the data folder.

Big batches render in worker processes (a forkserver pool); each worker ends as soon as the
process that started it ends, even by kill -9, and the service stops the pool on shutdown.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import multiprocessing
import os
import select
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from certificates.rendering import CertificateView, render_pdf
from certificates.tables import Certificate, CertificatePdf
from training.core.config import get_settings, pdf_workers
from training.core.db import chunks, write_transaction
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


# --- rendering ---------------------------------------------------------------------------------------

log = logging.getLogger("certificates")
STORE_BATCH = 25  # PDFs stored per transaction while a batch renders: a crash keeps what was stored


_pool: ProcessPoolExecutor | None = None


def _die_with_service(service_pid: int) -> None:
    """Worker initializer: end this worker as soon as the service (or command) that started it ends,
    even by kill -9. (Workers are forked by the forkserver, which itself stays alive while workers do,
    so the parent-death signal cannot be used.)"""

    def watch() -> None:
        try:
            handle = os.pidfd_open(service_pid)
            select.select([handle], [], [])  # readable once the process has ended
        except (OSError, AttributeError):  # no pidfd (old kernel, not Linux): poll
            while _pid_alive(service_pid):
                time.sleep(0.5)
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


def _legacy_file(row: dict[str, Any], language: str) -> bytes | None:
    """The PDF an older version stored in the data folder, if it is there and is the recorded one."""
    recorded = row["pdf_sha256" if language == "vi" else "pdf_en_sha256"]
    if recorded is None:
        return None
    try:
        data = pdf_path(row["number"], row["register_year"], language).read_bytes()
    except (OSError, DomainError):
        return None
    return data if hashlib.sha256(data).hexdigest() == recorded else None


async def _rendered(rows: list[dict[str, Any]], language: str, progress: Progress | None):
    """(certificate id, PDF bytes) for each row as each is ready: a PDF of an older version's data folder,
    else rendered (in worker processes for a big batch)."""
    loop = asyncio.get_running_loop()
    total = len(rows)
    jobs = []
    done = 0
    for r in rows:
        legacy = _legacy_file(r, language)
        if legacy is not None:
            done += 1
            if progress:
                progress("pdf", done, total)
            yield r["id"], legacy
        else:
            jobs.append((r["id"], view_of(r, language)))
    if len(jobs) >= PARALLEL_FROM and pdf_workers() > 1:
        pool = _executor()

        async def one(cid: int, view: CertificateView) -> tuple[int, bytes]:
            return cid, await asyncio.wrap_future(pool.submit(render_pdf, view))

        tasks = [asyncio.ensure_future(one(*job)) for job in jobs]
        try:
            for next_result in asyncio.as_completed(tasks):
                done += 1
                if progress:
                    progress("pdf", done, total)
                yield await next_result
        finally:
            for task in tasks:  # after an error: queued renders never start
                task.cancel()
        return
    for cid, view in jobs:
        data = await loop.run_in_executor(None, render_pdf, view)
        done += 1
        if progress:
            progress("pdf", done, total)
        yield cid, data


def _hash_column(language: str):
    return Certificate.pdf_sha256 if language == "vi" else Certificate.pdf_en_sha256


async def _stored_hashes(ids: list[int], language: str) -> dict[int, str]:
    """{certificate id: SHA-256 of its stored PDF} for those of ``ids`` that have one."""
    found: dict[int, str] = {}
    for chunk in chunks(ids):
        rows = await CertificatePdf.select(CertificatePdf.certificate, CertificatePdf.sha256).where(
            CertificatePdf.certificate.is_in(chunk), CertificatePdf.language == language).run()
        found.update({r["certificate"]: r["sha256"] for r in rows})
    return found


async def _store(batch: list[tuple[int, bytes]], recorded: dict[int, str | None], language: str) -> None:
    """Store rendered PDFs and record their hashes, in one transaction."""
    column = _hash_column(language)
    async with write_transaction():
        # An upsert, not delete-then-insert: two issuances of one class at once may both render a PDF
        # (rendering is deterministic, the bytes are the same); the second must not hit the unique index.
        await CertificatePdf.insert(*[CertificatePdf(certificate=cid, language=language, data=data,
                                                     sha256=hashlib.sha256(data).hexdigest())
                                      for cid, data in batch]).on_conflict(
            target=(CertificatePdf.certificate, CertificatePdf.language), action="DO UPDATE",
            values=[CertificatePdf.data, CertificatePdf.sha256]).run()
        for cid, data in batch:
            digest = hashlib.sha256(data).hexdigest()
            if recorded[cid] == digest:
                continue
            await Certificate.update({column: digest}).where(Certificate.id == cid).run()
            if recorded[cid] is not None:
                # Rendering is deterministic, so this only happens after a font or library upgrade:
                # keep the old hash in the audit log so an older download can still be traced.
                log.warning("certificate %s: PDF rendered again with a different SHA-256", cid)
                await audit_pdf_change(cid, recorded[cid], digest, column._meta.name)


async def ensure_pdfs(rows: Sequence[dict[str, Any]], progress: Progress | None = None,
                      language: str = "vi") -> int:
    """Give every one of these certificates its stored PDF and recorded SHA-256: render what is missing
    (no hash recorded, or no stored PDF with that hash). Returns how many were stored."""
    language = "en" if language == "en" else "vi"
    column = _hash_column(language)._meta.name
    stored = await _stored_hashes([r["id"] for r in rows], language)
    todo = [r for r in rows if r[column] is None or stored.get(r["id"]) != r[column]]
    if not todo:
        return 0
    recorded = {r["id"]: r[column] for r in todo}
    batch: list[tuple[int, bytes]] = []
    count = 0
    async for cid, data in _rendered(todo, language, progress):
        batch.append((cid, data))
        if len(batch) >= STORE_BATCH:
            await _store(batch, recorded, language)
            count, batch = count + len(batch), []
    if batch:
        await _store(batch, recorded, language)
        count += len(batch)
    return count


async def stored_pdfs(ids: Sequence[int], language: str = "vi") -> dict[int, bytes]:
    """{certificate id: its stored PDF} (call ``ensure_pdfs`` first)."""
    language = "en" if language == "en" else "vi"
    found: dict[int, bytes] = {}
    for chunk in chunks(list(ids), 100):
        rows = await CertificatePdf.select(CertificatePdf.certificate, CertificatePdf.data).where(
            CertificatePdf.certificate.is_in(chunk), CertificatePdf.language == language).run()
        found.update({r["certificate"]: bytes(r["data"]) for r in rows})
    return found


async def audit_pdf_change(cert_id: int, before: str, after: str, column: str) -> None:
    """Record that a certificate's PDF was rendered again with a different hash (user ``system``)."""
    await audit(None, "rerender", Certificate, cert_id, {column: before}, {column: after})
