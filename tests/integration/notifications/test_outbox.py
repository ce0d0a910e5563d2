"""The outbox (ADR 0036): an event's messages are written in the event's transaction, once per channel,
in the learner's language, and an optional reminder she turned off is not written at all."""

from __future__ import annotations

import pytest
from factories import make_person, run, unique

from training.core.db import write_transaction
from training.notifications.outbox import enqueue
from training.notifications.tables import LearnerPreference, Notification


def rows_for(person_id: int) -> list[dict]:
    return run(Notification.select().where(Notification.person == person_id).order_by(Notification.id).run())


def test_one_message_per_channel_once_in_her_language():
    person = make_person(email=f"{unique('hv')}@example.org", phone="0912345678")
    run(LearnerPreference(person=person["id"], language="en").save().run())
    key = unique("enrolment_confirmed:")
    first = run(enqueue("enrolment_confirmed", person["id"], {"class_code": "K1"}, key=key))
    again = run(enqueue("enrolment_confirmed", person["id"], {"class_code": "K1"}, key=key))
    rows = rows_for(person["id"])
    assert len(first) == 2 and again == []
    assert [(r["channel"], r["address"], r["language"], r["status"]) for r in rows] == [
        ("email", person["email"], "en", "pending"), ("sms", "0912345678", "en", "pending")]


def test_no_address_no_message_and_reminders_can_be_turned_off():
    nobody = make_person(email="", phone=None)
    assert run(enqueue("certificate_issued", nobody["id"], {}, key=unique("c:"))) == []
    person = make_person(email=f"{unique('hv')}@example.org")
    run(LearnerPreference(person=person["id"], reminders=False).save().run())
    assert run(enqueue("session_reminder", person["id"], {}, key=unique("r:"))) == []
    assert len(run(enqueue("session_cancelled", person["id"], {}, key=unique("s:")))) == 1


def test_messages_roll_back_with_their_event():
    person = make_person(email=f"{unique('hv')}@example.org")

    async def event_that_fails():
        async with write_transaction():
            await enqueue("certificate_issued", person["id"], {}, key=unique("c:"))
            raise RuntimeError("the event failed")

    with pytest.raises(RuntimeError):
        run(event_that_fails())
    assert rows_for(person["id"]) == []
