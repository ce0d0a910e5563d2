"""A person's training record ("Quá trình đào tạo, bồi dưỡng", issue 13, ADR 0039): every completed
training with its dates, hours and result, the hours per calendar year, and the certificates with their
verify links (with the verification code). Shown at ``/me/record``, printed as a PDF
(``certificates.record_pdf``) by the learner, a coordinator or the department of the person's province.

Consistent with the coverage figures (``training.coverage.definition``): a training is listed when it is a
*counting completion* (``COMPLETION_CANDIDATE`` and ``COUNTS_AS_COMPLETION``: a valid certificate, or
completed with none revoked), and it counts in the calendar year its class ended, as person-times do. Its
hours are those printed on its valid certificate (the legal statement), else the course's hours.

Who may read it: the learner her own; a coordinator anyone; a department the people of its province;
anyone else gets 404, as for a row of another province. Every print by someone else is logged in the
personal-data access log (``training.people.privacy.record_access``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any
from urllib.parse import quote

from certificates.codes import display as display_code
from certificates.tables import Certificate
from certificates.verification import effective_status
from training.auth.access import Actor
from training.classes.tables import Enrolment
from training.core.config import base_url
from training.core.enums import CertificateStatus, EnrolmentStatus, Level, Role, label
from training.core.errors import NotFound
from training.core.i18n import N_
from training.core.masking import mask_cccd
from training.coverage.definition import COMPLETION_CANDIDATE, COUNTS_AS_COMPLETION
from training.people.privacy import record_access
from training.people.tables import Person
from training.records.rows import visible_row

_NOT_FOUND = N_("No such row, or it belongs to another province.")

_COMPLETIONS = f"""SELECT e.id, e.status, e.score, e.classification, c.code AS class_code, c.start_date,
       c.end_date, co.name_vi, co.name_en, co.level, co.hours
  FROM enrolment e JOIN training_class c ON c.id = e.training_class JOIN course co ON co.id = c.course
 WHERE e.person = {{}} AND c.end_date <= {{}} AND {COMPLETION_CANDIDATE} AND ({COUNTS_AS_COMPLETION})
 ORDER BY c.end_date, c.start_date, e.id"""


async def readable_person(person_id: int, actor: Actor) -> dict[str, Any]:
    """The person if the actor may read her record (see the module's note), else NotFound."""
    if actor.role == Role.learner:
        row = await Person.select().where(Person.id == person_id).first().run() \
            if actor.person_id == person_id else None
    elif actor.role in (Role.coordinator, Role.department):
        row = await visible_row(Person, person_id, actor)
    else:
        row = None
    if row is None:
        raise NotFound.single("not_found", _NOT_FOUND)
    return row


def _date(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _result(row: dict[str, Any]) -> str:
    if row["classification"]:
        return row["classification"]
    return label(EnrolmentStatus, EnrolmentStatus.completed)


async def training_record(person_id: int, actor: Actor, today: dt.date | None = None) -> dict[str, Any]:
    """The record of one person: ``person`` (name, birth date, masked CCCD), ``trainings``, ``years``
    (year → hours and trainings, oldest first), ``total_hours`` and ``certificates``."""
    person = await readable_person(person_id, actor)
    today = today or dt.date.today()
    rows = await Enrolment.raw(_COMPLETIONS, person_id, today).run()
    certificates = await Certificate.select().where(Certificate.enrolment.person == person_id).order_by(
        Certificate.issued_on).order_by(Certificate.id).run()
    valid = {c["enrolment"]: c for c in certificates if c["status"] == CertificateStatus.valid}
    trainings, years = [], defaultdict(lambda: {"hours": 0, "trainings": 0})
    for r in rows:
        start, end = _as_date(r["start_date"]), _as_date(r["end_date"])
        hours = valid[r["id"]]["hours"] if r["id"] in valid else int(r["hours"] or 0)
        trainings.append({"course": r["name_vi"], "course_en": r["name_en"] or r["name_vi"],
                          "level": label(Level, r["level"]), "class_code": r["class_code"],
                          "start": _date(start), "end": _date(end), "year": end.year, "hours": hours,
                          "result": _result(r), "score": r["score"],
                          "certificate": valid[r["id"]]["number"] if r["id"] in valid else ""})
        years[end.year]["hours"] += hours
        years[end.year]["trainings"] += 1
    return {
        "person": {"id": person["id"], "full_name": person["full_name"],
                   "date_of_birth": _date(person["date_of_birth"]), "citizen_id": mask_cccd(person["citizen_id"])},
        "trainings": trainings,
        "years": [{"year": y, **years[y]} for y in sorted(years)],
        "total_hours": sum(t["hours"] for t in trainings),
        "certificates": [{"number": c["number"], "course": c["course_name_vi"], "issued": _date(c["issued_on"]),
                          "status": label(CertificateStatus, effective_status(c, today)),
                          "code": display_code(c["verification_code"]), "verify": _verify_link(c)}
                         for c in certificates],
        "printed_on": _date(today),
    }


def _verify_link(certificate: dict[str, Any]) -> str:
    """The public verification page with the certificate's code (it shows the details, ``/verify``)."""
    return (f"{base_url()}/verify/{quote(certificate['number'])}"
            f"?code={quote(display_code(certificate['verification_code']))}")


def _as_date(value: Any) -> dt.date:
    """A date as read by a raw query (SQLite hands back text)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


async def record_for_print(person_id: int, actor: Actor) -> dict[str, Any]:
    """``training_record`` for a PDF: the print is logged unless the learner prints her own."""
    record = await training_record(person_id, actor)
    if not (actor.role == Role.learner and actor.person_id == person_id):
        await record_access(actor, "export", person=person_id, export=f"training-record:{person_id}")
    return record
