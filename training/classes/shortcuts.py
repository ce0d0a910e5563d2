"""What a coordinator (or a department, for its province) has to do next, and the choices its forms offer.

The admin's home page (``/admin-home``, training/web/admin_home.py) shows three lists with their counts:

- today's sessions the actor may mark (``training.classes.attendance.sessions_to_mark``);
- classes waiting to be closed: their end date has passed and they are neither closed nor cancelled;
- certificates waiting to be issued: closed classes with learners who completed and have no certificate yet.

The admin's forms (admin/forms.py, admin/certificate_forms.py) offer pickers built here: the classes and
the trainers the actor may see, newest first. Every list is scoped like the admin's tables
(``training.auth.access.scope_where``); a choice is only a convenience: the form's service checks
everything again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.query.functions.aggregate import Count

from certificates.tables import Certificate
from training.auth.access import Actor, scope_where
from training.classes.attendance import sessions_to_mark, today
from training.classes.tables import Enrolment, Trainer, TrainingClass
from training.core.enums import ClassStatus, EnrolmentStatus

# Which classes each kind of form offers (by class status); None: every class.
OPEN_STATUSES = [ClassStatus.planned, ClassStatus.open, ClassStatus.running]
CLOSED_STATUSES = [ClassStatus.closed]


def _scoped(query, table, actor: Actor):
    where = scope_where(table, actor)
    return query if where is None else query.where(where)


async def class_choices(actor: Actor, statuses: list[str] | None = None) -> list[dict[str, Any]]:
    """The classes (code, course, dates) the actor may see in these statuses, newest first."""
    query = TrainingClass.select(
        TrainingClass.id, TrainingClass.code, TrainingClass.start_date, TrainingClass.end_date,
        TrainingClass.course.name_vi.as_alias("course")).order_by(TrainingClass.id, ascending=False)
    if statuses is not None:
        query = query.where(TrainingClass.status.is_in(list(statuses)))
    return await _scoped(query, TrainingClass, actor).run()


async def trainer_choices(actor: Actor) -> list[dict[str, Any]]:
    """The trainers the actor may see (id and full name), by name."""
    query = Trainer.select(Trainer.id, Trainer.person.full_name.as_alias("name")).order_by(
        Trainer.person.full_name)
    return await _scoped(query, Trainer, actor).run()


async def classes_to_close(actor: Actor, day: dt.date | None = None) -> list[dict[str, Any]]:
    """Classes whose end date is before ``day`` (default today) that are neither closed nor cancelled,
    oldest end date first."""
    query = TrainingClass.select(
        TrainingClass.id, TrainingClass.code, TrainingClass.end_date, TrainingClass.status,
        TrainingClass.course.name_vi.as_alias("course")).where(
        (TrainingClass.end_date < (day or today()))
        & TrainingClass.status.not_in([ClassStatus.closed, ClassStatus.cancelled])).order_by(
        TrainingClass.end_date).order_by(TrainingClass.code)
    return await _scoped(query, TrainingClass, actor).run()


async def certificates_to_issue(actor: Actor) -> list[dict[str, Any]]:
    """Closed classes with learners who completed and hold no certificate: class id, code, course and
    ``waiting`` (how many learners), longest waiting (earliest end date) first."""
    issued = Certificate.select(Certificate.enrolment)
    query = Enrolment.select(
        Enrolment.training_class.as_alias("id"), Enrolment.training_class.code.as_alias("code"),
        Enrolment.training_class.course.name_vi.as_alias("course"), Count(Enrolment.id, alias="waiting")).where(
        (Enrolment.status == EnrolmentStatus.completed)
        & (Enrolment.training_class.status == ClassStatus.closed)
        & Enrolment.id.not_in(issued)).group_by(
        Enrolment.training_class, Enrolment.training_class.code, Enrolment.training_class.course.name_vi,
        Enrolment.training_class.end_date).order_by(Enrolment.training_class.end_date).order_by(
        Enrolment.training_class.code)
    if scope_where(TrainingClass, actor) is not None:
        query = query.where(Enrolment.training_class.is_in(_scoped(TrainingClass.select(TrainingClass.id),
                                                                   TrainingClass, actor)))
    return await query.run()


async def shortcuts(actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """The three lists of the admin's home page."""
    return {"sessions": await sessions_to_mark(actor), "to_close": await classes_to_close(actor),
            "to_issue": await certificates_to_issue(actor)}
