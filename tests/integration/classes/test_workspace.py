"""Issue 12 item 1: the class workspace. ``GET /classes`` lists the classes the account may see (a coordinator
every class, a department its province's) with enrolled / capacity, waitlist and next session, filtered, sorted
and paged; ``GET /classes/{id}`` shows one class (roster with shares and results, sessions with their marking
state) and only the actions that apply to its status; another province's class answers 404."""

import datetime as dt
import re

import pytest
from factories import (
    AdminSession,
    make_class,
    make_course,
    make_enrolment,
    make_person,
    run,
    unique,
)
from factories.certificates import closed_class, issue

from training.auth.access import SYSTEM
from training.classes.attendance import Mark, mark_session
from training.classes.scheduling import SessionSpec, add_sessions
from training.classes.tables import Trainer, TrainerCourse


def today() -> dt.date:
    """Asked when used, not at import: a run that crosses midnight still agrees with the service."""
    return dt.date.today()


def page(session: AdminSession, path: str, **params):
    response = session._client().get(path, params=params)
    return response


def sessions(class_id: int, days: list[int]) -> list[dict]:
    """Sessions ``days`` days from today (negative: past), 08:00–11:00."""
    return run(add_sessions(class_id, [SessionSpec(today() + dt.timedelta(days=d), dt.time(8), dt.time(11), f"Buổi {i}")
                                       for i, d in enumerate(days, start=1)], SYSTEM))


def actions(html: str) -> list[str]:
    return re.findall(r'data-action="([a-z]+)"', html)


@pytest.fixture()
def running_class():
    """A running class in Khánh Hòa: 3 confirmed learners (one from Thái Nguyên), 1 waitlisted, capacity 3;
    sessions 2 days ago (marked), yesterday (not marked), today, and in 3 days."""
    cls = make_class("56", status="running", capacity=3, code=unique("WS-"),
                     start_date=today() - dt.timedelta(days=2), end_date=today() + dt.timedelta(days=5))
    people = [make_person("56", full_name="Nguyễn Thị An"), make_person("56", full_name="Trần Văn Bình"),
              make_person("19", full_name="Lê Văn Cường")]
    enrolments = [make_enrolment(cls["id"], p["id"]) for p in people]
    make_enrolment(cls["id"], make_person("56", full_name="Phạm Chờ Chỗ")["id"], status="waitlisted")
    held = sessions(cls["id"], [-2, -1, 0, 3])
    run(mark_session(held[0]["id"], [Mark(enrolments[2]["id"], "absent")], SYSTEM, default="present"))
    return {"class": cls, "sessions": held, "enrolments": enrolments}


def test_the_list_shows_counts_and_next_session(as_coordinator, running_class):
    cls = running_class["class"]
    html = page(as_coordinator, "/classes", q=cls["code"]).text
    row = html[html.index(f'/classes/{cls["id"]}"'):]
    row = row[:row.index("</tr>")]
    assert "3/3" in row  # enrolled / capacity
    assert ">1</td>" in row  # one waitlisted
    assert f'{today().strftime("%d/%m/%Y")} 08:00' in row  # the next session is today's
    assert cls["start_date"].strftime("%d/%m/%Y") in row
    assert "Đang học" in row  # the status in Vietnamese


def test_english_with_lang(as_coordinator, running_class):
    html = page(as_coordinator, "/classes", q=running_class["class"]["code"], lang="en").text
    assert "Enrolled / capacity" in html and "Running" in html
    html = page(as_coordinator, f"/classes/{running_class['class']['id']}", lang="en").text
    assert "Take attendance" in html and "Not yet marked" in html


def test_a_department_sees_only_its_provinces_classes(client, running_class):
    other = make_class("19", status="open", code=unique("WS-TN-"))
    khanhhoa = AdminSession(client, "dept.khanhhoa")
    html = page(khanhhoa, "/classes", q="WS-").text
    assert running_class["class"]["code"] in html and other["code"] not in html
    assert 'name="province"' not in html  # no province filter for a department
    assert page(khanhhoa, f"/classes/{other['id']}").status_code == 404
    assert page(khanhhoa, f"/classes/{running_class['class']['id']}").status_code == 200
    assert khanhhoa._client().get(f"/api/classes/{other['id']}/candidates", params={"q": "Ng"},
                                  headers=khanhhoa.headers).status_code == 404
    thainguyen = AdminSession(client, "dept.thainguyen")
    assert page(thainguyen, f"/classes/{running_class['class']['id']}").status_code == 404
    assert other["code"] in page(thainguyen, "/classes", q="WS-TN-").text


def test_the_workspace_roster_sessions_and_actions_of_a_running_class(as_coordinator, running_class):
    cls, held = running_class["class"], running_class["sessions"]
    response = page(as_coordinator, f"/classes/{cls['id']}")
    assert response.status_code == 200
    html = response.text
    # the roster: learners in Vietnamese name order, then the waitlist; attendance share of all 4 sessions
    names = re.findall(r'data-label="Họ và tên">([^<]+)<', html)
    assert names == ["Nguyễn Thị An", "Trần Văn Bình", "Lê Văn Cường", "Phạm Chờ Chỗ"]  # given name order
    assert "1/4 (25 %)" in html and "0/4 (0 %)" in html
    # the sessions' marking state: marked, not yet marked (yesterday and today), upcoming
    states = re.findall(r'class="state ([a-z]+)"', html)
    assert states == ["marked", "unmarked", "unmarked", "upcoming"]
    # actions in order; no enrolment (not open), attendance for today's session
    assert actions(html) == ["schedule", "attendance", "scores", "close", "results", "invite"]
    assert f'href="/sessions/{held[2]["id"]}/attendance"' in html
    # each session held so far opens its attendance page; the upcoming one does not
    assert all(f'href="/sessions/{s["id"]}/attendance"' in html for s in held[:3])
    assert f'href="/sessions/{held[3]["id"]}/attendance"' not in html
    assert f'href="/classes/{cls["id"]}/scores"' in html and f'href="/classes/{cls["id"]}/close"' in html


def test_actions_follow_the_status(as_coordinator):
    course = make_course()["id"]
    planned = make_class(status="planned", course=course)
    assert actions(page(as_coordinator, f"/classes/{planned['id']}").text) == ["schedule"]
    opened = make_class(status="open", course=course)
    assert actions(page(as_coordinator, f"/classes/{opened['id']}").text) == ["schedule", "enrol", "roster"]
    assert f'/tools/roster?class={opened["id"]}' in page(as_coordinator, f"/classes/{opened['id']}").text
    cancelled = make_class(status="cancelled", course=course)
    assert actions(page(as_coordinator, f"/classes/{cancelled['id']}").text) == []
    closed = make_class(status="closed", course=course)
    done = make_enrolment(closed["id"], make_person()["id"], status="completed", classification="Giỏi", score=8.5)
    make_enrolment(closed["id"], make_person()["id"], status="failed")
    html = page(as_coordinator, f"/classes/{closed['id']}").text
    assert actions(html) == ["certificates", "results", "invite"]  # no schedule, no close on a closed class
    assert f'/tools/certificates?class={closed["id"]}' in html
    assert "8,5" in html and "Giỏi" in html and "Không hoàn thành" in html
    assert done["id"]


def test_issue_certificates_disappears_once_issued_and_downloads_appear(as_coordinator):
    cls = closed_class(names=["Nguyễn Thị Ngọc Ánh", "Lưu Quang Vũ"])
    assert actions(page(as_coordinator, f"/classes/{cls['id']}").text) == ["certificates", "results", "invite"]
    issue(cls)
    html = page(as_coordinator, f"/classes/{cls['id']}").text
    assert actions(html) == ["results", "zip", "pdf", "invite"]
    assert f"/api/classes/{cls['id']}/certificates/export?format=zip" in html


def test_the_tool_pages_preselect_the_class(as_coordinator):
    opened = make_class(status="open")
    html = page(as_coordinator, "/tools/roster", **{"class": str(opened["id"])}).text
    assert f'<option value="{opened["id"]}" selected>' in html


def test_empty_states(as_coordinator):
    html = page(as_coordinator, "/classes", q="KHONG-CO-LOP-NAY").text
    assert "Không có lớp nào khớp với bộ lọc này." in html
    cls = make_class(status="open")
    html = page(as_coordinator, f"/classes/{cls['id']}").text
    assert "Chưa có học viên nào." in html and "Chưa có buổi học nào." in html


def test_filters_sort_and_pages(as_coordinator):
    course = make_course(level="college")
    prefix = unique("WSF-")
    made = [make_class(status="open" if i % 2 else "planned", course=course["id"], code=f"{prefix}-{i:02d}",
                       start_date=dt.date(2026, 1, 1) + dt.timedelta(days=i), end_date=dt.date(2026, 12, 1))
            for i in range(30)]
    html = page(as_coordinator, "/classes", q=prefix).text
    codes = re.findall(rf">({prefix}-\d\d)</a>", html)
    assert len(codes) == 25 and codes[0] == f"{prefix}-29"  # newest start date first, 25 a page
    assert "30 lớp" in html and "trang 1/2" in html
    html = page(as_coordinator, "/classes", q=prefix, page="2").text
    assert re.findall(rf">({prefix}-\d\d)</a>", html) == [f"{prefix}-{i:02d}" for i in range(4, -1, -1)]
    html = page(as_coordinator, "/classes", q=prefix, status="open", sort="code").text
    assert re.findall(rf">({prefix}-\d\d)</a>", html) == [f"{prefix}-{i:02d}" for i in range(1, 30, 2)]
    html = page(as_coordinator, "/classes", q=prefix, course=str(course["id"]), level="college", page="x",
                sort="nonsense", status="nonsense").text  # a filter never errors
    assert len(re.findall(rf">({prefix}-\d\d)</a>", html)) == 25
    response = page(as_coordinator, "/classes", q=prefix, course="9" * 30, province="-" + "9" * 30, page="9" * 30)
    assert response.status_code == 200  # numbers out of range are no filter, never a database error
    assert len(made) == 30


def test_enrol_search_finds_people_in_scope_not_yet_enrolled(client, coord, running_class):
    cls = make_class("56", status="open")
    mine = make_person("56", full_name="Hoàng Thị Tìm Thấy")
    theirs = make_person("19", full_name="Hoàng Văn Tìm Thấy")
    enrolled = make_person("56", full_name="Hoàng Đã Tìm Thấy")
    make_enrolment(cls["id"], enrolled["id"])
    khanhhoa = AdminSession(client, "dept.khanhhoa")
    found = khanhhoa._client().get(f"/api/classes/{cls['id']}/candidates", params={"q": "Tìm Thấy"}).json()
    assert [r["id"] for r in found] == [mine["id"]]
    found = client.get(f"/api/classes/{cls['id']}/candidates", params={"q": "Tìm Thấy"}, headers=coord).json()
    assert {r["id"] for r in found} == {mine["id"], theirs["id"]}
    assert client.get(f"/api/classes/{cls['id']}/candidates", params={"q": "H"}, headers=coord).json() == []


def test_schedule_form_lists_the_trainers_qualified_for_the_course(as_coordinator):
    """Only trainers who may teach the class's course (ADR 0031): another would be refused on save."""
    cls = make_class(status="open")
    trainer = Trainer(person=make_person(full_name="Võ Giảng Viên")["id"])
    run(trainer.save().run())
    run(TrainerCourse(trainer=trainer.id, course=cls["course"]).save().run())
    other = Trainer(person=make_person(full_name="Lê Chưa Đủ Điều Kiện")["id"])
    run(other.save().run())
    html = page(as_coordinator, f"/classes/{cls['id']}").text
    assert f'<option value="{trainer.id}">Võ Giảng Viên</option>' in html
    assert "Lê Chưa Đủ Điều Kiện" not in html


def test_signed_out_goes_to_the_admin_sign_in(client):
    assert client.get("/classes", follow_redirects=False).status_code in (302, 303, 307)
