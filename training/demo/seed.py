"""Demo data modelled on the news articles in DESIGN.md: ``training seed-demo``.

Deterministic and idempotent:

- everything is first planned in memory from ``random.Random(2025)`` and dates relative to the
  fixed reference date 2026-11-22 (never today's date), so every run plans the same rows;
- rows are then looked up by natural keys (organisation name, person citizen ID or name and date
  of birth, course code, class code, session (class, date, start time), enrolment (class, person),
  attendance (session, enrolment), …) and only the missing ones are inserted, so a second run adds
  nothing.

Every row goes through ``training.records.validation.clean`` before a bulk insert, so the demo data obeys
the same rules as user input. The whole seeding runs in one transaction.
"""

from __future__ import annotations

from training.core.config import get_settings
from training.core.enums import EnrolmentStatus
from training.core.i18n import _
from training.coverage.facts import rebuild
from training.demo import classes, people, targets
from training.demo.plan import COURSES, DEMO_PROVINCES, REFERENCE_DATE, Plan
from training.demo.writer import Ids, Writer
from training.records.audit import audit
from training.reference.tables import LegacyProvince, Province

DEMO_PASSWORD = "Demo@2026"  # documented default of the demo accounts; ``--password`` overrides it


class Planner(people.PeoplePlanner, classes.ClassPlanner, targets.TargetsPlanner):
    """The whole planner: organisations and people, then classes, then targets and issuers."""

    def build(self) -> Plan:
        self.organisations()
        self.people()
        self.classes()
        self.targets_and_issuers()
        return self.plan


def build_plan(provinces: dict[str, dict[str, str]]) -> Plan:
    """The whole demo, in memory: the same every time for the same province reference data."""
    return Planner(provinces).build()


async def _apply(plan: Plan, password: str) -> tuple[dict[str, int], int]:
    """Insert what the database lacks of the plan, step by step (each step reads the ids the
    earlier ones stored); return the rows added per table and the accounts set."""
    w = Writer()
    ids = Ids(
        province={r["code"]: r["id"] for r in await Province.select(Province.id, Province.code).run()},
        legacy={r["code"]: r["id"]
                for r in await LegacyProvince.select(LegacyProvince.id, LegacyProvince.code).run()})
    await people.apply_communes(w, ids)
    await people.apply_organisations(w, plan, ids)
    await classes.apply_courses(w, ids)
    await people.apply_people(w, plan, ids)
    await people.apply_trainers(w, plan, ids)
    await classes.apply_classes(w, plan, ids)
    await classes.apply_sessions(w, plan, ids)
    await classes.apply_enrolments(w, plan, ids)
    await classes.apply_attendance(w, plan, ids)
    await targets.apply_targets_and_issuers(w, plan, ids)
    accounts_set = await targets.apply_accounts(plan, ids, password)
    await _audit_summary(w.added)
    return dict(w.added), accounts_set


async def _audit_summary(added: dict[str, int]) -> None:
    """One audit entry per table the demo added rows to (not one per row)."""
    for name, count in sorted(added.items()):
        if count:
            await audit(None, "seed-demo", name, None, None, {"rows": count, "source": "training seed-demo"})


async def seed_demo(password: str | None = None) -> list[str]:
    """Load the demo data (safe to run again) and return printable summary lines."""
    password = password or DEMO_PASSWORD
    provinces = {r["code"]: {"name": r["name"], "kind": r["kind"]}
                 for r in await Province.select(Province.code, Province.name, Province.kind).run()}
    plan = build_plan(provinces)
    async with Province._meta.db.transaction():
        added, accounts_set = await _apply(plan, password)
    await rebuild()  # the demo's completions were inserted in bulk: recompute the coverage tables

    learners = {e.person for e in plan.enrolments}
    completed = [e for e in plan.enrolments if e.status == EnrolmentStatus.completed]
    base = get_settings().base_url
    lines = [
        _("Demo data: {people} people, {classes} classes",
          people=len(plan.people), classes=len(plan.classes)),
        _("{organisations} organisations in {provinces} provinces, {courses} courses, {sessions} sessions, "
          "{trainers} trainers",
          organisations=len(plan.organisations), provinces=len(DEMO_PROVINCES), courses=len(COURSES),
          sessions=sum(len(c.sessions) for c in plan.classes), trainers=len(plan.trainers)),
        _("{enrolments} enrolments of {learners} learners; {completed} completions (person-times) "
          "of {trained} people; {marks} attendance marks",
          enrolments=len(plan.enrolments), learners=len(learners), completed=len(completed),
          trained=len({e.person for e in completed}), marks=len(plan.attendance)),
        _("Reference date of the demo: {date} (earlier classes are closed, later ones planned)",
          date=REFERENCE_DATE.strftime("%d/%m/%Y")),
        _("Rows added by this run: {count}", count=sum(added.values()))
        if added else _("The demo data was already complete: nothing added."),
        *([_("Demo accounts created or given the new password: {count}", count=accounts_set)]
          if accounts_set else []),
        _("Admin sign-in: {url} — user {username} / password {password}",
          url=f"{base}/admin/", username="dieuphoi", password=password),
        _("Department sign-in ({province}): {url} — user {username} / password {password}",
          province=provinces["56"]["name"], url=f"{base}/admin/", username="soyte.khanhhoa", password=password),
        _("Department sign-in ({province}): {url} — user {username} / password {password}",
          province=provinces["19"]["name"], url=f"{base}/admin/", username="soyte.thainguyen", password=password),
        _("Learner account ({name}): user {username} / password {password}",
          name="Nguyễn Thị Ngọc Ánh", username="hocvien.anh", password=password),
        _("Trainer sign-in ({name}): {url} — user {username} / password {password}",
          name="Vũ Đức Thắng", url=f"{base}/login", username="giangvien", password=password),
    ]
    return lines
