"""Roster import (XLSX and CSV): dry run, commit all or nothing, every bad input named by row and column."""

import datetime as dt
import io
import os
import subprocess
import sys
import unicodedata

import openpyxl
import pytest
from factories import ROOT, legacy_province_id, make_class, make_person, province_id, run, unique
from factories.roster import XLSX, cccd, csv_bytes, learner, name, upload, xlsx

from training.auth.access import SYSTEM


def counts():
    """What an import could change: people, enrolments, organisations, audit entries."""
    from training.classes.tables import Enrolment
    from training.people.tables import Organisation, Person
    from training.records.tables import AuditLog

    return (run(Person.count().run()), run(Enrolment.count().run()), run(Organisation.count().run()),
            run(AuditLog.count().run()))


def person_by_cccd(value):
    from training.people.tables import Person

    return run(Person.select().where(Person.citizen_id == value).first().run())


def enrolment_status(class_id, person_id):
    from training.classes.tables import Enrolment

    row = run(Enrolment.select(Enrolment.status).where(
        (Enrolment.training_class == class_id) & (Enrolment.person == person_id)).first().run())
    return row and row["status"]


# --- the good path ---------------------------------------------------------------------------

def test_dry_run_then_commit_creates_people_and_fills_seats_in_file_order(client, coord):
    cls = make_class(status="open", capacity=2)
    org = unique("UBND xã Cam Hải ")
    rows = [
        learner(org=org, province="Ninh Thuận", phone="0912345678", email="Hoc.Vien@Example.VN"),
        learner(dob=dt.date(1979, 12, 1), sex="Nam", category="Viên chức", province="Tỉnh Khánh Hòa", org=org),
        learner(dob=dt.date(1995, 2, 28), category="cong tac vien"),  # no province: the class's
    ]
    rows[0][0] = "=ROW()-1"  # a formula in a column the import ignores (STT) is fine
    content = xlsx(rows)
    before = counts()

    dry = upload(client, coord, cls["id"], "danh-sach.xlsx", content)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["total"], body["new"], body["error"], body["committed"]) == (3, 3, 0, False)
    assert [r["row"] for r in body["rows"]] == [2, 3, 4]
    assert [r["enrolment_status"] for r in body["rows"]] == ["confirmed", "confirmed", "waitlisted"]
    assert body["rows"][2]["enrolment_label"] == "Danh sách chờ"
    assert body["rows"][0]["status_label"] == "người mới"
    new_org = body["rows"][0]["messages"][0]
    assert new_org["code"] == "organisation_new" and "chưa có trong hệ thống" in new_org["message"]
    assert counts() == before, "a dry run saves nothing"

    done = upload(client, coord, cls["id"], "danh-sach.xlsx", content, dry_run=False)
    assert done.status_code == 201, done.text
    assert done.json()["committed"] is True
    first, second, third = (person_by_cccd(r[4]) for r in rows)
    assert first["full_name"] == rows[0][1] and first["date_of_birth"] == dt.date(1988, 5, 17)
    assert first["sex"] == "female" and first["staff_category"] == "collaborator"
    assert first["email"] == "hoc.vien@example.vn" and first["phone"] == "0912345678"
    # "Ninh Thuận" is a province before 2025: counted under Khánh Hòa, the old name kept.
    assert first["province"] == province_id("56") and first["legacy_province"] == legacy_province_id("58")
    assert second["province"] == province_id("56") and second["legacy_province"] is None
    assert second["staff_category"] == "public_employee" and second["sex"] == "male"
    assert third["province"] == cls["host_province"]
    assert first["organisation"] == second["organisation"] is not None  # one new organisation, created once
    assert [enrolment_status(cls["id"], p["id"]) for p in (first, second, third)] == \
        ["confirmed", "confirmed", "waitlisted"]
    people, enrolments, organisations, audits = counts()
    assert (people, enrolments, organisations) == (before[0] + 3, before[1] + 3, before[2] + 1)
    assert audits >= before[3] + 7  # 3 people, 3 enrolments, the organisation, the import itself

    again = upload(client, coord, cls["id"], "danh-sach.xlsx", content)
    assert [r["status"] for r in again.json()["rows"]] == ["skipped"] * 3  # issue 12: skipped, not an error
    assert "đã có trong lớp" in again.json()["rows"][0]["messages"][0]["message"]


def test_csv_with_bom_and_semicolons_restores_the_cccd_zero_and_composes_names(client, coord):
    from training.people.tables import Person

    cls = make_class(status="open", capacity=30)
    composed = name("Trần", "Thị")
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    full = cccd(dt.date(1990, 1, 2))
    rows = [learner(full_name=decomposed, dob=dt.date(1990, 1, 2), citizen_id=full[1:]),  # Excel lost the 0
            learner(dob=dt.date(1991, 7, 4), dob_text="1991-07-04"),
            learner(dob=dt.date(1992, 7, 4), dob_text="4/7/1992", sex="nam")]
    content = csv_bytes(rows)
    assert content.startswith(b"\xef\xbb\xbf") and b";" in content

    dry = upload(client, coord, cls["id"], "ds.csv", content, mime="text/csv")
    assert dry.status_code == 200, dry.text
    row = dry.json()["rows"][0]
    assert row["status"] == "new" and row["full_name"] == composed
    warning = row["messages"][0]
    assert warning["level"] == "warning" and warning["code"] == "cccd_zero_restored"
    assert warning["text"].startswith("Dòng 2, cột E (Số CCCD): Excel đã làm mất số 0 ở đầu số CCCD")
    assert dry.json()["warnings"] == 1 and dry.json()["error"] == 0

    done = upload(client, coord, cls["id"], "ds.csv", content, dry_run=False, mime="text/csv")
    assert done.status_code == 201, done.text
    stored = person_by_cccd(full)
    assert stored is not None and stored["citizen_id"].startswith("0") and len(stored["citizen_id"]) == 12
    assert stored["full_name"] == composed and unicodedata.is_normalized("NFC", stored["full_name"])
    assert run(Person.count().where(Person.full_name == decomposed).run()) == 0
    assert person_by_cccd(rows[1][4])["date_of_birth"] == dt.date(1991, 7, 4)
    assert person_by_cccd(rows[2][4])["date_of_birth"] == dt.date(1992, 7, 4)


def test_excel_number_and_date_cells_and_tolerant_headers(client, coord):
    cls = make_class(status="open")
    dob = dt.date(1986, 3, 9)
    number = cccd(dob, "male")
    header = ["  HỌ  VÀ TÊN (*) ", "ngay sinh", "Gioi tinh", "CCCD", "Cơ quan", "loại cán bộ", "Tinh/TP"]
    rows = [["x", name("Lê", "Văn"), dt.datetime(1986, 3, 9), "Nam", int(number), "", "Công chức", "TP. Hà Nội"],
            ["x", name("Lê", "Văn"), 33000, "Nam", "", "", "Người lao động", "Bac Kan"]]  # serial: 07/05/1990
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH HỌC VIÊN LỚP BỒI DƯỠNG"])  # a title row above the header
    sheet.append(header)
    for row in rows:
        sheet.append(row[1:])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, coord, cls["id"], "ds.xlsx", buffer.getvalue(), dry_run=False)
    assert response.status_code == 201, response.text
    assert response.json()["header_row"] == 2 and [r["row"] for r in response.json()["rows"]] == [3, 4]
    stored = person_by_cccd(number)
    assert stored["date_of_birth"] == dob and stored["province"] == province_id("01")
    assert "khôi phục" in response.json()["rows"][0]["messages"][0]["message"]
    second = response.json()["rows"][1]["person_id"]
    from training.people.tables import Person

    other = run(Person.select().where(Person.id == second).first().run())
    assert other["date_of_birth"] == dt.date(1990, 5, 7)
    assert other["province"] == province_id("19") and other["legacy_province"] == legacy_province_id("06")


def test_existing_person_is_reused_and_a_possible_duplicate_is_flagged(client, coord):
    from training.people.tables import Person

    cls = make_class(status="open")
    dob = dt.date(1983, 6, 15)
    number = cccd(dob, "male")
    known = make_person(full_name=name("Phạm", "Văn"), sex="male", date_of_birth=dob, citizen_id=number)
    no_id = make_person(full_name=name("Võ", "Thị"), sex="female", date_of_birth=dt.date(1992, 9, 9))
    rows = [learner(full_name=name("Phạm", "Văn"), dob=dob, sex="Nam", citizen_id=number),
            learner(full_name=no_id["full_name"].upper(), dob=dt.date(1992, 9, 9), with_cccd=False)]
    before = run(Person.count().run())
    response = upload(client, coord, cls["id"], "ds.xlsx", xlsx(rows), dry_run=False)
    assert response.status_code == 201, response.text
    first, second = response.json()["rows"]
    assert first["status"] == "existing" and first["person_id"] == known["id"]
    assert first["messages"][0]["code"] == "name_differs" and known["full_name"] in first["messages"][0]["message"]
    assert second["status"] == "possible_duplicate" and second["person_id"] == no_id["id"]
    assert "nghi trùng" in second["messages"][0]["message"]
    assert run(Person.count().run()) == before, "nobody new was created"
    assert run(Person.select(Person.full_name).where(Person.id == known["id"]).first().run())["full_name"] == \
        known["full_name"], "an existing person is not updated"
    assert enrolment_status(cls["id"], known["id"]) == "confirmed"
    assert enrolment_status(cls["id"], no_id["id"]) == "confirmed"


# --- bad files: clear Vietnamese refusal, nothing saved ---------------------------------------

def test_missing_required_columns_are_named(client, coord):
    cls = make_class(status="open")
    header = ["STT", "Họ và tên", "Ngày sinh", "Số CCCD"]
    before = counts()
    response = upload(client, coord, cls["id"], "ds.xlsx", xlsx([[None, name(), "01/01/1990", ""]], header=header))
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "Tệp thiếu cột bắt buộc: Giới tính, Loại cán bộ" in message
    assert counts() == before


def test_header_only_file(client, coord):
    cls = make_class(status="open")
    before = counts()
    response = upload(client, coord, cls["id"], "ds.xlsx", xlsx([]), dry_run=False)
    assert response.status_code == 422
    assert "có dòng tiêu đề (dòng 1) nhưng không có học viên nào" in response.json()["error"]["message"]
    csv_only = upload(client, coord, cls["id"], "ds.csv", csv_bytes([]), dry_run=False, mime="text/csv")
    assert csv_only.status_code == 422
    assert counts() == before


def test_pdf_named_xlsx_and_other_unreadable_files(client, coord):
    cls = make_class(status="open")
    before = counts()
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
    response = upload(client, coord, cls["id"], "danh-sach.xlsx", pdf, dry_run=False)
    assert response.status_code == 400
    assert "không phải là tệp Excel (.xlsx)" in response.json()["error"]["message"]
    broken_zip = b"PK\x03\x04" + b"\x00" * 200
    response = upload(client, coord, cls["id"], "ds.xlsx", broken_zip, dry_run=False)
    assert response.status_code == 400 and "Không đọc được tệp" in response.json()["error"]["message"]
    latin = "Họ và tên;Giới tính\n".encode("cp1258", errors="replace") + b"\xe0\xe8\n"
    response = upload(client, coord, cls["id"], "ds.csv", latin, dry_run=False, mime="text/csv")
    assert response.status_code == 400 and "UTF-8" in response.json()["error"]["message"]
    old = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100
    response = upload(client, coord, cls["id"], "ds.xls", old, dry_run=False)
    assert response.status_code == 400 and "Excel 97–2003" in response.json()["error"]["message"]
    assert counts() == before


def test_files_over_10_mb_are_refused_with_413(client, coord):
    cls = make_class(status="open")
    before = counts()
    padding = b"x" * (10 * 1024 * 1024 + 500_000)
    response = upload(client, coord, cls["id"], "ds.csv", padding, dry_run=False, mime="text/csv")
    assert response.status_code == 413
    assert response.json()["error"]["message"] == "Tệp có dung lượng 10,5 MB, vượt giới hạn 10 MB."
    huge = upload(client, coord, cls["id"], "ds.xlsx", b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024), dry_run=False)
    assert huge.status_code == 413, huge.text
    assert "giới hạn 10 MB" in huge.json()["error"]["message"]
    assert counts() == before


@pytest.mark.parametrize("case", ["twice_cccd", "twice_name", "bad_date", "formula", "year_only", "bad_sex"])
def test_row_errors_name_the_row_and_column_and_commit_saves_nothing(client, coord, case):
    cls = make_class(status="open")
    good = learner()
    bad = learner()
    if case == "twice_cccd":
        bad[4] = good[4]
        expected = "Dòng 3, cột E (Số CCCD): người này đã có ở dòng 2 của tệp (trùng số CCCD)"
    elif case == "twice_name":
        good[4] = bad[4] = ""
        bad[1] = good[1].upper()
        expected = "Dòng 3, cột B (Họ và tên): người này đã có ở dòng 2 của tệp (trùng họ tên và ngày sinh)"
    elif case == "bad_date":
        bad[2], bad[4] = "31/02/2020", ""
        expected = "Dòng 3, cột C (Ngày sinh): ngày 31/02/2020 không tồn tại: tháng 2/2020 không có ngày 31"
    elif case == "formula":
        bad[1] = "=CONCATENATE(\"Nguyễn\";\" An\")"
        expected = "Dòng 3, cột B (Họ và tên): ô chứa công thức"
    elif case == "year_only":
        bad[2] = 1988
        expected = "Dòng 3, cột C (Ngày sinh): chỉ có năm sinh (1988)"
    else:
        bad[3] = "Khác"
        expected = "Dòng 3, cột D (Giới tính): \"Khác\" không phải là giới tính; hãy ghi Nam hoặc Nữ"
    content = xlsx([good, bad])
    before = counts()
    dry = upload(client, coord, cls["id"], "ds.xlsx", content)
    assert dry.status_code == 200
    rows = dry.json()["rows"]
    twice = case.startswith("twice")  # both rows of a duplicate pair are flagged (ADR 0035)
    assert rows[0]["status"] == ("error" if twice else "new") and rows[1]["status"] == "error"
    assert any(m["text"].startswith(expected) for m in rows[1]["messages"]), rows[1]["messages"]
    assert rows[1]["enrolment_status"] is None

    commit = upload(client, coord, cls["id"], "ds.xlsx", content, dry_run=False)
    assert commit.status_code == 422
    error = commit.json()["error"]
    assert error["message"].startswith("2 dòng của tệp có lỗi (các dòng 2, 3); chưa lưu gì;" if twice
                                       else "1 dòng của tệp có lỗi (các dòng 3); chưa lưu gì;")
    assert expected in error["message"]
    assert error["result"]["rows"][1]["status"] == "error"
    assert counts() == before, "all or nothing: the good row was not saved either"


def test_person_already_in_the_class_is_skipped_but_a_real_error_still_blocks(client, coord):
    from training.classes.enrolment import enrol

    cls = make_class(status="open")
    dob = dt.date(1975, 1, 30)
    number = cccd(dob)
    person = make_person(full_name=name(), sex="female", date_of_birth=dob, citizen_id=number)
    run(enrol(cls["id"], person["id"], SYSTEM))
    before = counts()
    content = xlsx([learner(dob="31/02/2020", with_cccd=False),
                    learner(full_name=person["full_name"], dob=dob, citizen_id=number)])
    commit = upload(client, coord, cls["id"], "ds.xlsx", content, dry_run=False)
    assert commit.status_code == 422
    assert commit.json()["error"]["message"].startswith("1 dòng của tệp có lỗi (các dòng 2)")
    assert f"Dòng 3: {person['full_name']} đã có trong lớp {cls['code']} (trạng thái: Đã xác nhận); bỏ qua" in \
        commit.json()["error"]["result"]["rows"][1]["messages"][0]["text"]
    assert counts() == before


def test_department_cannot_bring_people_of_another_province(client, khanhhoa):
    cls = make_class("56", status="open")
    before = counts()
    content = xlsx([learner(province="Khánh Hòa"), learner(province="Thái Nguyên"), learner(province="Bắc Kạn")])
    dry = upload(client, khanhhoa, cls["id"], "ds.xlsx", content)
    assert dry.status_code == 200, dry.text
    statuses = [r["status"] for r in dry.json()["rows"]]
    assert statuses == ["new", "error", "error"]
    text = dry.json()["rows"][1]["messages"][0]["text"]
    assert text == ("Dòng 3, cột H (Tỉnh/Thành phố): bạn chỉ được thêm người thuộc tỉnh, thành phố của mình; "
                    "Thái Nguyên là tỉnh, thành phố khác")
    commit = upload(client, khanhhoa, cls["id"], "ds.xlsx", content, dry_run=False)
    assert commit.status_code == 422
    assert counts() == before
    # Someone already on record in another province: refused, and their record is not shown.
    dob = dt.date(1984, 8, 8)
    elsewhere = make_person("19", full_name=name("Hà", "Thị"), sex="female", date_of_birth=dob,
                            citizen_id=cccd(dob))
    dry = upload(client, khanhhoa, cls["id"], "ds.xlsx",
                 xlsx([learner(full_name=name(), dob=dob, citizen_id=elsewhere["citizen_id"])]))
    row = dry.json()["rows"][0]
    assert row["status"] == "error" and row["person_id"] is None
    assert [m["message"] for m in row["messages"]] == [
        "số CCCD này không thể đăng ký từ đơn vị của bạn; hãy liên hệ cán bộ điều phối đào tạo"]
    assert elsewhere["full_name"] not in dry.text
    # A class of another province is not even visible to the department.
    other = make_class("19", status="open")
    hidden = upload(client, khanhhoa, other["id"], "ds.xlsx", xlsx([learner()]))
    assert hidden.status_code == 404


def test_class_not_open_refuses_the_import(client, coord):
    cls = make_class(status="planned")
    response = upload(client, coord, cls["id"], "ds.xlsx", xlsx([learner()]), dry_run=False)
    assert response.status_code == 409
    assert f"Lớp {cls['code']} không trong thời gian tuyển sinh" in response.json()["error"]["message"]
    missing = client.post(f"/api/classes/{cls['id']}/roster", headers=coord)
    assert missing.status_code == 400 and "Hãy chọn tệp" in missing.json()["error"]["message"]


def test_errors_come_back_as_an_xlsx_file(client, coord):
    cls = make_class(status="open")
    good, bad_date, formula = learner(), learner(dob="31/02/2020", with_cccd=False), learner()
    formula[6] = "=A1"
    response = upload(client, coord, cls["id"], "ds.xlsx", xlsx([good, bad_date, formula]), fmt="xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(XLSX)
    assert "attachment" in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cls["code"] in values[0][0]
    assert values[1] == ["Dòng", "Cột", "Họ và tên", "Loại", "Lý do"]
    errors = [r for r in values[2:] if r[3] == "Lỗi"]
    assert [(r[0], r[1]) for r in errors] == [(3, "C (Ngày sinh)"), (4, "G (Loại cán bộ)")]
    assert errors[0][2] == bad_date[1] and "31/02/2020 không tồn tại" in errors[0][4]
    assert "công thức" in errors[1][4]


def test_english_on_request(client, coord):
    cls = make_class(status="open")
    bad = learner(dob="31/02/2020", with_cccd=False)
    response = client.post(f"/api/classes/{cls['id']}/roster?lang=en", headers=coord,
                           files={"file": ("ds.xlsx", xlsx([bad]), XLSX)})
    message = response.json()["rows"][0]["messages"][0]["text"]
    assert message == "Row 2, column C (Ngày sinh): 31/02/2020 does not exist: month 2/2020 has no day 31"


# --- the service, directly -------------------------------------------------------------------

def test_service_commit_is_one_transaction_and_audited():
    from training.classes.roster import import_roster
    from training.records.tables import AuditLog

    cls = make_class(status="open", capacity=1)
    rows = [learner(), learner()]
    content = xlsx(rows)  # the same bytes: a workbook saved again differs (its timestamps)
    checked = run(import_roster(cls["id"], "ds.xlsx", content, SYSTEM))
    result = run(import_roster(cls["id"], "ds.xlsx", content, SYSTEM, commit=True, fingerprint=checked.fingerprint))
    assert result.committed and result.counts["confirmed"] == 1 and result.counts["waitlisted"] == 1
    entry = run(AuditLog.select().where((AuditLog.table_name == "training_class") & (AuditLog.action == "import")
                                        & (AuditLog.row_id == cls["id"])).first().run())
    assert entry is not None and '"new_people": 2' in entry["after"]
    person_entry = run(AuditLog.select(AuditLog.after).where(
        (AuditLog.table_name == "person") & (AuditLog.row_id == result.rows[0].person_id)).first().run())
    assert rows[0][4] not in person_entry["after"], "the CCCD is masked in the audit log"


# --- the command line ------------------------------------------------------------------------

def training(*args):
    return subprocess.run([sys.executable, "-m", "training.cli.main", *args], cwd=ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=120)


def test_cli_dry_run_then_commit(tmp_path):
    from training.people.tables import Person

    cls = make_class(status="open", capacity=1)
    rows = [learner(), learner(dob=dt.date(1990, 10, 10), sex="Nam", category="Cán bộ")]
    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(xlsx(rows))
    before = counts()
    dry = training("roster", "import", cls["code"].lower(), str(path))
    assert dry.returncode == 0, dry.stderr
    assert f"Dòng 2: {rows[0][1]} — người mới — dự kiến: Đã xác nhận" in dry.stdout
    assert f"Dòng 3: {rows[1][1]} — người mới — dự kiến: Danh sách chờ" in dry.stdout
    assert "Tổng hợp: 2 dòng: 2 người mới" in dry.stdout and "Chạy thử: chưa lưu gì" in dry.stdout
    assert counts() == before

    done = training("roster", "import", cls["code"], str(path), "--commit")
    assert done.returncode == 0, done.stderr
    assert f"Đã lưu: 2 học viên được ghi danh vào lớp {cls['code']}." in done.stdout
    assert run(Person.count().where(Person.citizen_id.is_in([rows[0][4], rows[1][4]])).run()) == 2


def test_cli_errors_exit_2_in_vietnamese(tmp_path):
    cls = make_class(status="open")
    path = tmp_path / "loi.xlsx"
    path.write_bytes(xlsx([learner(), learner(dob="31/02/2020", with_cccd=False)]))
    before = counts()
    result = training("roster", "import", cls["code"], str(path), "--commit")
    assert result.returncode == 2
    assert "Dòng 3, cột C (Ngày sinh): ngày 31/02/2020 không tồn tại" in result.stdout + result.stderr
    assert result.stderr.startswith("Lỗi: 1 dòng của tệp có lỗi")
    assert counts() == before
    missing = training("roster", "import", "KHONG-CO-LOP", str(path))
    assert missing.returncode == 2 and "KHONG-CO-LOP" in missing.stderr
    pdf = tmp_path / "ds.xlsx"
    pdf.write_bytes(b"%PDF-1.7 not a workbook")
    wrong = training("roster", "import", cls["code"], str(pdf))
    assert wrong.returncode == 2 and "không phải là tệp Excel" in wrong.stderr


def test_split_name_columns_and_year_only_birth_dates(client, coord):
    cls = make_class(status="open")
    header = ["TT", "Họ và tên đệm", "Tên", "Năm sinh", "Giới tính", "Đối tượng"]
    given = name().split(" ")[-1]
    content = xlsx([[1, "Hoàng  Thị", given, "12/12/1980", "Nữ", "Cộng tác viên"],
                    [2, "Hoàng Văn", given, 1981, "Nam", "Cán bộ"]], header=header)
    response = upload(client, coord, cls["id"], "ds.xlsx", content)
    assert response.status_code == 200, response.text
    first, second = response.json()["rows"]
    assert first["status"] == "new" and first["full_name"] == f"Hoàng Thị {given}"
    assert second["status"] == "error"
    assert second["messages"][0]["text"] == ("Dòng 3, cột D (Năm sinh): chỉ có năm sinh (1981); hãy ghi đủ ngày, "
                                             "tháng, năm theo dạng dd/mm/yyyy")
