"""Personal data (issue 10, item 6; Decree 13/2023/NĐ-CP and Law 91/2025/QH15): the audit log masks birth
date, phone and e-mail; reads and exports of personal data are logged and visible to coordinators only; a
person's data export holds everything about them and nothing about anyone else; erasure removes every
personal value from the whole database, or is refused (409, nothing changed) for a certificate holder."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from factories import IS_POSTGRES, PASSWORD, make_enrolment, make_person, run, token_for, unique
from factories.certificates import certificates_of, closed_class, issue

from training.notifications.outbox import enqueue
from training.notifications.tables import LearnerPreference

DOB = dt.date(1983, 7, 19)


def _cccd(serial: int, born: dt.date = DOB) -> str:
    from training.records.validation import cccd_for

    return cccd_for(born, "female", "56", serial)


def _subject(**values) -> dict:
    """A person with every kind of personal value, each unique to this test."""
    n = int(unique("")) % 1_000_000
    return {"full_name": f"Hoàng Thị Riêng Tư {unique('')}", "sex": "female", "date_of_birth": DOB,
            "citizen_id": _cccd(500000 + n), "phone": f"0912{n:06d}", "email": f"rieng.tu.{n}@example.vn",
            **values}


def _texts(row: dict) -> str:
    return json.dumps([row["before"], row["after"]], ensure_ascii=False, default=str)


def _audit_rows(person_id: int) -> list[dict]:
    from training.records.tables import AuditLog

    return run(AuditLog.select().where((AuditLog.table_name == "person") & (AuditLog.row_id == person_id))
               .order_by(AuditLog.id).run())


def _access(person_id: int | None = None, export: str | None = None) -> list[dict]:
    from training.people.tables import PersonalDataAccess

    query = PersonalDataAccess.select().order_by(PersonalDataAccess.id)
    if person_id is not None:
        query = query.where(PersonalDataAccess.person == person_id)
    if export is not None:
        query = query.where(PersonalDataAccess.export == export)
    return run(query.run())


def _dump() -> dict[str, list[str]]:
    """Every row of every table of the database, as text."""
    from training.people.tables import Person

    if IS_POSTGRES:
        names = [r["tablename"] for r in run(Person.raw(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename").run())]
    else:
        names = [r["name"] for r in run(Person.raw(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").run())]
    return {name: sorted(str(sorted(r.items())) for r in run(Person.raw(f'SELECT * FROM "{name}"').run()))
            for name in names}


# --- a) the audit log masks birth date, phone and e-mail ------------------------------------------------

def test_audit_entries_hold_no_plain_birth_date_phone_or_email():
    from training.auth.access import SYSTEM
    from training.people.tables import Person
    from training.records.rows import update_row

    values = _subject()
    person = make_person(**values)
    new = {"date_of_birth": dt.date(1984, 2, 3), "phone": "0987654321", "email": "moi.doi@example.vn",
           "citizen_id": _cccd(777001, dt.date(1984, 2, 3))}
    run(update_row(Person, person["id"], new, SYSTEM))
    rows = _audit_rows(person["id"])
    assert [r["action"] for r in rows] == ["create", "update"]
    text = "".join(_texts(r) for r in rows)
    for value in (values["phone"], values["email"], values["citizen_id"], "1983-07-19", "0987654321",
                  "moi.doi@example.vn", new["citizen_id"], "1984-02-03"):
        assert value not in text
    after = json.loads(rows[1]["after"])
    # what is left says that the values changed, without saying what they are
    assert after["date_of_birth"] == "1984-**-**"
    assert after["phone"] == "*******321" and after["email"] == "m***@example.vn"
    assert after["citizen_id"].endswith(new["citizen_id"][-3:]) and after["full_name"] == values["full_name"]


# --- b) the access log ----------------------------------------------------------------------------------

def test_reading_a_person_in_the_admin_is_logged_and_only_coordinators_see_the_log(client, as_khanhhoa, coord):
    person = make_person(**_subject())
    assert _access(person["id"]) == []
    response = as_khanhhoa.get(f"/tables/person/{person['id']}/")
    assert response.status_code == 200, response.text
    [entry] = _access(person["id"])
    assert (entry["username"], entry["role"], entry["action"]) == ("dept.khanhhoa", "department", "view")
    assert entry["route"] == f"GET /admin/api/tables/person/{person['id']}/"
    # another province's department reading it gets 404 and writes no entry
    other = make_person("19", **_subject())
    assert as_khanhhoa.get(f"/tables/person/{other['id']}/").status_code == 404
    assert _access(other["id"]) == []

    seen = client.get(f"/api/personal-data-access?person_id={person['id']}", headers=coord)
    assert seen.status_code == 200, seen.text
    assert [(e["username"], e["action"]) for e in seen.json()] == [("dept.khanhhoa", "view")]
    # departments see no entry at all: not through the API, not through the admin
    for username in ("dept.khanhhoa", "dept.thainguyen"):
        refused = client.get(f"/api/personal-data-access?person_id={person['id']}", headers=token_for(username))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden_table"
    assert as_khanhhoa.get("/tables/personal_data_access/").status_code == 403


def test_the_access_log_is_append_only(as_coordinator):
    from training.people.tables import PersonalDataAccess

    person = make_person(**_subject())
    assert as_coordinator.get(f"/tables/person/{person['id']}/").status_code == 200
    [entry] = _access(person["id"])
    path = f"/tables/personal_data_access/{entry['id']}/"
    for response in (as_coordinator.patch(path, {"username": "someone"}), as_coordinator.delete(path)):
        assert response.status_code == 405 and response.json()["error"]["code"] == "append_only"
    for sql in ("UPDATE personal_data_access SET username = 'x' WHERE id = {}",
                "DELETE FROM personal_data_access WHERE id = {}"):
        with pytest.raises(Exception, match="append-only"):
            run(PersonalDataAccess.raw(sql, entry["id"]).run())
    assert _access(person["id"]) == [entry]


def test_exports_with_personal_columns_are_logged(client, coord, khanhhoa):
    cls = closed_class([f"Lý Văn Xuất {unique('')}", f"Lý Thị Khẩu {unique('')}"])
    response = client.get(f"/api/classes/{cls['id']}/results.xlsx", headers=khanhhoa)
    assert response.status_code == 200, response.text
    [entry] = _access(export=f"class-results:{cls['id']}")
    assert (entry["username"], entry["action"], entry["person_count"], entry["person"]) == (
        "dept.khanhhoa", "export", 2, None)
    assert entry["route"] == f"GET /api/classes/{cls['id']}/results.xlsx"

    issue(cls)
    year = certificates_of(cls)[0]["register_year"]
    response = client.get(f"/api/certificates/register?organisation={cls['issuer']}&year={year}", headers=coord)
    assert response.status_code == 200, response.text
    [entry] = _access(export=f"certificate-register:{cls['issuer']}:{year}")
    assert (entry["username"], entry["action"], entry["person_count"]) == ("coord", "export", 2)
    response = client.get(f"/api/classes/{cls['id']}/certificates/export?format=zip", headers=coord)
    assert response.status_code == 200
    assert len(_access(export=f"class-certificates-zip:{cls['id']}")) == 1
    # a department of another province sees none of it
    listing = client.get("/api/personal-data-access", headers=token_for("dept.thainguyen"))
    assert listing.status_code == 403
    exports = {e["export"] for e in client.get("/api/personal-data-access", headers=coord).json()}
    assert {f"class-results:{cls['id']}", f"certificate-register:{cls['issuer']}:{year}"} <= exports


# --- c) the data subject's copy -------------------------------------------------------------------------

def _learner_client(client, person_id: int) -> str:
    from training.auth.accounts import create_account

    username = unique("hocvien")
    run(create_account(username, "learner", PASSWORD, person_id=person_id))
    client.get("/login")  # the form's CSRF cookie
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)
    assert response.status_code == 303
    return username


def _xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))
    return "\n".join(" ".join(str(c) for c in row if c is not None)
                     for sheet in book.worksheets for row in sheet.iter_rows(values_only=True))


def test_the_data_export_holds_the_persons_records_and_nothing_about_anyone_else(client, coord, tmp_path):
    from training.cli.main import main

    cls = closed_class([f"Đặng Thị Yêu Cầu {unique('')}", f"Đặng Văn Người Khác {unique('')}"],
                       phone="0912000111")
    issue(cls)
    me, other = cls["people"]
    run(enqueue("enrolment_confirmed", me["id"], {"class_code": cls["code"]}, key=f"export-test:{me['id']}"))
    mine, theirs = certificates_of(cls)
    if mine["holder_name"] != me["full_name"]:
        mine, theirs = theirs, mine

    response = client.get(f"/api/people/{me['id']}/data-export", headers=coord)
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["person"]["full_name"] == me["full_name"] and data["person"]["phone"] == "0912000111"
    assert [e["class_code"] for e in data["enrolments"]] == [cls["code"]]
    assert ("enrolment_confirmed", "sms", "0912000111") in [
        (n["kind"], n["channel"], n["address"]) for n in data["notifications"]]
    assert [c["number"] for c in data["certificates"]] == [mine["number"]]
    assert [a["action"] for a in data["audit_log"] if a["table_name"] == "person"] == ["create"]
    assert data["access_log"][-1]["action"] == "data-export"
    text = response.text
    assert other["full_name"] not in text and theirs["number"] not in text

    response = client.get(f"/api/people/{me['id']}/data-export?format=xlsx", headers=token_for("dept.khanhhoa"))
    assert response.status_code == 200, response.text
    sheet = _xlsx_text(response.content)
    assert me["full_name"] in sheet and cls["code"] in sheet and mine["number"] in sheet
    assert other["full_name"] not in sheet and theirs["number"] not in sheet
    # another province's department: 404, as for a person that does not exist
    refused = client.get(f"/api/people/{me['id']}/data-export", headers=token_for("dept.thainguyen"))
    assert refused.status_code == 404
    # the learner herself, and the command line
    _learner_client(client, me["id"])
    own = client.get("/api/me/data-export")
    assert own.status_code == 200 and own.json()["person"]["id"] == me["id"]
    assert client.get(f"/api/people/{other['id']}/data-export").status_code == 404
    out = tmp_path / "export.xlsx"
    assert main(["people", "export-data", str(me["id"]), "--format", "xlsx", "--out", str(out)]) == 0
    assert mine["number"] in _xlsx_text(out.read_bytes())
    entries = [(e["username"], e["action"]) for e in _access(me["id"])]
    assert entries == [("coord", "data-export"), ("dept.khanhhoa", "data-export"),
                       (entries[2][0], "data-export"), ("system", "data-export")]
    assert _access(other["id"]) == []


# --- d) erasure -----------------------------------------------------------------------------------------

def _personal_values(person: dict) -> list[str]:
    return [person["full_name"], person["citizen_id"], person["phone"], person["email"], "1983-07-19"]


def test_erasure_removes_every_personal_value_from_the_whole_database(client, coord):
    from training.auth.access import SYSTEM
    from training.classes.tables import Attendance, ClassSession
    from training.coverage.tables import CompletionFact
    from training.people.tables import Person
    from training.records.rows import update_row

    cls = closed_class([], province_code="56")
    person = make_person(**_subject())
    run(update_row(Person, person["id"], {"phone": "0900111222"}, SYSTEM))
    values = _personal_values(person) + ["0900111222"]
    enrolment = make_enrolment(cls["id"], person["id"], status="completed", score=8.0)
    # messages to her (their addresses) and her choices are personal data too
    assert len(run(enqueue("enrolment_confirmed", person["id"], {"class_code": cls["code"]},
                           key=f"erasure-test:{person['id']}"))) == 2
    run(LearnerPreference(person=person["id"], language="en").save().run())
    session = ClassSession(training_class=cls["id"], session_date=dt.date(2026, 1, 12),
                           start_time=dt.time(8), end_time=dt.time(11))
    run(session.save().run())
    run(Attendance.insert(Attendance(session=session.id, enrolment=enrolment["id"], status="present",
                                     note=f"gọi {person['phone']}")).run())
    username = _learner_client(client, person["id"])
    values.append(username)
    mistyped = client.post("/login", data={"username": username, "password": "sai mật khẩu",
                                           "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)
    assert mistyped.status_code == 401  # a failed sign-in is kept for the lock-out window, with the username
    assert client.get(f"/api/people/{person['id']}/data-export", headers=coord).status_code == 200
    assert run(CompletionFact.count().where(CompletionFact.person == person["id"]).run()) == 1

    response = client.post(f"/api/people/{person['id']}/erase", json={"reason": "Yêu cầu ngày 01/12/2026"},
                           headers=coord)
    assert response.status_code == 200, response.text
    assert response.json() == {"person": person["id"], "result": "anonymised"}
    dump = json.dumps(_dump(), ensure_ascii=False)
    for value in values:
        assert value not in dump, value
    row = run(Person.select().where(Person.id == person["id"]).first().run())
    assert row["full_name"] == "(đã ẩn danh)" and row["citizen_id"] is None and row["email"] is None
    # the learner can no longer sign in; the counts keep the completed training
    assert client.get("/api/me/data-export").status_code == 401
    assert run(CompletionFact.count().where(CompletionFact.person == person["id"]).run()) == 1
    assert client.get("/api/counts", headers=coord).status_code == 200
    # recorded, without the erased data
    rows = _audit_rows(person["id"])
    assert rows[-1]["action"] == "erase" and all(r["redacted_at"] for r in rows[:-1])
    assert [e["action"] for e in _access(person["id"])][-1] == "erase"


def test_a_person_nothing_refers_to_is_deleted_from_the_command_line():
    from training.cli.main import main
    from training.people.tables import Person

    person = make_person(**_subject())
    assert main(["people", "erase", str(person["id"]), "--reason", "Yêu cầu xóa"]) == 0
    assert not run(Person.exists().where(Person.id == person["id"]).run())
    dump = json.dumps(_dump(), ensure_ascii=False)
    for value in _personal_values(person):
        assert value not in dump, value
    assert [r["action"] for r in _audit_rows(person["id"])] == ["create", "erase"]


def test_erasure_of_a_certificate_holder_is_refused_and_changes_nothing(client, coord, khanhhoa):
    cls = closed_class([f"Vũ Thị Có Bằng {unique('')}"])
    issue(cls)
    [person] = cls["people"]
    [certificate] = certificates_of(cls)
    before = _dump()
    response = client.post(f"/api/people/{person['id']}/erase", json={"reason": "Yêu cầu"}, headers=coord)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "certificate_kept"
    assert certificate["number"] in error["message"] and "lưu giữ" in error["message"]
    assert _dump() == before
    # departments may not erase at all
    response = client.post(f"/api/people/{person['id']}/erase", json={"reason": "Yêu cầu"}, headers=khanhhoa)
    assert response.status_code == 403
    assert _dump() == before


def test_the_audit_triggers_let_through_only_an_erasure_of_the_content():
    from training.records.tables import AuditLog

    person = make_person(**_subject())
    [row] = _audit_rows(person["id"])
    for sql, args in (("UPDATE audit_log SET redacted_at = created_at, after = {} WHERE id = {}", ['{"x": 1}']),
                      ("UPDATE audit_log SET redacted_at = created_at, before = NULL, after = NULL, action = 'x' "
                       "WHERE id = {}", [])):
        with pytest.raises(Exception, match="append-only"):  # rewriting an entry, or more than its content
            run(AuditLog.raw(sql, *args, row["id"]).run())
    run(AuditLog.raw("UPDATE audit_log SET redacted_at = created_at, before = NULL, after = NULL WHERE id = {}",
                     row["id"]).run())
    with pytest.raises(Exception, match="append-only"):  # once only
        run(AuditLog.raw("UPDATE audit_log SET redacted_at = created_at WHERE id = {}", row["id"]).run())


def test_erase_needs_a_reason():
    from training.auth.access import SYSTEM
    from training.core.errors import DomainError
    from training.people.privacy import erase_person

    person = make_person(**_subject())
    with pytest.raises(DomainError) as caught:
        run(erase_person(person["id"], "  ", SYSTEM))
    assert caught.value.code == "reason_required"
    assert [r["action"] for r in _audit_rows(person["id"])] == ["create"]


def test_an_erasure_waits_for_a_certificate_being_issued_and_then_refuses():
    """Decided under the class lock that issuing takes: an erasure that starts while a certificate of the
    person's class is being issued waits for it (the two overlap), then sees it and refuses."""
    import asyncio
    import threading
    import time

    from certificates.tables import Certificate
    from training.auth.access import SYSTEM
    from training.classes.tables import Enrolment, TrainingClass
    from training.core.db import lock_row, write_transaction
    from training.core.errors import DomainError
    from training.people.privacy import erase_person
    from training.people.tables import Person

    cls = closed_class([f"Mai Thị Đang Cấp {unique('')}"])
    [person] = cls["people"]
    enrolment = run(Enrolment.select(Enrolment.id).where(Enrolment.person == person["id"]).first().run())
    template = closed_class([f"Mai Văn Mẫu {unique('')}"])
    issue(template)
    [copy] = certificates_of(template)
    copy = {k: v for k, v in copy.items() if k != "id"}
    copy.update(enrolment=enrolment["id"], number=unique("TEST-"), register_number=copy["register_number"] + 90000)
    locked, go = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    async def issuing() -> None:
        async with write_transaction():
            await lock_row(TrainingClass, cls["id"])
            locked.set()
            await asyncio.to_thread(go.wait, 20)
            await Certificate.insert(Certificate(**copy)).run()

    def erasing() -> None:
        try:
            outcome["result"] = asyncio.run(erase_person(person["id"], "Yêu cầu", SYSTEM))
        except DomainError as exc:
            outcome["error"] = exc

    issuer = threading.Thread(target=lambda: asyncio.run(issuing()))
    issuer.start()
    assert locked.wait(20)
    eraser = threading.Thread(target=erasing)
    eraser.start()
    time.sleep(1.5)
    waited = eraser.is_alive()  # still inside erase_person while the issuance holds the class
    go.set()
    issuer.join(30)
    eraser.join(30)
    assert waited, outcome
    assert isinstance(outcome.get("error"), DomainError) and outcome["error"].code == "certificate_kept"
    row = run(Person.select().where(Person.id == person["id"]).first().run())
    assert row["full_name"] == person["full_name"]
