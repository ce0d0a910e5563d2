"""The shorter write path of ADR 0046 keeps its invariants: the enrolment read back by its INSERT (RETURNING),
the scores saved by one UPDATE per hundred learners, and the connections the SQLite engine reuses.

Each test runs two requests at once and checks that they overlapped (both had started before either
finished); on both databases."""

import asyncio
import json
import os
import sqlite3
import time

import pytest
from factories import IS_POSTGRES, make_class, make_person, run, unique


async def _overlapping(*calls):
    """Run the calls at once; returns their results (or exceptions) and whether they overlapped in time."""
    spans: list[tuple[float, float]] = []

    async def timed(call):
        began = time.perf_counter()
        try:
            return await call
        finally:
            spans.append((began, time.perf_counter()))

    results = await asyncio.gather(*[timed(c) for c in calls], return_exceptions=True)
    return results, max(b for b, _ in spans) < min(e for _, e in spans)


def test_two_enrolments_for_the_last_seat_at_once_one_confirmed_and_audited_as_stored():
    from training.auth.access import SYSTEM
    from training.classes import enrolment
    from training.classes.tables import Enrolment
    from training.records.tables import AuditLog

    cls = make_class(status="open", capacity=1)
    people = [make_person(full_name=unique("Chỗ cuối "))["id"] for _ in range(2)]
    results, overlapped = run(_overlapping(*[enrolment.enrol(cls["id"], p, SYSTEM) for p in people]))
    assert overlapped
    assert sorted(r["status"] for r in results) == ["confirmed", "waitlisted"], results
    stored = {r["id"]: r for r in run(Enrolment.select().where(Enrolment.training_class == cls["id"]).run())}
    assert len(stored) == 2
    for returned in results:  # what the request answered is the row as stored
        assert returned == stored[returned["id"]]
    audited = run(AuditLog.select(AuditLog.row_id, AuditLog.after).where(
        (AuditLog.table_name == "enrolment") & (AuditLog.action == "create")
        & AuditLog.row_id.is_in(list(stored))).run())
    assert {a["row_id"]: json.loads(a["after"])["status"] for a in audited} == {
        i: r["status"] for i, r in stored.items()}


def test_two_score_saves_at_once_store_one_whole_set_never_a_mix():
    from training.auth.access import SYSTEM
    from training.classes import enrolment, scores
    from training.classes.tables import Enrolment
    from training.records.tables import AuditLog

    cls = make_class(status="open", capacity=150)
    ids = [run(enrolment.enrol(cls["id"], make_person(full_name=unique("Điểm "))["id"], SYSTEM))["id"]
           for _ in range(130)]  # more than one UPDATE's hundred rows
    first = [scores.ScoreEntry(e, "7,5") for e in ids]
    second = [scores.ScoreEntry(e, 9.25 if n % 2 else None) for n, e in enumerate(ids)]
    results, overlapped = run(_overlapping(scores.save_scores(cls["id"], first, SYSTEM),
                                           scores.save_scores(cls["id"], second, SYSTEM)))
    assert overlapped
    assert [r["saved"] for r in results] == [130, 130], results
    stored = {r["id"]: r["score"] for r in run(Enrolment.select(Enrolment.id, Enrolment.score).where(
        Enrolment.training_class == cls["id"]).run())}
    assert stored in ({e: 7.5 for e in ids}, {e: (9.25 if n % 2 else None) for n, e in enumerate(ids)})
    saves = run(AuditLog.select(AuditLog.after).where(
        (AuditLog.table_name == "training_class") & (AuditLog.action == "scores")
        & (AuditLog.row_id == cls["id"])).order_by(AuditLog.id).run())
    last = {int(k): v for k, v in json.loads(saves[-1]["after"])["scores"].items()}
    assert len(saves) == 2 and {e: stored[e] for e in last} == last  # the last save's audit is what is stored


async def _count_elsewhere(names: list[str]) -> int:
    """People named ``names`` as a connection of its own sees them (committed rows only)."""
    if IS_POSTGRES:
        import asyncpg

        conn = await asyncpg.connect(os.environ["DATABASE_URL"])
        try:
            return await conn.fetchval("SELECT count(*) FROM person WHERE full_name = any($1::text[])", names)
        finally:
            await conn.close()
    from training.core.db import engine

    with sqlite3.connect(engine().path) as conn:
        marks = ",".join("?" * len(names))
        return conn.execute(f"SELECT count(*) FROM person WHERE full_name IN ({marks})", names).fetchone()[0]


class _Refused(Exception):
    pass


def test_a_write_refused_halfway_leaves_no_transaction_open_on_a_reused_connection():
    """Two writers at once, one refused after its INSERT: its row is gone, and every write after it (on the
    connections the engine reuses) is committed, as a connection of its own sees."""
    from training.core.db import write_transaction
    from training.people.tables import Person

    province = make_person(full_name=unique("Tỉnh "))["province"]

    async def write(name: str, refuse: bool) -> str:
        async with write_transaction():
            await Person.insert(Person(full_name=name, sex="female", staff_category="collaborator",
                                       province=province)).run()
            await asyncio.sleep(0.05)
            if refuse:
                raise _Refused(name)
        return name

    async def scenario():
        results, overlapped = await _overlapping(write(unique("Bỏ "), True), write(unique("Giữ "), False))
        later = [unique("Sau ") for _ in range(20)]
        for name in later:
            await Person.insert(Person(full_name=name, sex="male", staff_category="collaborator",
                                       province=province)).run()
        return results, overlapped, later

    (refused, kept), overlapped, later = run(scenario())
    assert overlapped and isinstance(refused, _Refused)
    assert run(_count_elsewhere([refused.args[0]])) == 0
    assert run(_count_elsewhere([kept, *later])) == 21


@pytest.mark.skipif(IS_POSTGRES, reason="the connection pool of the SQLite engine")
def test_a_replaced_database_file_is_never_read_through_a_connection_to_the_old_one(tmp_path):
    """A restore or a new database replaces the file: connections the engine kept to the old file are dropped."""
    from training.core.sqlite_engine import PooledSQLiteEngine

    path = str(tmp_path / "one.sqlite")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.execute("INSERT INTO t VALUES ('old')")
    db = PooledSQLiteEngine(path=path, timeout=5)

    async def read_twice():
        first = await asyncio.gather(*[db.run_ddl("SELECT v FROM t") for _ in range(4)])  # connections kept
        other = str(tmp_path / "two.sqlite")
        with sqlite3.connect(other) as conn:
            conn.execute("CREATE TABLE t (v TEXT)")
            conn.execute("INSERT INTO t VALUES ('new')")
        os.replace(other, path)
        return first, await asyncio.gather(*[db.run_ddl("SELECT v FROM t") for _ in range(4)])

    before, after = run(read_twice())
    assert before == [[{"v": "old"}]] * 4 and after == [[{"v": "new"}]] * 4
