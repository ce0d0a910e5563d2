"""Enrolment and class statuses change only through their transitions (training/classes/states.py), on
every path and under concurrency; attendance saves of one session at once never fail."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time

import httpx
import pytest
from factories import PASSWORD, make_class, make_enrolment, make_person, run, serve, unique

SEATS = ("registered", "confirmed", "completed", "failed")


def _enrol(client, headers, class_id, person_id):
    response = client.post(f"/api/classes/{class_id}/enrolments", headers=headers, json={"person": person_id})
    assert response.status_code == 201, response.text
    return response.json()


def _enrolments(class_id: int) -> dict[int, dict]:
    from training.classes.tables import Enrolment

    return {r["id"]: r for r in run(Enrolment.select().where(Enrolment.training_class == class_id).run())}


def _class(class_id: int) -> dict:
    from training.classes.tables import TrainingClass

    return run(TrainingClass.select().where(TrainingClass.id == class_id).first().run())


def test_admin_cannot_set_an_enrolment_status(client, coord, as_coordinator, as_khanhhoa):
    cls = make_class(status="open", capacity=1)
    first = _enrol(client, coord, cls["id"], make_person()["id"])
    waiting = _enrol(client, coord, cls["id"], make_person()["id"])
    assert (first["status"], waiting["status"]) == ("confirmed", "waitlisted")
    before = _enrolments(cls["id"])

    completed = as_khanhhoa.patch(f"/tables/enrolment/{first['id']}/", {"status": "completed"})
    assert completed.status_code == 422, completed.text
    assert "Quản lý lớp học" in completed.json()["custom_form_error"]
    past_capacity = as_coordinator.patch(f"/tables/enrolment/{waiting['id']}/", {"status": "confirmed"})
    assert past_capacity.status_code == 422, past_capacity.text
    assert "danh sách chờ" in past_capacity.json()["custom_form_error"]
    moved = as_coordinator.patch(f"/tables/enrolment/{waiting['id']}/", {"training_class": make_class(
        status="open")["id"]})
    assert moved.status_code == 422, moved.text
    assert _enrolments(cls["id"]) == before  # database unchanged

    # The admin's edit form sends the whole row back (arrival time to the second): a score still saves.
    form = {"training_class": str(cls["id"]), "person": str(first["person"]), "status": "confirmed",
            "score": "7.5", "classification": None, "enrolled_at": first["enrolled_at"][:19] + ".000Z"}
    edited = as_khanhhoa.patch(f"/tables/enrolment/{first['id']}/", form)
    assert edited.status_code == 200, edited.text
    stored = _enrolments(cls["id"])[first["id"]]
    assert stored["score"] == 7.5 and stored["enrolled_at"] == before[first["id"]]["enrolled_at"]

    # A new enrolment's status is the enrolment rule's, whatever the admin form sends.
    created = as_coordinator.post("/tables/enrolment/", {
        "training_class": cls["id"], "person": make_person()["id"], "status": "completed",
        "enrolled_at": dt.datetime.now(dt.UTC).isoformat()})
    assert created.status_code == 201, created.text
    assert _enrolments(cls["id"])[created.json()[0]["id"]]["status"] == "waitlisted"

    # Withdrawn through the admin's status field is the withdrawal: the first waiting learner moves up.
    withdrawn = as_coordinator.patch(f"/tables/enrolment/{first['id']}/", {"status": "withdrawn"})
    assert withdrawn.status_code == 200, withdrawn.text
    after = _enrolments(cls["id"])
    assert (after[first["id"]]["status"], after[waiting["id"]]["status"]) == ("withdrawn", "confirmed")


def test_admin_cannot_close_a_class_through_its_status(client, coord, as_coordinator):
    from training.records.tables import AuditLog

    cls = make_class(status="open", capacity=5)
    _enrol(client, coord, cls["id"], make_person()["id"])
    closed = as_coordinator.patch(f"/tables/training_class/{cls['id']}/", {"status": "closed"})
    assert closed.status_code == 422, closed.text
    assert "“Kết thúc lớp”" in closed.json()["custom_form_error"]
    assert _class(cls["id"])["status"] == "open"
    assert {e["status"] for e in _enrolments(cls["id"]).values()} == {"confirmed"}

    running = as_coordinator.patch(f"/tables/training_class/{cls['id']}/", {"status": "running"})
    assert running.status_code == 200 and _class(cls["id"])["status"] == "running"

    new_closed = as_coordinator.post("/tables/training_class/", {
        "course": cls["course"], "code": unique("ST-"), "host_province": cls["host_province"],
        "start_date": "2026-05-04", "end_date": "2026-05-08", "capacity": 10, "status": "closed"})
    assert new_closed.status_code == 422, new_closed.text
    assert "Dự kiến" in new_closed.json()["custom_form_error"]

    assert client.post(f"/api/classes/{cls['id']}/close", headers=coord).status_code == 200
    reopened = as_coordinator.patch(f"/tables/training_class/{cls['id']}/", {"status": "running"})
    assert reopened.status_code == 422 and "Mở lại lớp đã kết thúc" in reopened.json()["custom_form_error"]
    assert _class(cls["id"])["status"] == "closed"
    last = run(AuditLog.select(AuditLog.action).where(
        (AuditLog.table_name == "training_class") & (AuditLog.row_id == cls["id"])).order_by(
        AuditLog.id, ascending=False).first().run())
    assert last["action"] == "close"


def test_capacity_raise_promotes_in_arrival_order_and_lowering_below_seats_is_refused(client, coord, as_coordinator):
    cls = make_class(status="open", capacity=2)
    rows = [_enrol(client, coord, cls["id"], make_person(full_name=unique("Chờ "))["id"]) for _ in range(5)]
    assert [r["status"] for r in rows] == ["confirmed"] * 2 + ["waitlisted"] * 3

    lower = as_coordinator.patch(f"/tables/training_class/{cls['id']}/", {"capacity": 1})
    assert lower.status_code == 422, lower.text
    assert "2" in lower.json()["custom_form_error"] and "sĩ số tối đa" in lower.json()["custom_form_error"].lower()
    assert _class(cls["id"])["capacity"] == 2

    raised = as_coordinator.patch(f"/tables/training_class/{cls['id']}/", {"capacity": 4})
    assert raised.status_code == 200, raised.text
    stored = _enrolments(cls["id"])
    assert [stored[r["id"]]["status"] for r in rows] == ["confirmed"] * 4 + ["waitlisted"]
    # Deleting a seat-holder's enrolment in the admin frees the seat for the waitlist too.
    assert as_coordinator.delete(f"/tables/enrolment/{rows[0]['id']}/").status_code == 204
    stored = _enrolments(cls["id"])
    assert rows[0]["id"] not in stored and stored[rows[4]["id"]]["status"] == "confirmed"


# --- under concurrency, against a real server with two worker processes ------------------------

@pytest.fixture(scope="module")
def two_workers(database):
    with serve(workers=2) as base:
        yield base


def _overlapped(intervals: list[tuple[float, float]]) -> int:
    """The largest number of requests in flight at one moment."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    best = current = 0
    for _, step in events:
        current += step
        best = max(best, current)
    return best


async def _timed(coro_factory, intervals):
    start = time.monotonic()
    try:
        return await coro_factory()
    finally:
        intervals.append((start, time.monotonic()))


def test_simultaneous_withdrawals_of_one_learner_promote_one_person(two_workers):
    from training.auth.tokens import create_token

    headers = {"Authorization": f"Bearer {run(create_token('coord'))}"}
    trials = []
    for _ in range(4):
        cls = make_class(status="open", capacity=1)
        with httpx.Client(base_url=two_workers, headers=headers, timeout=60) as client:
            ids = [_enrol(client, headers, cls["id"], make_person(full_name=unique("Rút "))["id"])["id"]
                   for _ in range(4)]
        trials.append((cls, ids))

    async def fire(enrolment_id):
        intervals: list[tuple[float, float]] = []
        async with httpx.AsyncClient(base_url=two_workers, headers=headers, timeout=60) as client:
            responses = await asyncio.gather(*[
                _timed(lambda: client.post(f"/api/enrolments/{enrolment_id}/withdraw"), intervals)
                for _ in range(4)])
        return responses, intervals

    for cls, (first, *waiting) in trials:
        responses, intervals = asyncio.run(fire(first))
        assert max(s for s, _ in intervals) < min(e for _, e in intervals), "the withdrawals overlapped"
        assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
        promoted = [r.json()["promoted"]["id"] for r in responses if r.json()["promoted"]]
        assert promoted == [waiting[0]]
        stored = _enrolments(cls["id"])
        assert [stored[i]["status"] for i in (first, *waiting)] == ["withdrawn", "confirmed", "waitlisted",
                                                                    "waitlisted"]


async def _admin_client(base: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=120)
    await client.get("/admin/")
    token = client.cookies.get("csrftoken")
    client.headers.update({"X-CSRFToken": token, "Referer": f"{base}/admin/"})
    login = await client.post("/admin/public/login/", json={"username": "coord", "password": PASSWORD})
    assert login.status_code in (200, 303), login.text
    client.headers["X-CSRFToken"] = client.cookies.get("csrftoken")
    return client


def test_mixed_concurrent_load_keeps_capacity_and_waitlist(two_workers):
    from training.auth.tokens import create_token

    rng = random.Random(20261130)
    headers = {"Authorization": f"Bearer {run(create_token('coord'))}"}
    classes = [make_class(status="open", capacity=4)["id"] for _ in range(3)]
    people = [make_person(full_name=unique("Tải "))["id"] for _ in range(40)]
    plans = []
    for _ in range(30):
        steps = []
        for _ in range(6):
            kind = rng.choices(["enrol", "withdraw", "capacity"], weights=[5, 3, 2])[0]
            steps.append((kind, rng.choice(classes), rng.choice(people), rng.randint(1, 8)))
        plans.append(steps)
    intervals: list[tuple[float, float]] = []
    codes: list[int] = []
    enrolled: dict[int, list[int]] = {c: [] for c in classes}

    async def client_run(api: httpx.AsyncClient, admin: httpx.AsyncClient, steps):
        for kind, class_id, person_id, capacity in steps:
            if kind == "enrol":
                r = await _timed(lambda c=class_id, p=person_id: api.post(
                    f"/api/classes/{c}/enrolments", json={"person": p}), intervals)
                codes.append(r.status_code)
                if r.status_code == 201:
                    enrolled[class_id].append(r.json()["id"])
            elif kind == "withdraw":
                if enrolled[class_id]:  # anyone enrolled in the class so far (perhaps already withdrawn)
                    eid = rng.choice(enrolled[class_id])
                    r = await _timed(lambda e=eid: api.post(f"/api/enrolments/{e}/withdraw"), intervals)
                    codes.append(r.status_code)
            else:
                r = await _timed(lambda c=class_id, n=capacity: admin.patch(
                    f"/admin/api/tables/training_class/{c}/", json={"capacity": n}), intervals)
                codes.append(r.status_code)

    async def load():
        admin = await _admin_client(two_workers)
        async with httpx.AsyncClient(base_url=two_workers, headers=headers, timeout=120) as api:
            await asyncio.gather(*[client_run(api, admin, steps) for steps in plans])
        await admin.aclose()

    asyncio.run(load())
    # (409: the API refuses; 422: the admin refuses a capacity below the seats taken, see admin/scoping.py)
    assert codes and all(c in (200, 201, 409, 422) for c in codes), sorted(set(codes))
    assert _overlapped(intervals) >= 10, "the requests overlapped"
    assert codes.count(201) >= 10 and codes.count(200) >= 10
    over, waiting_with_room = [], []
    for class_id in classes:
        cls = _class(class_id)
        rows = _enrolments(class_id).values()
        seats = sum(r["status"] in SEATS for r in rows)
        waiting = sum(r["status"] == "waitlisted" for r in rows)
        if seats > cls["capacity"]:
            over.append((cls["code"], seats, cls["capacity"]))
        if waiting and seats < cls["capacity"]:
            waiting_with_room.append((cls["code"], seats, cls["capacity"], waiting))
    assert over == [] and waiting_with_room == []


# --- attendance: two saves of one session at once ----------------------------------------------

def test_simultaneous_attendance_saves_of_one_session(two_workers):
    from training.auth.tokens import create_token
    from training.classes.tables import Attendance

    headers = {"Authorization": f"Bearer {run(create_token('coord'))}"}
    today = dt.date.today()
    cls = make_class(status="open", capacity=30, start_date=today - dt.timedelta(days=5), end_date=today)
    with httpx.Client(base_url=two_workers, headers=headers, timeout=60) as client:
        session = client.post(f"/api/classes/{cls['id']}/sessions", json={"sessions": [
            {"session_date": str(today - dt.timedelta(days=1)), "start_time": "08:00", "end_time": "11:00"}]})
        assert session.status_code == 201, session.text
        session_id = session.json()[0]["id"]
        ids = [_enrol(client, headers, cls["id"], make_person(full_name=unique("Điểm danh "))["id"])["id"]
               for _ in range(12)]
    # Six different sets: everyone present except one learner absent (and one late).
    sets = [{eid: ("absent" if i == k else "late" if i == (k + 1) % len(ids) else "present")
             for i, eid in enumerate(ids)} for k in range(6)]

    async def fire():
        intervals: list[tuple[float, float]] = []
        async with httpx.AsyncClient(base_url=two_workers, headers=headers, timeout=60) as client:
            responses = await asyncio.gather(*[
                _timed(lambda s=s: client.put(f"/api/sessions/{session_id}/attendance", json={
                    "marks": [{"enrolment": e, "status": v} for e, v in s.items()]}), intervals)
                for s in sets])
        return responses, intervals

    for _ in range(3):
        run(Attendance.delete().where(Attendance.session == session_id).run())
        responses, intervals = asyncio.run(fire())
        assert max(s for s, _ in intervals) < min(e for _, e in intervals), "the saves overlapped"
        for response in responses:
            assert response.status_code == 200 or (
                response.status_code == 409 and response.json()["error"]["message"]), response.text
        stored = {r["enrolment"]: r["status"] for r in run(
            Attendance.select().where(Attendance.session == session_id).run())}
        assert stored in sets


def test_the_database_itself_refuses_unknown_statuses_and_capacities():
    from training.classes.tables import Enrolment, TrainingClass

    cls = make_class(status="open", capacity=3)
    enrolment = make_enrolment(cls["id"], make_person()["id"], "confirmed")
    for query in (TrainingClass.update({TrainingClass.status: "finished"}).where(TrainingClass.id == cls["id"]),
                  TrainingClass.update({TrainingClass.capacity: 0}).where(TrainingClass.id == cls["id"]),
                  Enrolment.update({Enrolment.status: "done"}).where(Enrolment.id == enrolment["id"])):
        with pytest.raises(Exception) as refused:
            run(query.run())
        assert "check" in str(refused.value).lower() or "valid" in str(refused.value).lower()
    assert (_class(cls["id"])["status"], _class(cls["id"])["capacity"]) == ("open", 3)
    assert _enrolments(cls["id"])[enrolment["id"]]["status"] == "confirmed"

