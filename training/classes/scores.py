"""The scores of a class: read as people type them ("8,5", "8.5", "10", blank) and saved all at once.

A score is on the 10-point scale with at most two decimals (``policy.score_problem``, the same rule the
row validation applies to ``Enrolment.score`` on every other path). ``save_scores`` saves the scores of
one class in one go: all or nothing, under the class lock (``states.locked_class``), only for the learners
whose result closing will decide (``states.DECIDED_AT_CLOSE``), refused once the class is closed or
cancelled, one audit entry for the whole save. Every refusal names the line of the request and the learner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from training.auth.access import Actor
from training.classes import closing, policy, states
from training.classes.tables import Enrolment, TrainingClass
from training.core.db import chunks, write_transaction
from training.core.errors import DomainError, FieldError
from training.core.i18n import N_
from training.core.numbers import parse_decimal
from training.records.audit import audit
from training.records.rows import visible_row

MESSAGES = {
    "score_not_number": N_("line {row}, {name}: “{value}” is not a score; type a number from 0 to 10, such as 8,5."),
    "score_out_of_range": N_("line {row}, {name}: the score {value} is outside 0–10."),
    "score_decimals": N_("line {row}, {name}: a score has at most 2 decimals (got {value})."),
}


@dataclass
class ScoreEntry:
    enrolment: int
    score: str | float | int | None


def read_score(value: str | float | int | None) -> tuple[float | None, str | None]:
    """A typed or sent score: (the number, None) or (None, the error code). Blank or None: no score."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, "score_not_number"
    if isinstance(value, str):
        exact = parse_decimal(value)
        if exact is None:
            return None, "score_not_number"
    elif isinstance(value, float) and not math.isfinite(value):
        return None, "score_out_of_range"
    else:
        exact = Decimal(repr(value))
    problem = policy.score_problem(exact)
    return (None, problem) if problem else (float(exact), None)


async def save_scores(class_id: int, entries: list[ScoreEntry], actor: Actor) -> dict[str, Any]:
    """Set the scores of a class's learners in one go (all or nothing); returns how many changed."""
    await visible_row(TrainingClass, class_id, actor, write=True)
    async with write_transaction():
        cls = await states.locked_class(class_id)
        if cls["status"] in ("closed", "cancelled"):
            raise states.class_closed(cls)
        rows = {r["id"]: r for r in await Enrolment.select(
            Enrolment.id, Enrolment.status, Enrolment.score, Enrolment.person.full_name.as_alias("name")).where(
            Enrolment.training_class == class_id).run()}
        wanted = _wanted_scores(rows, entries)
        before = {eid: rows[eid]["score"] for eid in wanted}
        changed = {eid: score for eid, score in wanted.items() if score != before[eid]}
        await _store_scores(changed)
        if changed:
            await audit(actor, "scores", TrainingClass, class_id,
                        {"scores": {str(e): before[e] for e in changed}},
                        {"scores": {str(e): s for e, s in changed.items()}})
    return {"class": class_id, "saved": len(wanted), "changed": len(changed)}


async def _store_scores(scores: dict[int, float | None]) -> None:
    """Each enrolment's new score, a hundred rows per statement (one UPDATE … CASE rather than one per
    learner: fewer statements inside the write lock)."""
    for part in chunks(list(scores.items()), 100):
        cases = " ".join("WHEN {} THEN CAST({} AS DOUBLE PRECISION)" for _ in part)
        ids = ", ".join("{}" for _ in part)
        args = [value for pair in part for value in pair] + [eid for eid, _score in part]
        await Enrolment.raw(f"UPDATE enrolment SET score = CASE id {cases} END WHERE id IN ({ids})", *args).run()


def _wanted_scores(rows: dict[int, dict[str, Any]], entries: list[ScoreEntry]) -> dict[int, float | None]:
    errors: list[FieldError] = []
    wanted: dict[int, float | None] = {}
    for position, entry in enumerate(entries, start=1):
        row = rows.get(entry.enrolment)
        if row is None:
            errors.append(FieldError("not_in_class", N_("line {row}: enrolment {id} is not in this class."),
                                     "enrolment", {"row": position, "id": entry.enrolment}))
            continue
        params = {"row": position, "name": row["name"]}
        if row["status"] not in states.DECIDED_AT_CLOSE:
            errors.append(FieldError("not_scored", N_(
                "line {row}, {name}: {status}; scores are entered only for confirmed learners."), "enrolment",
                {**params, "status": states.status_label(row["status"])}))
        elif entry.enrolment in wanted:
            errors.append(FieldError("score_twice", N_("line {row}, {name}: this learner is listed twice."),
                                     "enrolment", params))
        else:
            score, problem = read_score(entry.score)
            if problem:
                errors.append(FieldError(problem, MESSAGES[problem], "score", {**params, "value": entry.score}))
            else:
                wanted[entry.enrolment] = score
    if errors:
        raise DomainError(errors)
    return wanted


async def score_sheet(class_id: int, actor: Actor) -> dict[str, Any]:
    """The class as its scores grid shows it, for those who may change it: closing's own view of it
    (``closing.decide``: every learner closing decides, in Vietnamese name order, with organisation,
    attended share and score; once closed, ``closing.results``) and whether scores may still change."""
    await visible_row(TrainingClass, class_id, actor, write=True)
    decision = await closing.decide(class_id)
    if decision["class"]["status"] == "closed":  # its learners' results are decided: show them, read-only
        decision["learners"] = await closing.results(class_id)
    return {**decision, "editable": decision["class"]["status"] not in ("closed", "cancelled")}
