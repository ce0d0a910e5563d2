"""Trainer accounts (issue 12 item 3, ADR 0031): created for a person who is a trainer, signed in at /login,
they see the sessions they teach and mark those only; every other page and API refuses them. A session may
name a trainer only for a course they may teach, on every path (API, admin table, database)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from factories import PASSWORD, make_class, make_course, make_person, run, unique
from factories.classes import enrol

from training.auth.accounts import create_account
from training.classes.tables import ClassSession, Trainer, TrainerCourse
from training.cli.main import main as cli


def today() -> dt.date:
    """Asked when used, not at import: a run that crosses midnight still agrees with the service."""
    return dt.date.today()


def make_trainer(course_id: int | None, name: str = "Nguyễn Thị Giảng", province: str = "56") -> dict:
    person = make_person(province, full_name=name)
    trainer = Trainer(person=person["id"])
    run(trainer.save().run())
    if course_id is not None:
        run(TrainerCourse(trainer=trainer.id, course=course_id).save().run())
    return {"id": trainer.id, "person": person["id"], "name": name}


def trainer_account(trainer: dict) -> str:
    username = unique("giangvien.")
    run(create_account(username, "trainer", PASSWORD, person_id=trainer["person"]))
    return username


def sign_in(client, username: str):
    client.get("/login")
    return client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)


@pytest.fixture()
def world(client, coord):
    """An open class (dates around today) with 3 learners; trainer A teaches today's and a later session,
    trainer B today's other session."""
    course = make_course()
    cls = make_class(status="open", course=course["id"], start_date=today() - dt.timedelta(days=5),
                     end_date=today() + dt.timedelta(days=20))
    a, b = make_trainer(course["id"], "Nguyễn Thị An"), make_trainer(course["id"], "Phạm Văn Bảo")
    sessions = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": str(today()), "start_time": "08:00", "end_time": "11:00", "trainer": a["id"]},
        {"session_date": str(today()), "start_time": "13:30", "end_time": "16:30", "trainer": b["id"]},
        {"session_date": str(today() + dt.timedelta(days=3)), "start_time": "08:00", "end_time": "11:00",
         "trainer": a["id"]}]})
    assert sessions.status_code == 201, sessions.text
    learners = [enrol(client, coord, cls["id"], make_person(full_name=unique("HV "))["id"]).json()
                for _ in range(3)]
    return {"class": cls, "course": course, "a": a, "b": b, "sessions": sessions.json(), "learners": learners}


# --- the account ------------------------------------------------------------------------------------------

def test_create_user_trainer_needs_a_person_who_is_a_trainer(capsys):
    person = make_person(full_name="Lê Văn Chưa")
    code = cli(["create-user", unique("gv."), "--role", "trainer", "--person-id", str(person["id"]),
                "--password", PASSWORD])
    assert code == 2
    assert "không có trong danh sách giảng viên" in capsys.readouterr().err
    trainer = make_trainer(None, "Lê Văn Có")
    username = unique("gv.")
    assert cli(["create-user", username, "--role", "trainer", "--person-id", str(trainer["person"]),
                "--password", PASSWORD]) == 0
    from training.auth.tables import Account
    assert run(Account.select(Account.role).where(Account.user.username == username).first().run())["role"] == "trainer"


def test_trainer_lands_on_the_sessions_they_teach(client, world):
    response = sign_in(client, trainer_account(world["a"]))
    assert response.status_code == 303 and response.headers["location"] == "/sessions/today"
    page = client.get("/sessions/today")
    assert page.status_code == 200
    mine, other, later = (s["id"] for s in world["sessions"])
    assert f'href="/sessions/{mine}/attendance"' in page.text
    assert f"/sessions/{other}/attendance" not in page.text  # trainer B's session
    assert (today() + dt.timedelta(days=3)).strftime("%d/%m/%Y") in page.text  # upcoming, listed
    assert f"/sessions/{later}/attendance" not in page.text  # not yet markable
    assert "Quay lại trang quản trị" not in page.text and 'action="/logout"' in page.text


def test_trainer_marks_their_session_and_no_other(client, world):
    sign_in(client, trainer_account(world["a"]))
    headers = {"X-CSRFToken": client.cookies.get("csrftoken")}
    mine, other, _later = (s["id"] for s in world["sessions"])
    absent = world["learners"][0]["id"]
    ok = client.put(f"/api/sessions/{mine}/attendance", headers=headers,
                    json={"default": "present", "marks": [{"enrolment": absent, "status": "absent"}]})
    assert ok.status_code == 200, ok.text
    assert ok.json()["counts"] == {"present": 2, "absent": 1}
    assert client.get(f"/sessions/{mine}/attendance").status_code == 200
    refused = client.put(f"/api/sessions/{other}/attendance", headers=headers, json={"default": "present", "marks": []})
    assert refused.status_code == 404
    assert "không dạy" in refused.json()["error"]["message"]
    assert client.get(f"/sessions/{other}/attendance").status_code == 404
    from training.classes.tables import Attendance
    assert not run(Attendance.exists().where(Attendance.session == other).run())


def test_a_trainer_sees_the_classes_where_they_teach_and_only_takes_attendance(client, world):
    """The class workspace (ADR 0030) for a trainer: the classes where they teach and no other; on the page of
    one, the only action is taking attendance of a session they teach; the enrol search is refused."""
    other = make_class(status="open", start_date=today(), end_date=today() + dt.timedelta(days=3))
    sign_in(client, trainer_account(world["b"]))
    listing = client.get("/classes")
    assert listing.status_code == 200 and world["class"]["code"] in listing.text
    assert other["code"] not in listing.text
    assert client.get(f"/classes/{other['id']}").status_code == 404
    page = client.get(f"/classes/{world['class']['id']}")
    assert page.status_code == 200
    actions = re.findall(r'data-action="(\w+)"', page.text)
    assert actions == ["attendance"], actions
    mine, theirs = world["sessions"][1]["id"], world["sessions"][0]["id"]
    assert f'href="/sessions/{mine}/attendance"' in page.text
    assert f'href="/sessions/{theirs}/attendance"' not in page.text
    assert 'id="schedule-form"' not in page.text and "/api/classes/" not in page.text.split("<main", 1)[-1]
    headers = {"X-CSRFToken": client.cookies.get("csrftoken")}
    assert client.get(f"/api/classes/{world['class']['id']}/candidates?q=HV", headers=headers).status_code == 403


# --- nothing else -----------------------------------------------------------------------------------------

ALLOWED = {("GET", "/sessions/today"), ("GET", "/sessions/{session_id:int}/attendance"),
           ("PUT", "/api/sessions/{session_id:int}/attendance"), ("POST", "/logout"), ("GET", "/me"),
           ("GET", "/classes"), ("GET", "/classes/{class_id:int}")}


def _routes(app):
    for route in app.routes:
        methods = getattr(route, "methods", None) or set()
        for method in sorted(methods - {"OPTIONS", "HEAD"}):
            if "{" in route.path and ":path" in route.path:
                continue  # static files
            yield method, route.path


def _url(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: str(ids.get(m.group(1), 1)) if m.group(2) == "int" else "x", path)


def test_a_trainer_gets_nothing_an_anonymous_visitor_does_not_except_their_sessions(app, client, world):
    """Every route of the app, called as the trainer (session cookie and CSRF header) and as nobody: the trainer
    gets a 2xx only where an anonymous caller does too (public pages) or on the trainer's own routes."""
    from litestar.testing import TestClient

    other = world["sessions"][1]["id"]
    ids = {"session_id": other, "class_id": world["class"]["id"], "enrolment_id": world["learners"][0]["id"],
           "person_id": world["a"]["person"], "certificate_id": 1}
    sign_in(client, trainer_account(world["a"]))
    headers = {"X-CSRFToken": client.cookies.get("csrftoken")}
    opened = []
    with TestClient(app=app, base_url="http://127.0.0.1") as anonymous:
        for method, path in _routes(app):
            url = _url(path, ids)
            if (method, path) in ALLOWED or path.startswith("/admin"):
                continue
            as_trainer = client.request(method, url, headers=headers, json={}, follow_redirects=False)
            if as_trainer.status_code < 300:
                public = anonymous.request(method, url, json={}, follow_redirects=False)
                if public.status_code >= 300:
                    opened.append((method, url, as_trainer.status_code))
            assert as_trainer.status_code < 500, (method, url, as_trainer.text)
    assert opened == []
    for url in ("/admin/api/tables/", "/admin/api/tables/class_session/", "/admin/api/tables/person/",
                "/admin/api/user/"):
        assert client.get(url, headers=headers).status_code in (401, 403), url
    assert client.get("/trainers").status_code == 403
    assert client.get("/api/trainers").status_code == 403
    assert client.get("/trainers/workload.xlsx").status_code == 403


def test_a_trainer_cannot_sign_in_to_the_admin(client, world, no_failures):
    from factories import admin_login

    response = admin_login(client, trainer_account(world["a"]))
    assert response.status_code == 403
    assert "/login" in response.json()["error"]["message"]


# --- qualified trainers on every path ---------------------------------------------------------------------

def test_an_unqualified_trainer_is_refused_by_the_api(client, coord, world):
    other_course = make_course(name_vi="Kỹ năng tham vấn")
    stranger = make_trainer(other_course["id"], "Trần Văn Lạ")
    cls = world["class"]
    added = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": str(today() + dt.timedelta(days=4)), "start_time": "08:00", "end_time": "11:00",
         "trainer": stranger["id"]}]})
    assert added.status_code == 422, added.text
    message = added.json()["error"]["message"]
    assert "Trần Văn Lạ" in message and world["course"]["code"] in message and "không được phân công" in message
    later = world["sessions"][2]["id"]
    moved = client.patch(f"/api/sessions/{later}", headers=coord, json={"trainer": stranger["id"]})
    assert moved.status_code == 422, moved.text
    assert run(ClassSession.select(ClassSession.trainer).where(ClassSession.id == later).first().run())[
        "trainer"] == world["a"]["id"]


def test_an_unqualified_trainer_is_refused_by_the_admin_table(as_coordinator, world):
    stranger = make_trainer(None, "Đỗ Văn Không")
    later = world["sessions"][2]["id"]
    response = as_coordinator.patch(f"/tables/class_session/{later}/", {"trainer": stranger["id"]})
    assert response.status_code == 422, response.text
    assert "Đỗ Văn Không" in response.text
    created = as_coordinator.post("/tables/class_session/", {
        "training_class": world["class"]["id"], "session_date": str(today() + dt.timedelta(days=6)),
        "start_time": "08:00:00", "end_time": "09:00:00", "trainer": stranger["id"], "topic": "", "venue": ""})
    assert created.status_code == 422, created.text
    assert run(ClassSession.select(ClassSession.trainer).where(ClassSession.id == later).first().run())[
        "trainer"] == world["a"]["id"]


def test_the_database_refuses_an_unqualified_trainer(world):
    stranger = make_trainer(None, "Vũ Văn Thẳng")
    later = world["sessions"][2]["id"]
    with pytest.raises(Exception, match="class_session_trainer_qualified"):
        run(ClassSession.update({ClassSession.trainer: stranger["id"]}).where(ClassSession.id == later).run())
    with pytest.raises(Exception, match="class_session_trainer_qualified"):
        run(ClassSession.insert(ClassSession(
            training_class=world["class"]["id"], session_date=today(), start_time=dt.time(18), end_time=dt.time(19),
            trainer=stranger["id"])).run())


def test_a_qualification_a_future_session_relies_on_cannot_be_deleted(as_coordinator, world):
    row = run(TrainerCourse.select().where(TrainerCourse.trainer == world["a"]["id"]).first().run())
    response = as_coordinator.delete(f"/tables/trainer_course/{row['id']}/")
    assert response.status_code == 409, response.text
    assert "giảng viên khác" in response.text
    assert run(TrainerCourse.exists().where(TrainerCourse.id == row["id"]).run())

