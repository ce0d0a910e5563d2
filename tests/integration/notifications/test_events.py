"""The events that tell learners (ADR 0043): each writes its messages in its own transaction, for the right
people, in their language, on every path (API, admin table, roster import, issuing, the daily reminders);
nothing when the event is refused or rolled back; the reminders are written once however often the job runs."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from factories import make_class, make_enrolment, make_person, run, unique
from factories.certificates import certificates_of, closed_class, issue
from factories.roster import learner, upload, xlsx

from certificates.issuing import reissue
from certificates.tables import Certificate
from training.auth.access import SYSTEM
from training.classes import enrolment, scheduling
from training.classes.tables import TrainingClass
from training.cli.main import main as cli
from training.core.db import write_transaction
from training.core.errors import DomainError
from training.notifications.messages import render
from training.notifications.reminders import enqueue_due
from training.notifications.tables import LearnerPreference, Notification
from training.people.tables import Person
from training.records.rows import update_row

TODAY = dt.date.today()
_phones = itertools.count(1)


def person(language: str | None = None, reminders: bool = True, **values) -> dict:
    """A learner with an email address and a phone (and, if asked, her language or no reminders)."""
    row = make_person(email=f"{unique('hv')}@example.org", phone=f"0913{next(_phones):06d}", **values)
    if language or not reminders:
        run(LearnerPreference(person=row["id"], language=language or "vi", reminders=reminders).save().run())
    return row


def sent_to(person_id: int, kind: str | None = None) -> list[tuple[str, str, str]]:
    """(kind, channel, language) of every message waiting for the person."""
    query = Notification.select(Notification.kind, Notification.channel, Notification.language).where(
        Notification.person == person_id)
    if kind:
        query = query.where(Notification.kind == kind)
    return [(r["kind"], r["channel"], r["language"]) for r in run(query.order_by(Notification.id).run())]


def both(kind: str, language: str = "vi") -> list[tuple[str, str, str]]:
    return [(kind, "email", language), (kind, "sms", language)]


def open_class(capacity: int = 30, **values) -> dict:
    return make_class(status="open", capacity=capacity, start_date=TODAY + dt.timedelta(days=1),
                      end_date=TODAY + dt.timedelta(days=30), venue=unique("Hội trường Sở Y tế "), **values)


def params_of(row: dict) -> dict:
    return row["params"] if isinstance(row["params"], dict) else json.loads(row["params"])


def message_of(person_id: int, kind: str) -> dict:
    return run(Notification.select().where((Notification.person == person_id) & (Notification.kind == kind)
                                           & (Notification.channel == "email")).first().run())


def test_enrolment_confirmed_then_waitlisted_in_each_learners_language():
    cls = open_class(capacity=1)
    first, second = person(language="en"), person()
    run(enrolment.enrol(cls["id"], first["id"], SYSTEM))
    run(enrolment.enrol(cls["id"], second["id"], SYSTEM))
    assert sent_to(first["id"]) == both("enrolment_confirmed", "en")
    assert sent_to(second["id"]) == both("enrolment_waitlisted", "vi")
    row = message_of(first["id"], "enrolment_confirmed")
    words = render(row["kind"], row["language"], params_of(row))
    assert cls["code"] in words.subject and cls["venue"] in words.text
    assert (TODAY + dt.timedelta(days=1)).strftime("%d/%m/%Y") in words.text


def test_a_refused_or_rolled_back_enrolment_tells_nobody():
    planned = make_class(status="planned")
    someone = person()
    with pytest.raises(DomainError):
        run(enrolment.enrol(planned["id"], someone["id"], SYSTEM))
    cls = open_class()
    run(enrolment.enrol(cls["id"], someone["id"], SYSTEM))
    with pytest.raises(DomainError):  # already enrolled: refused, no second message
        run(enrolment.enrol(cls["id"], someone["id"], SYSTEM))
    assert sent_to(someone["id"]) == both("enrolment_confirmed")

    other = person()

    async def enrol_then_fail():
        async with write_transaction():  # the enrolment joins this transaction, which then rolls back
            await enrolment.enrol(cls["id"], other["id"], SYSTEM)
            inside = await Notification.count().where(Notification.person == other["id"]).run()
            raise RuntimeError(f"rolled back after {inside} messages")

    with pytest.raises(RuntimeError, match="after 2 messages"):
        run(enrol_then_fail())
    assert sent_to(other["id"]) == []


def test_promotion_from_the_waitlist_by_a_withdrawal_and_by_a_higher_capacity():
    cls = open_class(capacity=1)
    seated, waiting, later = person(), person(language="en"), person()
    first = run(enrolment.enrol(cls["id"], seated["id"], SYSTEM))
    run(enrolment.enrol(cls["id"], waiting["id"], SYSTEM))
    run(enrolment.enrol(cls["id"], later["id"], SYSTEM))
    run(enrolment.withdraw(first["id"], SYSTEM))
    assert sent_to(waiting["id"], "waitlist_promoted") == both("waitlist_promoted", "en")
    assert sent_to(later["id"], "waitlist_promoted") == []
    run(update_row(TrainingClass, cls["id"], {"capacity": 2}, SYSTEM))  # the admin table's path
    assert sent_to(later["id"], "waitlist_promoted") == both("waitlist_promoted")
    assert sent_to(seated["id"], "waitlist_promoted") == []


def _session_class():
    """An open class with one confirmed, one waitlisted and one withdrawn learner, one session in a week; and
    another class with a confirmed learner of its own."""
    cls = open_class(capacity=1)
    confirmed, waitlisted, withdrawn, elsewhere = person(language="en"), person(), person(), person()
    run(enrolment.enrol(cls["id"], confirmed["id"], SYSTEM))
    run(enrolment.enrol(cls["id"], waitlisted["id"], SYSTEM))
    make_enrolment(cls["id"], withdrawn["id"], status="withdrawn")
    other = open_class()
    run(enrolment.enrol(other["id"], elsewhere["id"], SYSTEM))
    [session] = run(scheduling.add_sessions(cls["id"], [scheduling.SessionSpec(
        TODAY + dt.timedelta(days=7), dt.time(8, 0), dt.time(11, 30), "Mở đầu")], SYSTEM))
    return cls, session, confirmed, [waitlisted, withdrawn, elsewhere]


def test_a_moved_session_tells_only_the_confirmed_learners_of_its_class(as_coordinator):
    cls, session, confirmed, others = _session_class()
    run(scheduling.move_session(session["id"], {"topic": "Chủ đề khác"}, SYSTEM))  # not a move: nobody told
    assert sent_to(confirmed["id"], "session_changed") == []
    room = unique("Phòng ")
    run(scheduling.move_session(session["id"], {"venue": room}, SYSTEM))
    assert sent_to(confirmed["id"], "session_changed") == both("session_changed", "en")
    later = (TODAY + dt.timedelta(days=8)).isoformat()
    response = as_coordinator.patch(f"/tables/class_session/{session['id']}/", {"session_date": later})
    assert response.status_code == 200, response.text
    assert sent_to(confirmed["id"], "session_changed") == both("session_changed", "en") * 2
    row = run(Notification.select().where((Notification.person == confirmed["id"])
                                          & (Notification.kind == "session_changed")).order_by(
        Notification.id, ascending=False).first().run())
    text = render("session_changed", "en", params_of(row)).text
    assert (TODAY + dt.timedelta(days=7)).strftime("%d/%m/%Y") in text and room in text
    assert (TODAY + dt.timedelta(days=8)).strftime("%d/%m/%Y") in text
    for other in others:
        assert sent_to(other["id"], "session_changed") == []


@pytest.mark.parametrize("path", ["api", "admin"])
def test_a_cancelled_session_tells_only_the_confirmed_learners_of_its_class(path, as_coordinator):
    cls, session, confirmed, others = _session_class()
    if path == "api":
        run(scheduling.cancel_session(session["id"], SYSTEM))
    else:
        assert as_coordinator.delete(f"/tables/class_session/{session['id']}/").status_code in (200, 204)
    assert sent_to(confirmed["id"], "session_cancelled") == both("session_cancelled", "en")
    for other in others:
        assert sent_to(other["id"], "session_cancelled") == []


def test_a_roster_import_tells_each_learner_once(client, coord):
    cls = open_class(capacity=2)
    emails = [f"{unique('roster')}@example.org" for _ in range(3)]
    rows = [learner(email=e, phone=f"0914{next(_phones):06d}") for e in emails]
    response = upload(client, coord, cls["id"], "lop.xlsx", xlsx(rows), dry_run=False)
    assert response.status_code == 201, response.text
    people = [run(Person.select(Person.id).where(Person.email == e).first().run())["id"] for e in emails]
    assert [sent_to(p) for p in people] == [both("enrolment_confirmed"), both("enrolment_confirmed"),
                                            both("enrolment_waitlisted")]
    before = run(Notification.count().run())
    dry_run = upload(client, coord, cls["id"], "lop.xlsx", xlsx([learner(email=f"{unique('x')}@example.org")]))
    assert dry_run.status_code == 200 and run(Notification.count().run()) == before  # a dry run tells nobody


def test_issuing_a_class_of_thirty_tells_each_holder_on_each_channel():
    cls = closed_class(names=[f"Nguyễn Thị {unique('Hv')}" for _ in range(30)])
    for p in cls["people"]:
        run(Person.update({Person.email: f"{unique('cc')}@example.org",
                           Person.phone: f"0915{next(_phones):06d}"}).where(
            Person.id == p["id"]).run())
    english = cls["people"][0]["id"]
    run(LearnerPreference(person=english, language="en").save().run())
    issued = issue(cls)
    assert len(issued.issued) == 30
    rows = run(Notification.select().where(Notification.kind == "certificate_issued").where(
        Notification.person.is_in([p["id"] for p in cls["people"]])).run())
    assert sorted((r["channel"]) for r in rows) == ["email"] * 30 + ["sms"] * 30
    assert {r["person"] for r in rows} == {p["id"] for p in cls["people"]}
    mine = message_of(english, "certificate_issued")
    cert = next(c for c in certificates_of(cls) if c["holder_name"] == cls["people"][0]["full_name"])
    words = render("certificate_issued", mine["language"], params_of(mine))
    assert mine["language"] == "en" and cert["number"] in words.subject
    assert f"/verify/{cert['number']}?t={cert['token']}" in words.text and "/me" in words.text
    issue(cls)  # issuing again makes no certificate, so tells nobody again
    assert len(sent_to(english, "certificate_issued")) == 2
    run(reissue(cert["id"], "Sửa ngày sinh", SYSTEM))  # a corrected certificate is a new one: she is told
    assert len(sent_to(english, "certificate_issued")) == 4


def test_a_refused_issue_tells_nobody():
    cls = closed_class(names=["Lê Văn Tám"], completed=False, phone="0916000001")
    with pytest.raises(DomainError):
        issue(cls)
    assert sent_to(cls["people"][0]["id"]) == []


def test_the_daily_reminders_are_written_once_and_respect_the_learners_choice(capsys):
    cls = open_class()
    keen, quiet, waiting = person(language="en"), person(reminders=False), person()
    for p in (keen, quiet):
        run(enrolment.enrol(cls["id"], p["id"], SYSTEM))
    make_enrolment(cls["id"], waiting["id"], status="waitlisted")
    run(scheduling.add_sessions(cls["id"], [
        scheduling.SessionSpec(TODAY + dt.timedelta(days=1), dt.time(8, 0), dt.time(11, 30), "Buổi 1"),
        scheduling.SessionSpec(TODAY + dt.timedelta(days=2), dt.time(8, 0), dt.time(11, 30), "Buổi 2")], SYSTEM))
    closed = closed_class(names=["Phạm Thị Soon", "Phạm Văn Later"], phone="0917000001")
    issue(closed)
    soon, later = certificates_of(closed)
    for row, days in ((soon, 59), (later, 61)):
        run(Certificate.update({Certificate.expires_on: TODAY + dt.timedelta(days=days)}).where(
            Certificate.id == row["id"]).run())

    first = run(enqueue_due(TODAY))
    assert sent_to(keen["id"], "session_reminder") == both("session_reminder", "en")  # one session tomorrow
    assert sent_to(quiet["id"], "session_reminder") == [] and sent_to(waiting["id"], "session_reminder") == []
    holders = {c["holder_name"]: p["id"] for c in (soon, later) for p in closed["people"]
               if p["full_name"] == c["holder_name"]}
    assert sent_to(holders[soon["holder_name"]], "certificate_expiring") == [("certificate_expiring", "sms", "vi")]
    assert sent_to(holders[later["holder_name"]], "certificate_expiring") == []
    assert first.session_messages >= 2 and first.certificate_messages >= 1
    total = run(Notification.count().run())
    assert cli(["notifications", "remind", "--today", TODAY.isoformat()]) == 0  # twice a day: nothing new
    assert run(Notification.count().run()) == total
    assert capsys.readouterr().out.count(": 0 tin nhắn cho") == 2  # the command says so, in Vietnamese
