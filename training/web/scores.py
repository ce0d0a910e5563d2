"""Scores and closing: the API (``PUT /api/classes/{id}/scores``, ``GET /api/classes/{id}/close-preview``) and
the two pages that use it (``GET /classes/{id}/scores``: the scores grid; ``GET /classes/{id}/close``: what
closing will decide, its warnings, the confirmation). Thin over ``training.classes.scores`` and
``training.classes.closing``; ``POST /api/classes/{id}/close`` (with the preview's fingerprint) is in
``training.web.classes``.

The pages sign nothing themselves: their scripts (``training/web/static/tools/scores.js``, ``close.js``) call
the API with the admin's session cookie and the ``X-CSRFToken`` header. They are shown only to those who may
change the class (a department: its province's classes; another province: 404, as the API).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter
from litestar.response import Redirect, Template
from msgspec import Struct

from training.auth.access import Actor
from training.classes import closing, scores
from training.core.i18n import _
from training.web.auth import page_actor, provide_actor, refuse_learners
from training.web.pages import tool_page

ClassId = Annotated[int, PathParameter(description="ID of the class")]
ActorDep = NamedDependency[Actor]


class ScoreIn(Struct):
    enrolment: int
    score: str | float | None = None


class ScoresIn(Struct):
    scores: list[ScoreIn]


class ScoresOut(Struct):
    training_class: int
    saved: int
    changed: int


class NoteOut(Struct):
    code: str
    text: str


class LearnerDecision(Struct):
    enrolment: int
    name: str
    organisation: str
    attended: int
    sessions: int
    share: float
    unmarked: int
    score: float | None
    result: str
    classification: str | None
    reasons: list[NoteOut]
    notes: list[NoteOut]


class PreviewOut(Struct):
    training_class: int
    code: str
    status: str
    fingerprint: str
    min_attendance_share: float
    pass_mark: float | None
    sessions_total: int
    sessions_held: int
    sessions_future: int
    completed: int
    failed: int
    learners: list[LearnerDecision]
    warnings: list[NoteOut]


def _notes(items: list[dict[str, Any]]) -> list[NoteOut]:
    return [NoteOut(code=n["code"], text=n["text"]) for n in items]


def preview_out(decision: dict[str, Any]) -> PreviewOut:
    course, sessions = decision["course"], decision["sessions"]
    return PreviewOut(
        training_class=decision["class"]["id"], code=decision["class"]["code"], status=decision["class"]["status"],
        fingerprint=decision["fingerprint"], min_attendance_share=course["min_attendance_share"],
        pass_mark=course["pass_mark"], sessions_total=sessions["total"], sessions_held=sessions["held"],
        sessions_future=sessions["future"], completed=decision["counts"]["completed"],
        failed=decision["counts"]["failed"], warnings=_notes(decision["warnings"]),
        learners=[_learner(r) for r in decision["learners"]])


def _learner(row: dict[str, Any]) -> LearnerDecision:
    plain = {k: row[k] for k in LearnerDecision.__struct_fields__ if k not in ("reasons", "notes")}
    return LearnerDecision(**plain, reasons=_notes(row["reasons"]), notes=_notes(row["notes"]))


class ScoresController(Controller):
    path = "/api/classes"
    tags = ["Classes"]
    dependencies = {"actor": Provide(provide_actor)}

    @put("/{class_id:int}/scores", summary="Save the scores of a class at once",
         description="All or nothing. `score`: a number from 0 to 10 with at most 2 decimals, as a number or as "
                     "typed (\"8,5\" or \"8.5\"); null or \"\" clears it. Only for learners whose result closing "
                     "decides; refused (409) once the class is closed. Each error names the line and the learner.")
    async def save(self, class_id: ClassId, data: JSONBody[ScoresIn], actor: ActorDep) -> ScoresOut:
        result = await scores.save_scores(class_id, [scores.ScoreEntry(s.enrolment, s.score) for s in data.scores],
                                          actor)
        return ScoresOut(training_class=result["class"], saved=result["saved"], changed=result["changed"])

    @get("/{class_id:int}/close-preview", summary="What closing the class would decide now, and its warnings",
         description="For every confirmed learner: completed or failed and why; warnings about sessions without "
                     "marks, learners unmarked in a session, sessions still to come, missing scores. Send "
                     "`fingerprint` to `POST /api/classes/{id}/close` to close exactly as shown.")
    async def close_preview(self, class_id: ClassId, actor: ActorDep) -> PreviewOut:
        return preview_out(await closing.preview(class_id, actor))


@get("/classes/{class_id:int}/scores", include_in_schema=False, guards=[refuse_learners])
async def scores_page(request: Request, class_id: ClassId) -> Template | Redirect:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/admin/")  # sign in through the admin first
    sheet = await scores.score_sheet(class_id, actor)
    texts = {"saving": _("Saving…"), "saved": _("Scores saved at {time}."), "unsaved": _("Changes not saved yet."),
             "offline": _("The server could not be reached."), "line": _("line {row}"),
             "failed": _("Not saved: nothing was changed. Your scores are still on this page; correct the rows "
                         "marked and press “Save scores” again.")}
    return tool_page("classes/scores.html", _("Scores of class {code}", code=sheet["class"]["code"]), texts,
                     "scores.js", sheet=sheet)


@get("/classes/{class_id:int}/close", include_in_schema=False, guards=[refuse_learners])
async def close_page(request: Request, class_id: ClassId) -> Template | Redirect:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/admin/")
    decision = await closing.preview(class_id, actor)
    closed = decision["class"]["status"] == "closed"
    texts = {"closing": _("Closing…"), "offline": _("The server could not be reached."),
             "failed": _("The class was not closed: {reason}"), "review": _("Review the preview again")}
    return tool_page("classes/close.html", _("Close class {code}", code=decision["class"]["code"]), texts,
                     "close.js", decision=decision, closed=closed,
                     results=await closing.results(class_id) if closed else [])
