"""The admin over HTTP: sign-in with CSRF, Vietnamese schema, and province scoping on every endpoint."""

import datetime as dt

import pytest
from factories import AdminSession, admin_login, make_class, make_enrolment, make_person, province_id, run

KHANH_HOA, THAI_NGUYEN = "56", "19"


def test_login_needs_csrf_token(client):
    client.get("/admin/")
    response = client.post("/admin/public/login/", json={"username": "coord", "password": "Test@12345"})
    assert response.status_code == 403  # no X-CSRFToken header
    assert admin_login(client, "coord").status_code in (200, 303)
    assert client.cookies.get("id")


def test_wrong_password_is_refused(client):
    response = admin_login(client, "coord", "wrong-password")
    assert response.status_code == 401
    assert client.get("/admin/api/tables/").status_code == 401


def test_coordinator_lists_classes_of_every_province(as_coordinator):
    a = make_class(KHANH_HOA)
    b = make_class(THAI_NGUYEN)
    response = as_coordinator.get("/tables/training_class/?__page_size=1000&__readable=true")
    assert response.status_code == 200
    codes = {row["code"] for row in response.json()["rows"]}
    assert {a["code"], b["code"]} <= codes


def test_schema_has_vietnamese_labels(as_coordinator):
    schema = as_coordinator.get("/tables/training_class/schema/").json()
    assert schema["properties"]["start_date"]["title"] == "Ngày bắt đầu"
    assert schema["properties"]["capacity"]["title"] == "Sĩ số tối đa"
    status_choices = schema["properties"]["status"]["extra"]["choices"]
    assert status_choices["open"]["display_name"] == "Đang tuyển sinh"
    english = as_coordinator.client.get("/admin/api/tables/training_class/schema/?lang=en",
                                        headers=as_coordinator.headers).json()
    assert english["properties"]["start_date"]["title"] == "Start date"


def test_admin_interface_translation_is_complete_vietnamese(client):
    from piccolo_admin.translations.data import ENGLISH

    translations = client.get("/admin/public/translations/").json()
    assert translations["default_language_code"] == "vi"
    vi = client.get("/admin/public/translations/vi/").json()["translations"]
    assert set(vi) == set(ENGLISH.translations)
    assert vi["Login"] == "Đăng nhập" and vi["Add Row"] == "Thêm mới"
    untranslated = [k for k, v in vi.items() if v == k and k not in ("ID",)]
    assert untranslated == []


def test_invalid_cccd_through_the_admin_is_a_clear_422(as_coordinator):
    from training.people.tables import Person

    before = run(Person.count().run())
    response = as_coordinator.post("/tables/person/", {
        "full_name": "Lê Thị Hoa", "sex": "female", "staff_category": "collaborator",
        "province": province_id(KHANH_HOA), "citizen_id": "0561850001234", "date_of_birth": "1985-04-01",
    })
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["field"] == "citizen_id"
    assert body["custom_form_error"] == "Số CCCD: phải có đúng 12 chữ số, số này có 13 chữ số"
    assert run(Person.count().run()) == before


@pytest.fixture()
def two_provinces():
    """A class, session, person and enrolment in Khánh Hòa and in Thái Nguyên."""
    from training.auth.access import SYSTEM
    from training.classes.tables import ClassSession
    from training.records.rows import create_row

    out = {}
    for code in (KHANH_HOA, THAI_NGUYEN):
        cls = make_class(code)
        session = run(create_row(ClassSession, {
            "training_class": cls["id"], "session_date": dt.date(2026, 3, 3),
            "start_time": dt.time(8), "end_time": dt.time(11)}, SYSTEM))
        person = make_person(code, full_name=f"Người tỉnh {code}")
        enrolment = make_enrolment(cls["id"], person["id"], "confirmed")
        out[code] = {"training_class": cls, "class_session": session, "person": person, "enrolment": enrolment}
    return out


TABLES = ["training_class", "class_session", "person", "enrolment"]


@pytest.mark.parametrize("table", TABLES)
def test_department_lists_counts_and_picks_only_its_province(as_khanhhoa, two_provinces, table):
    own, other = two_provinces[KHANH_HOA][table]["id"], two_provinces[THAI_NGUYEN][table]["id"]
    rows = as_khanhhoa.get(f"/tables/{table}/?__page_size=1000").json()["rows"]
    ids = {r["id"] for r in rows}
    assert own in ids and other not in ids
    count = as_khanhhoa.get(f"/tables/{table}/count/").json()["count"]
    assert count == len(ids)
    # Filtering by id cannot reach around the scope either.
    assert as_khanhhoa.get(f"/tables/{table}/?id={other}").json()["rows"] == []
    assert as_khanhhoa.get(f"/tables/{table}/count/?id={other}").json()["count"] == 0
    picker = as_khanhhoa.get(f"/tables/{table}/ids/").json()
    assert str(own) in picker and str(other) not in picker
    searched = as_khanhhoa.get(f"/tables/{table}/ids/?search=&limit=6&offset=0").json()
    assert str(other) not in searched


@pytest.mark.parametrize("table", TABLES)
def test_department_cannot_read_change_or_delete_another_province(as_khanhhoa, two_provinces, table):
    from training.records.tables import AuditLog

    other = two_provinces[THAI_NGUYEN][table]["id"]
    audits = run(AuditLog.count().run())
    assert as_khanhhoa.get(f"/tables/{table}/{other}/").status_code == 404
    assert as_khanhhoa.patch(f"/tables/{table}/{other}/", {"note": "x"} if table == "attendance"
                             else {"id": other}).status_code == 404
    assert as_khanhhoa.put(f"/tables/{table}/{other}/", {}).status_code == 404
    assert as_khanhhoa.delete(f"/tables/{table}/{other}/").status_code == 404
    assert run(AuditLog.count().run()) == audits


def test_department_cannot_create_rows_for_another_province(as_khanhhoa, two_provinces):
    from training.classes.tables import Enrolment, TrainingClass
    from training.people.tables import Person

    people, classes, enrolments = (run(t.count().run()) for t in (Person, TrainingClass, Enrolment))
    response = as_khanhhoa.post("/tables/person/", {
        "full_name": "Người tỉnh khác", "sex": "male", "staff_category": "worker",
        "province": province_id(THAI_NGUYEN)})
    assert response.status_code == 403
    assert "tỉnh mình" in response.json()["error"]["message"]
    # Own province, but enrolled into another province's class, or a class of another province's course host.
    response = as_khanhhoa.post("/tables/enrolment/", {
        "training_class": two_provinces[THAI_NGUYEN]["training_class"]["id"],
        "person": two_provinces[KHANH_HOA]["person"]["id"], "status": "registered"})
    assert response.status_code == 404  # as for a class that does not exist (no enumeration, issue 10)
    assert response.json()["error"]["field"] == "training_class"
    response = as_khanhhoa.post("/tables/enrolment/", {
        "training_class": two_provinces[KHANH_HOA]["training_class"]["id"],
        "person": two_provinces[THAI_NGUYEN]["person"]["id"], "status": "registered"})
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "person"
    assert (run(Person.count().run()), run(TrainingClass.count().run()), run(Enrolment.count().run())) == (
        people, classes, enrolments)


def test_department_cannot_move_its_row_to_another_province(as_khanhhoa, two_provinces):
    from training.people.tables import Person

    own = two_provinces[KHANH_HOA]["person"]
    response = as_khanhhoa.patch(f"/tables/person/{own['id']}/", {"province": province_id(THAI_NGUYEN)})
    assert response.status_code == 403
    stored = run(Person.select(Person.province).where(Person.id == own["id"]).first().run())
    assert stored["province"] == province_id(KHANH_HOA)


def test_department_edits_its_own_rows_and_the_change_is_audited(as_khanhhoa, two_provinces):
    from training.people.tables import Person
    from training.records.tables import AuditLog

    own = two_provinces[KHANH_HOA]["person"]
    response = as_khanhhoa.patch(f"/tables/person/{own['id']}/", {"phone": "0912345678"})
    assert response.status_code == 200, response.text
    assert run(Person.select(Person.phone).where(Person.id == own["id"]).first().run())["phone"] == "0912345678"
    last = run(AuditLog.select().order_by(AuditLog.id, ascending=False).first().run())
    assert (last["username"], last["action"], last["table_name"], last["row_id"]) == (
        "dept.khanhhoa", "update", "person", own["id"])
    created = as_khanhhoa.post("/tables/person/", {
        "full_name": "Võ Thị Hạnh", "sex": "female", "staff_category": "collaborator",
        "province": province_id(KHANH_HOA)})
    assert created.status_code == 201, created.text


def test_department_reads_reference_tables_but_not_system_tables(as_khanhhoa):
    assert as_khanhhoa.get("/tables/province/count/").json()["count"] == 34
    assert as_khanhhoa.post("/tables/course/", {"code": "X", "name_vi": "X", "level": "refresher",
                                                 "certificate_kind": "attestation"}).status_code == 403
    for table in ("audit_log", "account", "piccolo_user", "sessions", "api_token"):
        assert as_khanhhoa.get(f"/tables/{table}/").status_code == 403, table
        assert as_khanhhoa.get(f"/tables/{table}/count/").status_code == 403, table
        assert as_khanhhoa.get(f"/tables/{table}/ids/").status_code == 403, table


def test_learner_accounts_cannot_sign_in_to_the_admin(client):
    from training.auth.accounts import create_account

    person = make_person(full_name="Học Viên Thử")
    run(create_account("learner.test", "learner", "Test@12345", person_id=person["id"]))
    response = admin_login(client, "learner.test")
    assert response.status_code == 403 and "/login" in response.json()["error"]["message"]
    assert client.get("/admin/api/tables/").status_code == 401  # no session was left behind


def test_bulk_delete_is_disabled(as_coordinator):
    assert as_coordinator.delete("/tables/person/?province=1").status_code == 405


def test_session_of_one_department_never_sees_the_other(client, two_provinces):
    tn = AdminSession(client, "dept.thainguyen")
    rows = tn.get("/tables/person/?__page_size=1000").json()["rows"]
    assert all(r["province"] == province_id(THAI_NGUYEN) for r in rows)
    assert rows


def test_coordinator_creates_a_user_in_the_admin_and_it_is_audited(as_coordinator):
    from training.records.tables import AuditLog

    response = as_coordinator.post("/tables/piccolo_user/", {
        "username": "new.user", "password": "Secret@12345", "email": "new.user@example.org",
        "active": True, "admin": False, "superuser": False, "first_name": "", "last_name": ""})
    assert response.status_code == 201, response.text
    last = run(AuditLog.select().order_by(AuditLog.id, ascending=False).first().run())
    assert (last["table_name"], last["action"], last["username"]) == ("piccolo_user", "create", "coord")
    assert "Secret@12345" not in str(last)


def test_admin_session_form_refuses_a_double_booked_venue(as_coordinator):
    from training.classes.tables import ClassSession

    a = make_class(KHANH_HOA, start_date=dt.date(2026, 10, 5), end_date=dt.date(2026, 10, 9), venue="Hội trường B")
    b = make_class(KHANH_HOA, start_date=dt.date(2026, 10, 5), end_date=dt.date(2026, 10, 9))
    first = as_coordinator.post("/tables/class_session/", {
        "training_class": a["id"], "session_date": "2026-10-06", "start_time": "08:00:00", "end_time": "11:00:00"})
    assert first.status_code == 201, first.text
    before = run(ClassSession.count().run())
    clash = as_coordinator.post("/tables/class_session/", {
        "training_class": b["id"], "session_date": "2026-10-06", "start_time": "09:00:00", "end_time": "10:00:00",
        "venue": "Hội trường B"})
    assert clash.status_code == 422
    assert a["code"] in clash.json()["custom_form_error"]
    assert run(ClassSession.count().run()) == before


def test_admin_enrolment_form_follows_capacity_and_withdrawal_promotes(as_coordinator):
    from training.classes.tables import Enrolment

    cls = make_class(KHANH_HOA, status="open", capacity=1)
    a, b = make_person(KHANH_HOA), make_person(KHANH_HOA)
    first = as_coordinator.post("/tables/enrolment/", {"training_class": cls["id"], "person": a["id"],
                                                       "status": "completed"})
    second = as_coordinator.post("/tables/enrolment/", {"training_class": cls["id"], "person": b["id"],
                                                        "status": "confirmed"})
    assert first.status_code == 201 and second.status_code == 201
    statuses = {r["person"]: r["status"] for r in run(Enrolment.select().where(
        Enrolment.training_class == cls["id"]).run())}
    assert statuses == {a["id"]: "confirmed", b["id"]: "waitlisted"}
    withdrawn = as_coordinator.patch(f"/tables/enrolment/{first.json()[0]['id']}/", {"status": "withdrawn"})
    assert withdrawn.status_code == 200, withdrawn.text
    statuses = {r["person"]: r["status"] for r in run(Enrolment.select().where(
        Enrolment.training_class == cls["id"]).run())}
    assert statuses == {a["id"]: "withdrawn", b["id"]: "confirmed"}


def test_admin_forms_schedule_close_and_reopen(as_coordinator):
    from training.auth.access import SYSTEM
    from training.classes.closing import close_class
    from training.classes.tables import ClassSession, TrainingClass

    forms = as_coordinator.get("/forms/").json()
    names = [f["name"] for f in forms]
    assert "Xếp lịch buổi học theo mẫu" in names
    slugs = {f["name"]: f["slug"] for f in forms}
    cls = make_class(KHANH_HOA, start_date=dt.date(2026, 11, 2), end_date=dt.date(2026, 11, 30))
    response = as_coordinator.post(f"/forms/{slugs['Xếp lịch buổi học theo mẫu']}/", {
        "class_code": cls["code"], "start_date": "2026-11-02", "count": 3, "weekdays": "2,4,6",
        "start_time": "08:00", "end_time": "11:30", "topic": "Nhập môn", "venue": ""})
    assert response.status_code == 200, response.text
    assert response.json()["custom_form_success"] == "Đã xếp 3 buổi học, từ 02/11/2026 đến 06/11/2026."
    assert run(ClassSession.count().where(ClassSession.training_class == cls["id"]).run()) == 3
    bad = as_coordinator.post(f"/forms/{slugs['Xếp lịch buổi học theo mẫu']}/", {
        "class_code": cls["code"], "start_date": "2026-11-25", "count": 10, "weekdays": "2",
        "start_time": "08:00", "end_time": "11:30", "topic": "", "venue": ""})
    assert bad.status_code == 422 and "nằm ngoài thời gian của lớp" in bad.json()["custom_form_error"]
    # closing is not an admin form: the class's closing page shows the decision first (ADR 0032)
    assert not any("Kết thúc lớp" in name for name in names)
    run(close_class(cls["id"], SYSTEM))
    assert run(TrainingClass.select(TrainingClass.status).where(TrainingClass.id == cls["id"]).first().run()) == {
        "status": "closed"}
    reopened = as_coordinator.post(f"/forms/{slugs['Mở lại lớp đã kết thúc']}/", {"class_code": cls["code"]})
    assert reopened.status_code == 200


def test_department_rows_default_to_its_province(as_khanhhoa):
    from training.people.tables import Person

    created = as_khanhhoa.post("/tables/person/", {"full_name": "Đinh Thị Yến", "sex": "female",
                                                    "staff_category": "collaborator", "province": None})
    assert created.status_code == 201, created.text
    row = run(Person.select(Person.province).where(Person.id == created.json()[0]["id"]).first().run())
    assert row["province"] == province_id(KHANH_HOA)


def test_admin_attendance_rows_follow_the_attendance_rules(as_coordinator):
    from training.auth.access import SYSTEM
    from training.classes.tables import Attendance, ClassSession
    from training.records.rows import create_row

    today = dt.date.today()
    cls = make_class(KHANH_HOA, start_date=today - dt.timedelta(days=3), end_date=today + dt.timedelta(days=3))
    past, future = (run(create_row(ClassSession, {"training_class": cls["id"], "session_date": day,
                                                  "start_time": dt.time(8), "end_time": dt.time(9)}, SYSTEM))
                    for day in (today - dt.timedelta(days=1), today + dt.timedelta(days=1)))
    active = make_enrolment(cls["id"], make_person()["id"], "confirmed")
    gone = make_enrolment(cls["id"], make_person()["id"], "withdrawn")
    before = run(Attendance.count().run())
    future_mark = as_coordinator.post("/tables/attendance/", {"session": future["id"], "enrolment": active["id"],
                                                              "status": "present", "note": ""})
    assert future_mark.status_code == 422 and "chưa diễn ra" in future_mark.json()["custom_form_error"]
    withdrawn = as_coordinator.post("/tables/attendance/", {"session": past["id"], "enrolment": gone["id"],
                                                            "status": "present", "note": ""})
    assert withdrawn.status_code == 422
    assert run(Attendance.count().run()) == before
    ok = as_coordinator.post("/tables/attendance/", {"session": past["id"], "enrolment": active["id"],
                                                     "status": "late", "note": ""})
    assert ok.status_code == 201, ok.text


def test_admin_form_downloads_the_results_workbook(as_coordinator):
    import io

    from openpyxl import load_workbook

    slugs = {f["name"]: f["slug"] for f in as_coordinator.get("/forms/").json()}
    cls = make_class(KHANH_HOA)
    response = as_coordinator.post(f"/forms/{slugs['Tải kết quả lớp (XLSX)']}/", {"class_code": cls["code"]})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="ket-qua-{cls["code"]}.xlsx"'
    text = " ".join(str(c.value) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()
                    for c in row if c.value)
    assert cls["code"] in text and "Họ và tên" in text
