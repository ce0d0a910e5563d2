"""Fifty enrolment requests at once for thirty seats: exactly 30 confirmed and 20 waitlisted,
no error, no duplicate. Fired at a real ``training serve`` process on the test database."""

import asyncio

import httpx
from factories import make_class, make_person, run, unique


def test_fifty_simultaneous_enrolments_for_thirty_seats(live_server):
    from training.auth.tokens import create_token
    from training.classes.tables import Enrolment

    token = run(create_token("coord"))
    cls = make_class(status="open", capacity=30)
    people = [make_person(full_name=unique("Đồng thời "))["id"] for _ in range(50)]

    async def fire():
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=live_server, headers=headers, timeout=60) as client:
            return await asyncio.gather(*[
                client.post(f"/api/classes/{cls['id']}/enrolments", json={"person": p}) for p in people])

    responses = asyncio.run(fire())
    assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses if r.status_code != 201]
    statuses = [r.json()["status"] for r in responses]
    assert statuses.count("confirmed") == 30 and statuses.count("waitlisted") == 20
    stored = run(Enrolment.select(Enrolment.person, Enrolment.status).where(
        Enrolment.training_class == cls["id"]).run())
    assert len(stored) == 50 and len({r["person"] for r in stored}) == 50
    assert sum(r["status"] == "confirmed" for r in stored) == 30
