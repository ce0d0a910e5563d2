"""The admin per role: its menu, its home page's counts, its form pickers, its CSV export, newest rows first."""

import csv
import datetime as dt
import io
import re

from factories import AdminSession, make_class, make_enrolment, make_person, run

KHANH_HOA, THAI_NGUYEN = "56", "19"
SYSTEM_TABLES = {"account", "api_token", "audit_log", "personal_data_access", "piccolo_user", "sessions"}


def _counts(client) -> list[int]:
    response = client.get("/admin-home")
    assert response.status_code == 200, response.text
    return [int(n) for n in re.findall(r'<span class="count">(\d+)</span>', response.text)]


def _today_session(class_id: int) -> None:
    from training.classes.tables import ClassSession

    run(ClassSession(training_class=class_id, session_date=dt.date.today(), start_time=dt.time(8),
                     end_time=dt.time(11)).save().run())


def _shortcut_rows(province: str) -> dict:
    """One class of each kind in a province: a session today, ended and not closed, closed with two learners
    who completed (one with a certificate already)."""
    today = dt.date.today()
    running = make_class(province, status="running", start_date=today - dt.timedelta(days=3),
                         end_date=today + dt.timedelta(days=3))
    _today_session(running["id"])
    # the oldest of their kind, so first on the home page, which shows the 10 most overdue of each list
    ended = make_class(province, status="running", start_date=dt.date(2001, 1, 2), end_date=dt.date(2001, 1, 20))
    closed = make_class(province, status="closed", start_date=dt.date(2001, 1, 2), end_date=dt.date(2001, 1, 10))
    for _ in range(2):
        make_enrolment(closed["id"], make_person(province)["id"], status="completed")
    return {"running": running, "ended": ended, "closed": closed}


def test_home_page_counts_per_role(client):
    coordinator_before = _counts(AdminSession(client, "coord").client)
    khanhhoa_before = _counts(AdminSession(client, "dept.khanhhoa").client)
    kh = _shortcut_rows(KHANH_HOA)
    _shortcut_rows(THAI_NGUYEN)
    AdminSession(client, "coord")
    page = client.get("/admin-home").text
    coordinator_after = _counts(client)
    # today's sessions, classes waiting to be closed, certificates waiting to be issued
    assert [a - b for a, b in zip(coordinator_after, coordinator_before, strict=True)] == [2, 2, 4]
    assert f'href="/classes/{kh["ended"]["id"]}"' in page and f'href="/classes/{kh["closed"]["id"]}"' in page
    assert 'href="/sessions/today"' in page
    AdminSession(client, "dept.khanhhoa")
    khanhhoa_after = _counts(client)
    assert [a - b for a, b in zip(khanhhoa_after, khanhhoa_before, strict=True)] == [1, 1, 2]


def test_home_page_needs_a_sign_in(client):
    response = client.get("/admin-home", follow_redirects=False)
    assert response.status_code in (302, 303, 307) and response.headers["location"] == "/admin/"


def test_department_menu_lists_only_what_it_may_open(as_coordinator, client):
    everything = set(as_coordinator.get("/tables/").json())
    assert SYSTEM_TABLES <= everything
    department = AdminSession(client, "dept.khanhhoa")
    tables = department.get("/tables/").json()
    assert tables and not SYSTEM_TABLES & set(tables)
    grouped = department.get("/tables/grouped/").json()
    listed = [t for names in grouped["grouped"].values() for t in names] + grouped["ungrouped"]
    assert sorted(listed) == sorted(tables)
    assert not any(SYSTEM_TABLES & set(names) for names in grouped["grouped"].values())
    for table in tables:
        assert department.get(f"/tables/{table}/?__page_size=1").status_code == 200, table
        assert department.get(f"/tables/{table}/schema/").status_code == 200, table
    links = department.get("/links/").json()
    assert "/admin-home" in links.values() and "/schema" not in links.values()
    assert "/schema" in as_coordinator.get("/links/").json().values()


def test_form_pickers_offer_the_classes_and_trainers_of_the_province(client):
    from training.classes.tables import Trainer

    kh = make_class(KHANH_HOA, status="open")
    tn = make_class(THAI_NGUYEN, status="open")
    kh_trainer = Trainer(person=make_person(KHANH_HOA, full_name="Giảng Viên Khánh")["id"])
    tn_trainer = Trainer(person=make_person(THAI_NGUYEN, full_name="Giảng Viên Thái")["id"])
    run(kh_trainer.save().run())
    run(tn_trainer.save().run())
    department = AdminSession(client, "dept.khanhhoa")
    slugs = {f["name"]: f["slug"] for f in department.get("/forms/").json()}
    schema = department.get(f"/forms/{slugs['Xếp lịch buổi học theo mẫu']}/schema/").json()
    classes = schema["properties"]["class_code"]["extra"]["choices"]
    assert kh["code"] in classes and tn["code"] not in classes
    assert classes[kh["code"]]["value"] == kh["code"]
    trainers = schema["properties"]["trainer"]["extra"]["choices"]
    assert str(kh_trainer.id) in trainers and str(tn_trainer.id) not in trainers
    assert trainers[str(kh_trainer.id)]["display_name"] == "Giảng Viên Khánh"


def test_csv_export_has_vietnamese_headers_and_labels(as_coordinator):
    from training.people.tables import Person

    cls = make_class(KHANH_HOA, status="open", start_date=dt.date(2026, 5, 4), end_date=dt.date(2026, 5, 29))
    person = make_person(KHANH_HOA)
    # an old row holding a formula (input refuses it now; old rows and imports may still have one)
    run(Person.update({Person.full_name: '=HYPERLINK("x")'}).where(Person.id == person["id"]).run())
    make_enrolment(cls["id"], person["id"], status="confirmed")
    response = as_coordinator.get(f"/export/enrolment/?training_class={cls['id']}")
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["ID", "Lớp", "Người", "Trạng thái"]
    assert len(rows) == 2
    assert rows[1][1] == cls["code"] and rows[1][3] == "Đã xác nhận"
    assert rows[1][2] == "'=HYPERLINK(\"x\")"  # through the one safe writer: text, never a formula
    classes = as_coordinator.get(f"/export/training_class/?code={cls['code']}")
    rows = list(csv.reader(io.StringIO(classes.content.decode("utf-8-sig"))))
    header = rows[0]
    line = dict(zip(header, rows[1], strict=True))
    assert line["Ngày bắt đầu"] == "04/05/2026" and line["Trạng thái"] == "Đang tuyển sinh"


def test_department_export_is_scoped(client):
    tn = make_class(THAI_NGUYEN, status="open")
    department = AdminSession(client, "dept.khanhhoa")
    response = department.get(f"/export/training_class/?code={tn['code']}")
    assert response.status_code == 200
    assert len(list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))) == 1  # the header only
    assert department.get("/export/audit_log/").status_code == 403


def test_lists_show_the_newest_rows_first(as_coordinator):
    for table in as_coordinator.get("/tables/").json():
        schema = as_coordinator.get(f"/tables/{table}/schema/").json()
        assert schema["extra"]["order_by"] == [{"column": "id", "ascending": False}], table
