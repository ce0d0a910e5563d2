"""Closing a class: one decision, shown before it is applied, applied only as it was shown.

``decide`` is the one function that says, for every learner closing decides (``states.DECIDED_AT_CLOSE``),
completed or failed and why (``policy.completes``: the attended share against the course's minimum, the
score against its pass mark), and what the coordinator should know first (warnings): sessions that took
place with no marks at all, learners left unmarked in a session others were marked in (both count as
absent: the decision says so instead of failing them silently), sessions still to come (they count as
missed), missing scores where the course has a pass mark. Its ``fingerprint`` is a hash of everything
the decision depends on and says.

``close_class`` takes the class lock, decides again with ``decide`` on the values read under the lock and,
when the caller sends the fingerprint of the preview it confirmed, refuses (409, nothing changed) if the
decision is no longer the same. The closing page always sends it; the API accepts a close without one
from a bearer token (the scripts that closed classes before the preview existed), never from a browser
session (ADR 0032).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from babel.numbers import format_decimal, format_percent

from training.auth.access import Actor
from training.classes import policy, states, trainers
from training.classes.tables import Attendance, ClassSession, Course, Enrolment, TrainingClass
from training.core.collation import vi_name_key
from training.core.db import write_transaction
from training.core.errors import Conflict, DomainError
from training.core.i18n import N_, _, get_language
from training.coverage.facts import class_changed
from training.records.audit import audit
from training.records.rows import visible_row

NAMES_SHOWN = 10  # a warning names at most this many learners or dates, then "…"


def score_text(value: float | None) -> str:
    """A score as the reader writes it (8,5 in Vietnamese); empty without a score."""
    return "" if value is None else format_decimal(value, locale=get_language())


def share_text(value: float) -> str:
    return format_percent(value, "#,##0.#%", locale=get_language())


def _listed(items: list[str]) -> str:
    return ", ".join(items[:NAMES_SHOWN]) + (", …" if len(items) > NAMES_SHOWN else "")


def _note(code: str, message: str, **params: Any) -> dict[str, Any]:
    """A reason or a warning: its code, and its text in the reader's language."""
    return {"code": code, "text": _(message, **params)}


def _dates(sessions: list[dict[str, Any]]) -> str:
    return _listed([s["session_date"].strftime("%d/%m/%Y") for s in sessions])


async def _facts(class_id: int, statuses: list[str] = states.DECIDED_AT_CLOSE) -> dict[str, Any]:
    """What the decision reads: the class, its course, sessions, learners (in these statuses) and marks."""
    cls = await TrainingClass.select(TrainingClass.id, TrainingClass.code, TrainingClass.status,
                                     TrainingClass.course).where(TrainingClass.id == class_id).first().run()
    course = await Course.select(Course.name_vi, Course.pass_mark, Course.min_attendance_share,
                                 Course.excused_counts_as_present).where(Course.id == cls["course"]).first().run()
    sessions = await ClassSession.select(ClassSession.id, ClassSession.session_date).where(
        ClassSession.training_class == class_id).order_by(ClassSession.session_date).order_by(
        ClassSession.start_time).run()
    learners = await Enrolment.select(
        Enrolment.id, Enrolment.status, Enrolment.score, Enrolment.classification,
        Enrolment.person.full_name.as_alias("name"), Enrolment.person.organisation.name.as_alias("organisation")
    ).where((Enrolment.training_class == class_id) & Enrolment.status.is_in(statuses)).run()
    learners.sort(key=lambda r: (vi_name_key(r["name"]), r["id"]))
    marks: dict[int, dict[int, str]] = {}
    for mark in await Attendance.select(Attendance.session, Attendance.enrolment, Attendance.status).where(
            Attendance.session.training_class == class_id).run():
        marks.setdefault(mark["session"], {})[mark["enrolment"]] = mark["status"]
    return {"class": cls, "course": course, "sessions": sessions, "learners": learners, "marks": marks}


def _learner(row: dict[str, Any], facts: dict[str, Any], held: list[dict[str, Any]]) -> dict[str, Any]:
    """One learner's result, its reasons, and the held sessions that have no mark for them."""
    course, sessions, marks = facts["course"], facts["sessions"], facts["marks"]
    counted = policy.attended_marks(course["excused_counts_as_present"])
    attended = sum(1 for s in sessions if marks.get(s["id"], {}).get(row["id"]) in counted)
    share = policy.attended_share(attended, len(sessions))
    unmarked = [s for s in held if row["id"] not in marks.get(s["id"], {})]
    minimum, pass_mark, score = course["min_attendance_share"], course["pass_mark"], row["score"]
    completed = policy.completes(share, score, minimum, pass_mark)
    reasons = []
    if not policy.attends_enough(share, minimum):
        reasons.append(_note("attendance_below", N_(
            "attended {attended} of {sessions} sessions ({share}), below the course's minimum of {minimum}"),
            attended=attended, sessions=len(sessions), share=share_text(share),
            minimum=share_text(policy.min_attendance_share(minimum))))
    if pass_mark is not None and score is None:
        reasons.append(_note("score_missing", N_("no score, and the course's pass mark is {pass_mark}"),
                             pass_mark=score_text(pass_mark)))
    elif not policy.passes_score(score, pass_mark):
        reasons.append(_note("score_below", N_("score {score} is below the pass mark {pass_mark}"),
                             score=score_text(score), pass_mark=score_text(pass_mark)))
    notes = []
    if unmarked:
        notes.append(_note("unmarked_counted_absent", N_(
            "no mark in {count} session(s) that took place ({dates}): counted as absent"),
            count=len(unmarked), dates=_dates(unmarked)))
    return {"enrolment": row["id"], "name": row["name"], "organisation": row["organisation"] or "",
            "status": row["status"], "score": score, "score_text": score_text(score), "attended": attended,
            "sessions": len(sessions), "share": share, "share_text": share_text(share),
            "unmarked": len(unmarked), "result": "completed" if completed else "failed",
            "classification": policy.classify(score) if completed else None, "reasons": reasons, "notes": notes}


def _warnings(facts: dict[str, Any], learners: list[dict[str, Any]], held: list[dict[str, Any]],
              future: list[dict[str, Any]]) -> list[dict[str, Any]]:
    marks, pass_mark = facts["marks"], facts["course"]["pass_mark"]
    warnings = []
    if not learners:
        warnings.append(_note("no_learners", N_(
            "The class has no confirmed learners: closing decides nobody's result.")))
    if not facts["sessions"]:
        warnings.append(_note("no_sessions", N_(
            "The class has no sessions: every learner's attendance share is 0 and everyone fails.")))
    empty = [s for s in held if not marks.get(s["id"])]
    if empty and learners:
        warnings.append(_note("sessions_unmarked", N_(
            "{count} session(s) that took place have no attendance marks at all ({dates}): every learner counts "
            "as absent in them. Take the attendance first."), count=len(empty), dates=_dates(empty)))
    partly = [r["name"] for r in learners
              if any(marks.get(s["id"]) and r["enrolment"] not in marks[s["id"]] for s in held)]
    if partly:
        warnings.append(_note("learners_unmarked", N_(
            "{count} learner(s) have no mark in a session where others were marked ({names}): they count as "
            "absent there."), count=len(partly), names=_listed(partly)))
    if future:
        warnings.append(_note("sessions_future", N_(
            "{count} session(s) have not taken place yet ({dates}): closing now counts them as missed by "
            "everyone."), count=len(future), dates=_dates(future)))
    unscored = [r["name"] for r in learners if r["score"] is None]
    if pass_mark is not None and unscored:
        warnings.append(_note("scores_missing", N_(
            "The course has a pass mark of {pass_mark} but {count} learner(s) have no score ({names}): they "
            "fail. Enter the scores first."), pass_mark=score_text(pass_mark), count=len(unscored),
            names=_listed(unscored)))
    return warnings


def fingerprint(decision: dict[str, Any]) -> str:
    """A hash of what the decision depends on and says, in no particular language."""
    key = {"class": decision["class"]["id"], "status": decision["class"]["status"],
           "course": [decision["course"][k] for k in ("min_attendance_share", "pass_mark",
                                                      "excused_counts_as_present")],
           "sessions": [[s["id"], s["session_date"].isoformat()] for s in decision["session_rows"]],
           "learners": [[r["enrolment"], r["status"], r["score"], r["attended"], r["unmarked"], r["result"],
                         r["classification"], [n["code"] for n in r["reasons"]]] for r in decision["learners"]],
           "warnings": sorted(w["code"] for w in decision["warnings"])}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:32]


async def decide(class_id: int, on: dt.date | None = None) -> dict[str, Any]:
    """What closing the class would decide now (``on``: the day, default today). Read-only."""
    facts = await _facts(class_id)
    day = on or dt.date.today()
    held = [s for s in facts["sessions"] if s["session_date"] <= day]
    future = [s for s in facts["sessions"] if s["session_date"] > day]
    learners = [_learner(row, facts, held) for row in facts["learners"]]
    course = facts["course"]
    decision = {
        "class": facts["class"], "course": course, "session_rows": facts["sessions"], "learners": learners,
        # a closed or cancelled class has nothing left to decide: no warnings
        "warnings": (_warnings(facts, learners, held, future)
                     if facts["class"]["status"] in states.ACTIVE_CLASS_STATUSES else []),
        "minimum_text": share_text(policy.min_attendance_share(course["min_attendance_share"])),
        "pass_mark_text": score_text(course["pass_mark"]),
        "sessions": {"total": len(facts["sessions"]), "held": len(held), "future": len(future)},
        "counts": {"completed": sum(r["result"] == "completed" for r in learners),
                   "failed": sum(r["result"] == "failed" for r in learners)},
    }
    decision["fingerprint"] = fingerprint(decision)
    return decision


async def preview(class_id: int, actor: Actor, on: dt.date | None = None) -> dict[str, Any]:
    """The closing preview, for those who may close the class (else the same 403/404 as closing)."""
    await visible_row(TrainingClass, class_id, actor, write=True)
    return await decide(class_id, on)


async def close_class(class_id: int, actor: Actor, confirmed: str | None = None, *, require_review: bool = False,
                      on: dt.date | None = None) -> dict[str, Any]:
    """Close the class as ``decide`` decides it under the class lock: the one way to ``closed``
    (``states.CLASS_MOVES``). ``confirmed``: the fingerprint of the preview the user confirmed; when given,
    a different decision now is refused (409) and nothing changes. ``require_review``: refuse (428) a close
    without one."""
    await visible_row(TrainingClass, class_id, actor, write=True)
    async with write_transaction():
        cls = await states.locked_class(class_id)
        if cls["status"] in ("closed", "cancelled"):
            raise states.class_closed(cls)
        states.check_class_move(cls["code"], cls["status"], "closed", "close")
        decision = await decide(class_id, on)
        if confirmed is None and require_review:
            raise DomainError.single("preview_required", N_(
                "Review what closing will decide first (the closing preview), then confirm it."), http_status=428)
        if confirmed is not None and confirmed != decision["fingerprint"]:
            raise Conflict.single("preview_changed", N_(
                "What closing decides has changed since the preview you confirmed (attendance, scores or learners "
                "changed meanwhile). Nothing was closed: review the preview again, then confirm."))
        for learner in decision["learners"]:
            states.check_enrolment_move(learner["status"], learner["result"], "close")
            await Enrolment.update({Enrolment.status: learner["result"],
                                    Enrolment.classification: learner["classification"]}).where(
                Enrolment.id == learner["enrolment"]).run()
        graduates = [row["person"] for row in await Enrolment.select(Enrolment.person).where(
            (Enrolment.training_class == class_id) & (Enrolment.status == "completed")).run()]
        granted = await trainers.grant_from_class(class_id, cls["course"], graduates)
        await TrainingClass.update({TrainingClass.status: "closed"}).where(TrainingClass.id == class_id).run()
        after = await TrainingClass.select().where(TrainingClass.id == class_id).first().run()
        await audit(actor, "close", TrainingClass, class_id, cls, {
            **after, "results": decision["counts"], "fingerprint": decision["fingerprint"],
            "trainer_courses_granted": granted,
            "reviewed": confirmed is not None, "warnings": [w["code"] for w in decision["warnings"]]})
        await class_changed(class_id)
    return {"class": class_id, **decision["counts"], "fingerprint": decision["fingerprint"]}


async def results(class_id: int) -> list[dict[str, Any]]:
    """A closed class's results as they were decided, in Vietnamese name order: who completed (and the
    classification) and who failed, with their attendance and scores."""
    facts = await _facts(class_id, ["completed", "failed"])
    rows = []
    for row in facts["learners"]:
        shown = _learner(row, facts, facts["sessions"])
        rows.append({**shown, "result": row["status"], "classification": row["classification"],
                     "status_text": states.status_label(row["status"])})
    return rows
