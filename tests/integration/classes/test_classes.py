"""Classes from plan to results through the JSON API: sessions, clashes, enrolment, attendance, closing."""

import datetime as dt

from factories import AdminSession, make_class, make_course, make_enrolment, make_person, run, unique
from factories.classes import class_with_sessions, enrol

from training.auth.access import SYSTEM
from training.records.rows import create_row

TODAY = dt.date.today()


def make_trainer(province_code="56", courses=()):
    """A trainer who may teach ``courses`` (a session names only a trainer qualified for its course, ADR 0031)."""
    from training.classes.tables import Trainer, TrainerCourse

    person = make_person(province_code, full_name=unique("Giảng viên "), staff_category="public_employee")
    trainer = run(create_row(Trainer, {"person": person["id"], "qualifications": "Thạc sĩ CTXH"}, SYSTEM))
    for course in courses:
        run(create_row(TrainerCourse, {"trainer": trainer["id"], "course": course}, SYSTEM))
    return trainer


def test_api_needs_authentication(client):
    response = client.post("/api/classes/1/enrolments", json={"person": 1})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Vui lòng đăng nhập trước."
    bad = client.post("/api/classes/1/enrolments", json={"person": 1}, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_sessions_from_a_pattern_on_weekdays(client, coord):
    cls = make_class(start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 30), venue="Hội trường A")
    response = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"pattern": {
        "start_date": "2026-06-05", "count": 4, "start_time": "08:00", "end_time": "11:30",
        "weekdays": [0, 2, 4], "topic": "Kỹ năng tham vấn"}})
    assert response.status_code == 201, response.text
    dates = [s["session_date"] for s in response.json()]
    assert dates == ["2026-06-05", "2026-06-08", "2026-06-10", "2026-06-12"]  # Fri, Mon, Wed, Fri
    assert response.json()[0]["topic"] == "Kỹ năng tham vấn (1/4)"


def test_double_booked_trainer_is_refused_naming_the_other_class(client, coord):
    from training.classes.tables import ClassSession

    course = make_course()
    trainer = make_trainer(courses=[course["id"]])
    first = make_class(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 7, 31), course=course["id"])
    second = make_class(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 7, 31), course=course["id"])
    ok = client.post(f"/api/classes/{first['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": "2026-07-06", "start_time": "08:00", "end_time": "11:00", "trainer": trainer["id"]}]})
    assert ok.status_code == 201, ok.text
    before = run(ClassSession.count().run())
    clash = client.post(f"/api/classes/{second['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": "2026-07-07", "start_time": "08:00", "end_time": "11:00", "trainer": trainer["id"]},
        {"session_date": "2026-07-06", "start_time": "10:00", "end_time": "12:00", "trainer": trainer["id"]}]})
    assert clash.status_code == 409
    message = clash.json()["error"]["message"]
    assert first["code"] in message and "06/07/2026 08:00–11:00" in message and "buổi 2" in message
    assert run(ClassSession.count().run()) == before  # the valid first session was not saved either
    # Back to back is fine: 11:00–12:00 does not overlap 08:00–11:00.
    fine = client.post(f"/api/classes/{second['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": "2026-07-06", "start_time": "11:00", "end_time": "12:00", "trainer": trainer["id"]}]})
    assert fine.status_code == 201


def test_venue_clash_and_moving_a_session_into_a_clash(client, coord):
    a = make_class(start_date=dt.date(2026, 8, 3), end_date=dt.date(2026, 8, 7), venue="Phòng 201")
    b = make_class(start_date=dt.date(2026, 8, 3), end_date=dt.date(2026, 8, 7), venue="Phòng 202")
    client.post(f"/api/classes/{a['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": "2026-08-04", "start_time": "13:30", "end_time": "17:00"}]})
    mine = client.post(f"/api/classes/{b['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": "2026-08-04", "start_time": "13:30", "end_time": "17:00"}]}).json()[0]
    moved = client.patch(f"/api/sessions/{mine['id']}", headers=coord, json={"venue": "Phòng 201"})
    assert moved.status_code == 409
    assert "Phòng 201" in moved.json()["error"]["message"] and a["code"] in moved.json()["error"]["message"]
    later = client.patch(f"/api/sessions/{mine['id']}", headers=coord, json={"session_date": "2026-08-05"})
    assert later.status_code == 200 and later.json()["session_date"] == "2026-08-05"
    outside = client.patch(f"/api/sessions/{mine['id']}", headers=coord, json={"session_date": "2026-09-01"})
    assert outside.status_code == 422 and outside.json()["error"]["code"] == "session_outside_class"
    assert client.delete(f"/api/sessions/{mine['id']}", headers=coord).status_code == 204


def test_capacity_waitlist_and_promotion_in_arrival_order(client, coord):
    cls = make_class(status="open", capacity=2)
    people = [make_person(full_name=unique("Học viên ")) for _ in range(4)]
    statuses = [enrol(client, coord, cls["id"], p["id"]) for p in people]
    assert [r.status_code for r in statuses] == [201] * 4
    assert [r.json()["status"] for r in statuses] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    twice = enrol(client, coord, cls["id"], people[0]["id"])
    assert twice.status_code == 409 and "đã có trong lớp" in twice.json()["error"]["message"]
    out = client.post(f"/api/enrolments/{statuses[1].json()['id']}/withdraw", headers=coord)
    assert out.status_code == 200
    assert out.json()["promoted"]["person"] == people[2]["id"]  # the first waitlisted, not the second
    assert out.json()["promoted"]["status"] == "confirmed"


def test_enrolment_only_while_open_and_with_prerequisites(client, coord):
    planned = make_class(status="planned")
    person = make_person()
    refused = enrol(client, coord, planned["id"], person["id"])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "class_not_open"
    base = make_course("refresher")
    tot = make_course("trainer_of_trainers")
    from training.classes.tables import CoursePrerequisite

    run(create_row(CoursePrerequisite, {"course": tot["id"], "required_course": base["id"]}, SYSTEM))
    tot_class = make_class(status="open", course=tot["id"])
    missing = enrol(client, coord, tot_class["id"], person["id"])
    assert missing.status_code == 409 and base["code"] in missing.json()["error"]["message"]
    done = make_class(status="closed", course=base["id"])
    make_enrolment(done["id"], person["id"], "completed")
    assert enrol(client, coord, tot_class["id"], person["id"]).status_code == 201


def test_department_enrols_only_people_of_its_province(client, khanhhoa):
    from training.classes.tables import Enrolment

    cls = make_class("56", status="open")
    own = make_person("56")
    other = make_person("19")
    before = run(Enrolment.count().run())
    refused = enrol(client, khanhhoa, cls["id"], other["id"])
    # The same answer as for a person who does not exist (no enumeration, issue 10).
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "unknown_person"
    assert run(Enrolment.count().run()) == before
    assert enrol(client, khanhhoa, cls["id"], own["id"]).status_code == 201


def test_attendance_everyone_present_then_exceptions(client, coord):
    cls, sessions, enrolments = class_with_sessions(client, coord)
    response = client.put(f"/api/sessions/{sessions[0]['id']}/attendance", headers=coord, json={
        "default": "present", "marks": [{"enrolment": enrolments[1]["id"], "status": "absent", "note": "ốm"}]})
    assert response.status_code == 200, response.text
    assert response.json()["counts"] == {"present": 2, "absent": 1}
    again = client.put(f"/api/sessions/{sessions[0]['id']}/attendance", headers=coord, json={
        "marks": [{"enrolment": enrolments[1]["id"], "status": "excused"}]})
    assert again.status_code == 200
    shares = {s["enrolment"]: s for s in client.get(f"/api/classes/{cls['id']}/attendance", headers=coord).json()}
    assert shares[enrolments[0]["id"]]["attended"] == 1 and shares[enrolments[0]["id"]]["sessions"] == 5
    assert shares[enrolments[1]["id"]]["attended"] == 0  # excused does not count by default


def test_no_marks_for_future_sessions_or_withdrawn_learners(client, coord):
    from training.classes.tables import Attendance

    cls = make_class(status="open", start_date=TODAY - dt.timedelta(days=1), end_date=TODAY + dt.timedelta(days=5))
    sessions = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": str(TODAY - dt.timedelta(days=1)), "start_time": "08:00", "end_time": "11:00"},
        {"session_date": str(TODAY + dt.timedelta(days=2)), "start_time": "08:00", "end_time": "11:00"}]}).json()
    a = enrol(client, coord, cls["id"], make_person(full_name=unique("HV "))["id"]).json()
    b = enrol(client, coord, cls["id"], make_person(full_name=unique("HV "))["id"]).json()
    client.post(f"/api/enrolments/{b['id']}/withdraw", headers=coord)
    before = run(Attendance.count().run())
    future = client.put(f"/api/sessions/{sessions[1]['id']}/attendance", headers=coord, json={"default": "present"})
    assert future.status_code == 409 and "chưa diễn ra" in future.json()["error"]["message"]
    withdrawn = client.put(f"/api/sessions/{sessions[0]['id']}/attendance", headers=coord, json={
        "marks": [{"enrolment": a["id"], "status": "present"}, {"enrolment": b["id"], "status": "present"}]})
    assert withdrawn.status_code == 422 and "dòng 2" in withdrawn.json()["error"]["message"]
    assert run(Attendance.count().run()) == before
    everyone = client.put(f"/api/sessions/{sessions[0]['id']}/attendance", headers=coord, json={"default": "present"})
    assert everyone.json()["marked"] == 1  # the withdrawn learner is skipped


def test_closing_decides_completion_and_classification_then_reopen_is_audited(client, coord):
    from training.classes.tables import Enrolment
    from training.records.rows import update_row
    from training.records.tables import AuditLog

    course = make_course("refresher", pass_mark=5.0, min_attendance_share=0.8)
    cls, sessions, enrolments = class_with_sessions(client, coord, learners=3, course=course["id"])
    ids = [e["id"] for e in enrolments]
    for i, session in enumerate(sessions):
        marks = [{"enrolment": ids[1], "status": "absent"}] if i < 2 else []  # learner 2 attends 3/5 = 60%
        client.put(f"/api/sessions/{session['id']}/attendance", headers=coord, json={"default": "present",
                                                                                    "marks": marks})
    for eid, score in zip(ids, [9.2, 9.5, 4.0], strict=True):
        run(update_row(Enrolment, eid, {"score": score}, SYSTEM))
    closed = client.post(f"/api/classes/{cls['id']}/close", headers=coord)
    assert closed.status_code == 200 and closed.json() == {"training_class": cls["id"], "completed": 1, "failed": 2}
    rows = {r["id"]: r for r in run(Enrolment.select().where(Enrolment.id.is_in(ids)).run())}
    assert (rows[ids[0]]["status"], rows[ids[0]]["classification"]) == ("completed", "Xuất sắc")
    assert rows[ids[1]]["status"] == "failed"  # attendance below 80 %
    assert rows[ids[2]]["status"] == "failed"  # score below the pass mark
    late = client.post(f"/api/enrolments/{ids[0]}/withdraw", headers=coord)
    assert late.status_code == 409 and "đã kết thúc" in late.json()["error"]["message"]
    reopened = client.post(f"/api/classes/{cls['id']}/reopen", headers=coord)
    assert reopened.status_code == 200 and reopened.json()["status"] == "running"
    last = run(AuditLog.select().where((AuditLog.table_name == "training_class") & (AuditLog.row_id == cls["id"]))
               .order_by(AuditLog.id, ascending=False).first().run())
    assert (last["action"], last["username"]) == ("reopen", "coord")


def test_classification_thresholds():
    from training.classes.policy import classify

    assert [classify(s) for s in (9, 8.99, 8, 6.5, 6.4, 5, 4.9, None)] == [
        "Xuất sắc", "Giỏi", "Giỏi", "Khá", "Trung bình", "Trung bình", None, None]


def test_counting_people_and_person_times(client, coord, khanhhoa):

    # Cần Thơ (92) holds no other test data, so the figures are exact.
    course = make_course("refresher")
    person = make_person("92", staff_category="collaborator", full_name=unique("Đếm "))
    other = make_person("92", staff_category="collaborator", full_name=unique("Đếm "))
    for year, learner, status in ((2024, person, "completed"), (2025, person, "completed"),
                                  (2025, other, "failed")):
        cls = make_class("92", status="closed", course=course["id"], start_date=dt.date(year, 5, 4),
                         end_date=dt.date(year, 5, 8))
        make_enrolment(cls["id"], learner["id"], status)
    query = {"level": "refresher", "staff_category": "collaborator", "province": "92"}
    total = client.get("/api/counts", params=query, headers=coord).json()
    # Two refreshers by the same person: one person, two person-times; the failed one counts for nothing.
    assert total == [{"people": 1, "person_times": 2, "province": None, "staff_category": None, "level": None,
                      "year": None}]
    by_year = client.get("/api/counts", params={**query, "group_by": "year,level"}, headers=coord).json()
    assert [(r["year"], r["level"], r["people"], r["person_times"]) for r in by_year] == [
        (2024, "refresher", 1, 1), (2025, "refresher", 1, 1)]
    only_2025 = client.get("/api/counts", params={**query, "start": "2025-01-01", "end": "2025-12-31"},
                           headers=coord).json()
    assert only_2025[0]["person_times"] == 1
    assert client.get("/api/counts", params={"province": "19"}, headers=khanhhoa).status_code == 404
    own = client.get("/api/counts", params={"group_by": "province"}, headers=khanhhoa).json()
    assert {r["province"] for r in own} <= {"56"}


def test_session_cookie_calls_need_the_csrf_header_for_writes(client):
    session = AdminSession(client, "coord")
    cls = make_class(status="open")
    person = make_person(full_name=unique("Cookie "))
    assert client.get(f"/api/classes/{cls['id']}/attendance").status_code == 200  # reads need no token
    refused = client.post(f"/api/classes/{cls['id']}/enrolments", json={"person": person["id"]})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf"
    accepted = client.post(f"/api/classes/{cls['id']}/enrolments", json={"person": person["id"]},
                           headers={"X-CSRFToken": session.headers["X-CSRFToken"]})
    assert accepted.status_code == 201
