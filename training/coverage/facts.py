"""The derived tables of coverage, kept current: ``CompletionFact`` and ``CoverageFact``.

``CompletionFact`` has one row per counting-candidate enrolment, with its ``valid`` flag (the
definitions are in ``training.coverage.definition``); ``CoverageFact`` one row per trained person and
level, plus level ``any``. Both carry the person's province, category, commune and active period.
They are kept current by ``refresh_people``, called by the services that change what counts
(``training.records.rows`` writes through ``after_row_change``, closing/re-opening a class, the staff
import, the demo seed) and by ``certificate_status_changed`` for certificate issue/revocation/re-issue;
``rebuild()`` recomputes everything (``training coverage rebuild``).
"""

from __future__ import annotations

from collections.abc import Iterable

from training.classes.tables import Enrolment, TrainingClass
from training.core.db import chunks, engine
from training.coverage.definition import ANY, COMPLETION_CANDIDATE, COUNTS_AS_COMPLETION
from training.coverage.tables import CompletionFact, CoverageFact

_CHUNK = 500

COMPLETION_INSERT = """
INSERT INTO completion_fact (enrolment, person, province, legacy_province, commune, staff_category, level,
                             completed_on, valid)
SELECT e.id, p.id, p.province, p.legacy_province, p.commune, p.staff_category, c.level, tc.end_date,
       """ + COUNTS_AS_COMPLETION + """
FROM enrolment e
JOIN training_class tc ON tc.id = e.training_class
JOIN course c ON c.id = tc.course
JOIN person p ON p.id = e.person
WHERE """ + COMPLETION_CANDIDATE + """ {where}
"""

COVERAGE_INSERT = """
INSERT INTO coverage_fact (person, province, legacy_province, commune, staff_category, active_from, active_to,
                           level, first_on)
SELECT p.id, p.province, p.legacy_province, p.commune, p.staff_category, p.active_from, p.active_to,
       f.level, MIN(f.completed_on)
FROM completion_fact f JOIN person p ON p.id = f.person
WHERE f.valid = TRUE {where}
GROUP BY p.id, p.province, p.legacy_province, p.commune, p.staff_category, p.active_from, p.active_to, f.level
UNION ALL
SELECT p.id, p.province, p.legacy_province, p.commune, p.staff_category, p.active_from, p.active_to,
       'any', MIN(f.completed_on)
FROM completion_fact f JOIN person p ON p.id = f.person
WHERE f.valid = TRUE {where}
GROUP BY p.id, p.province, p.legacy_province, p.commune, p.staff_category, p.active_from, p.active_to
"""


async def _execute(sql: str) -> None:
    await CompletionFact.raw(sql).run()


async def refresh_people(person_ids: Iterable[int]) -> None:
    """Recompute the derived rows of these people (after any change to what they completed or who they are)."""
    ids = sorted({int(i) for i in person_ids if i is not None})
    for part in chunks(ids, _CHUNK):
        chunk = ",".join(str(i) for i in part)
        await _execute(f"DELETE FROM coverage_fact WHERE person IN ({chunk})")
        await _execute(f"DELETE FROM completion_fact WHERE person IN ({chunk})")
        await _execute(COMPLETION_INSERT.format(where=f"AND e.person IN ({chunk})"))
        await _execute(COVERAGE_INSERT.format(where=f"AND f.person IN ({chunk})"))


async def rebuild() -> int:
    """Recompute both derived tables from scratch; returns the number of people with a counting completion."""
    async with engine().transaction():
        await _execute("DELETE FROM coverage_fact")
        await _execute("DELETE FROM completion_fact")
        await _execute(COMPLETION_INSERT.format(where=""))
        await _execute(COVERAGE_INSERT.format(where=""))
    return await CoverageFact.count().where(CoverageFact.level == ANY).run()


async def certificate_status_changed(enrolment_id: int) -> None:
    """Call after a certificate of this enrolment is issued, revoked or replaced (certificates app)."""
    row = await Enrolment.select(Enrolment.person).where(Enrolment.id == enrolment_id).first().run()
    if row is not None:
        await refresh_people([row["person"]])


async def class_changed(class_id: int) -> None:
    """Call after the results, dates or course of a class change (closing, re-opening, editing)."""
    rows = await Enrolment.select(Enrolment.person).where(Enrolment.training_class == class_id).run()
    await refresh_people(r["person"] for r in rows)


async def after_row_change(table, before: dict | None, after: dict | None) -> None:
    """Hook of training.records.rows: keep the derived tables current after a generic row write."""
    name = table._meta.tablename
    rows = [r for r in (before, after) if r]
    if name == "person":
        await refresh_people(r["id"] for r in rows)
    elif name == "enrolment":
        await refresh_people(r["person"] for r in rows)
    elif name == "training_class":
        if before and after and all(before.get(k) == after.get(k) for k in ("course", "end_date")):
            return
        for r in rows:
            await class_changed(r["id"])
    elif name == "course":
        if before and after and before.get("level") == after.get("level"):
            return
        for r in rows:
            for cls in await TrainingClass.select(TrainingClass.id).where(TrainingClass.course == r["id"]).run():
                await class_changed(cls["id"])
    elif name == "certificate":
        for enrolment in {r["enrolment"] for r in rows}:
            await certificate_status_changed(enrolment)
