"""Benchmark: issue the certificates of one closed class of 1,500 learners who completed.

    .venv/bin/python bench/issue_class.py [--learners 1500] [--keep]
    BENCH_DATABASE_URL=postgresql://user:pw@127.0.0.1:5432/db .venv/bin/python bench/issue_class.py

Builds a scratch database (SQLite in a temporary folder, or the PostgreSQL database named by
BENCH_DATABASE_URL, which is wiped) with an institution, its issuer profile, a course and one
closed class whose learners all completed with a classification (bulk inserts, names from a fixed
seed, ``random.Random(1500)``). Then it times ``certificates.issuing.issue_for_class``: records,
register numbers and signed tokens in one write transaction, then the PDFs rendered in worker
processes (TRAINING_PDF_WORKERS, default min(2, CPUs); their start-up is included, as on the first
issue after a server start) and stored. It prints progress lines, the time until the records were
saved and the total, then checks that the register numbers are exactly 1..N and that N PDF files
exist with their SHA-256 recorded. Target: 1,500 certificates within 30 s.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import shutil
import sys
import time

TARGET_S = 30.0
# _scratch and _certdata are imported in main(), not here: the PDF workers (forkserver) import this
# file again as __mp_main__, and must not make scratch folders of their own.


async def bench(learners: int) -> int:
    import _certdata
    import _scratch

    from certificates import issuing, storage
    from certificates.tables import Certificate
    from training.auth.access import SYSTEM

    where = await _scratch.prepare()
    print(f"database: {where}; PDF workers: {storage.pdf_workers()}; load average {_scratch.os.getloadavg()[0]:.2f} "
          f"on {_scratch.os.cpu_count()} CPUs")
    rng = random.Random(1500)
    start = time.perf_counter()
    org = await _certdata.make_issuer()
    course = await _certdata.make_course()
    class_id = await _certdata.make_closed_class(rng, "BENCH-ISSUE-1", course, org, learners)
    print(f"built a closed class of {learners} learners who completed in {time.perf_counter() - start:.2f} s")

    marks: dict[str, float] = {}
    step = max(1, learners // 10)

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - t0
        if stage == "records" and done:
            marks["records"] = now
        if stage == "pdf" and done == 1:
            marks["first_pdf"] = now
        if stage == "records" or done % step == 0 or done == total:
            print(f"  {now:6.2f} s  {stage:<7} {done:>5}/{total}", flush=True)

    t0 = time.perf_counter()
    result = await issuing.issue_for_class(class_id, SYSTEM, progress=progress)
    total_s = time.perf_counter() - t0
    records_s = marks.get("records", float("nan"))
    issued = len(result.issued)
    print(f"issued {issued} certificates: records saved after {records_s:.2f} s, first PDF after "
          f"{marks.get('first_pdf', float('nan')):.2f} s, all PDFs stored after {total_s:.2f} s")
    print(f"  records + numbers + tokens: {records_s:.2f} s ({records_s / total_s:.0%}); "
          f"PDFs: {total_s - records_s:.2f} s ({issued / (total_s - records_s):.0f} PDFs/s)")

    ok = True
    rows = await Certificate.select(Certificate.number, Certificate.register_number, Certificate.register_year,
                                    Certificate.pdf_sha256).where(Certificate.issuer == org).order_by(
        Certificate.register_number).run()
    registers = [r["register_number"] for r in rows]
    if registers == list(range(1, learners + 1)):
        print(f"register numbers: 1..{learners}, no gaps, no duplicates")
    else:
        ok = False
        print(f"REGISTER NUMBERS WRONG: {len(registers)} rows, first {registers[:3]}, last {registers[-3:]}")
    files = sorted(storage.storage_root().rglob("*.pdf"))
    hashed = sum(1 for r in rows if r["pdf_sha256"])
    sample = random.Random(7).sample(rows, min(20, len(rows)))
    matches = sum(hashlib.sha256(storage.pdf_path(r["number"], r["register_year"]).read_bytes()).hexdigest()
                  == r["pdf_sha256"] for r in sample)
    size = sum(f.stat().st_size for f in files)
    print(f"PDF files: {len(files)} ({size / 2**20:.0f} MB), SHA-256 recorded: {hashed}, "
          f"recorded hash matches the file: {matches}/{len(sample)} sampled")
    if len(files) != learners or hashed != learners or matches != len(sample):
        ok = False
        print("PDF CHECK FAILED")
    storage.shutdown_workers()
    verdict = "OK" if total_s <= TARGET_S else "TOO SLOW"
    print(f"total {total_s:.2f} s for {issued} certificates (target {TARGET_S:.0f} s) -> {verdict}")
    return 0 if ok and total_s <= TARGET_S else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1500)
    parser.add_argument("--keep", action="store_true", help="keep the scratch data folder (PDFs, SQLite file)")
    args = parser.parse_args()
    import _scratch

    try:
        return asyncio.run(bench(args.learners))
    finally:
        folder = _scratch.os.environ["TRAINING_DATA_DIR"]
        if args.keep:
            print(f"data kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
