"""Attendance sign-in sheet import (all or nothing) and the class results export, both XLSX."""

import datetime as dt
import io

import openpyxl
import pytest
from factories import cccd_serial, make_class, make_course, make_person, province_id, run, token_for, unique
from factories.roster import upload_sheet

from training.auth.access import SYSTEM
from training.records.rows import create_row
from training.records.validation import cccd_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TODAY = dt.date.today()


def ddmm(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


@pytest.fixture()
def setup():
    """An open class with sessions 10 days ago, two 5 days ago (08:00 and 13:30) and one next week;
    learners Đức (with CCCD), Em (no CCCD), Dũng (with CCCD) and Hà (withdrawn)."""
    from training.classes.enrolment import enrol, withdraw
    from training.classes.scheduling import SessionSpec, add_sessions
    from training.people.tables import Organisation

    course = make_course(min_attendance_share=0.5)
    cls = make_class(course=course["id"], status="open", capacity=10, start_date=TODAY - dt.timedelta(days=20),
                     end_date=TODAY + dt.timedelta(days=20))
    d1, d2, d3 = (TODAY - dt.timedelta(days=10), TODAY - dt.timedelta(days=5), TODAY + dt.timedelta(days=7))
    at = dt.time
    sessions = run(add_sessions(cls["id"], [
        SessionSpec(d1, at(8), at(11)), SessionSpec(d2, at(8), at(11)), SessionSpec(d2, at(13, 30), at(16, 30)),
        SessionSpec(d3, at(8), at(11))], SYSTEM))
    org = run(create_row(Organisation, {"name": unique("Trung tâm CTXH "), "kind": "social_work_centre",
                                        "province": province_id("56")}, SYSTEM))
    people = {}
    for key, full_name, sex, dob, with_id in [
        ("duc", "Nguyễn Văn Đức", "male", dt.date(1985, 4, 1), True),
        ("em", "Trần Thị Em", "female", dt.date(1990, 6, 2), False),
        ("dung", "Lê Văn Dũng", "male", dt.date(1979, 11, 3), True),
        ("ha", "Phạm Thị Hà", "female", dt.date(1993, 1, 4), False),
    ]:
        values = {"full_name": full_name, "sex": sex, "date_of_birth": dob, "organisation": org["id"]}
        if with_id:
            values["citizen_id"] = cccd_for(dob, sex, "58", cccd_serial())
        person = make_person(**values)
        people[key] = {**person, "enrolment": run(enrol(cls["id"], person["id"], SYSTEM))["id"]}
    run(withdraw(people["ha"]["enrolment"], SYSTEM))
    return {"class": cls, "sessions": sessions, "days": (d1, d2, d3), "people": people, "org": org}


def sheet_bytes(header, rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["DANH SÁCH ĐIỂM DANH"])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def good_sheet(s) -> tuple[list, list]:
    d1, d2, d3 = s["days"]
    p = s["people"]
    header = ["STT", "Họ và tên", "Số CCCD", dt.datetime(d1.year, d1.month, d1.day), f"{ddmm(d2)} sáng",
              f"{ddmm(d2)} 13:30", ddmm(d3)]
    rows = [
        [1, "nguyễn văn đức", p["duc"]["citizen_id"], "x", "M", "có", None],
        [2, "Trần Thị Em", None, "CP", "x", "vắng", None],
        [3, "Phạm Thị Hà", None, None, None, None, None],  # withdrawn: nothing to mark
        [4, "Lê Văn Dũng", int(p["dung"]["citizen_id"]), "V", "P", "phép", None],  # Excel made the CCCD a number
    ]
    return header, rows


def marks_of(class_id):
    from training.classes.tables import Attendance

    rows = run(Attendance.select(Attendance.enrolment, Attendance.status, Attendance.session).where(
        Attendance.session.training_class == class_id).run())
    return {(r["session"], r["enrolment"]): r["status"] for r in rows}


def test_sign_in_sheet_marks_every_filled_session(client, coord, setup):
    s1, s2, s3, s4 = (x["id"] for x in setup["sessions"])
    p = setup["people"]
    header, rows = good_sheet(setup)
    response = upload_sheet(client, coord, setup['class']['id'], sheet_bytes(header, rows))
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["session"] for s in body["sessions"]] == [s1, s2, s3]
    assert body["skipped_columns"] == [f"G ({ddmm(setup['days'][2])})"], "the empty future column is skipped"
    duc, em, dung, ha = (p[k]["enrolment"] for k in ("duc", "em", "dung", "ha"))
    assert marks_of(setup["class"]["id"]) == {
        (s1, duc): "present", (s1, em): "excused", (s1, dung): "absent",
        (s2, duc): "late", (s2, em): "present", (s2, dung): "excused",  # P = có phép
        (s3, duc): "present", (s3, em): "absent", (s3, dung): "excused",
    }
    assert not any(key[1] == ha for key in marks_of(setup["class"]["id"])), "no marks for a withdrawn learner"

    # Importing a corrected sheet changes the marks, still one session per column.
    rows[1][5] = "x"
    again = upload_sheet(client, coord, setup['class']['id'], sheet_bytes(header, rows))
    assert again.status_code == 200
    assert marks_of(setup["class"]["id"])[(s3, em)] == "present"


def test_a_bad_sheet_saves_nothing_and_names_rows_and_columns(client, coord, setup):
    d1, d2, d3 = setup["days"]
    header, rows = good_sheet(setup)
    rows[0][3] = "??"                      # unknown code
    rows[2][3] = "x"                       # the withdrawn learner
    rows[1][6] = "x"                       # a session next week
    rows.append([5, "Không Có Tên", None, "x", "x", "x", None])  # not in the class
    header.append(ddmm(d2))                # two sessions that day: which one?
    for row in rows:
        row.append(None)
    response = upload_sheet(client, coord, setup['class']['id'], sheet_bytes(header, rows))
    assert response.status_code == 422, response.text
    message = response.json()["error"]["message"]
    assert f"Dòng 2, cột H ({ddmm(d2)}): ngày {ddmm(d2)} lớp {setup['class']['code']} có các buổi lúc 08:00, " \
           "13:30: hãy ghi thêm \"sáng\", \"chiều\" hoặc giờ bắt đầu vào tiêu đề cột" in message
    assert f"Dòng 2, cột G ({ddmm(d3)}): Buổi học ngày {ddmm(d3)} chưa diễn ra" in message
    assert f"Dòng 3, cột D ({ddmm(d1)}): \"??\" không phải là ký hiệu điểm danh" in message
    assert f"Dòng 5, cột D ({ddmm(d1)}): Phạm Thị Hà đang ở trạng thái Đã rút; không điểm danh" in message
    assert "Dòng 7, cột Họ và tên: Không Có Tên không có tên trong lớp này" in message
    assert marks_of(setup["class"]["id"]) == {}, "all or nothing"


def test_results_export(client, coord, setup):
    from training.classes.attendance import close_class
    from training.classes.tables import Enrolment

    header, rows = good_sheet(setup)
    ok = upload_sheet(client, coord, setup['class']['id'], sheet_bytes(header, rows))
    assert ok.status_code == 200, ok.text
    p = setup["people"]
    for key, score in (("duc", 8.5), ("em", 9.2), ("dung", 4.0)):
        run(Enrolment.update({Enrolment.score: score}).where(Enrolment.id == p[key]["enrolment"]).run())
    run(close_class(setup["class"]["id"], SYSTEM))

    response = client.get(f"/api/classes/{setup['class']['id']}/results.xlsx", headers=coord)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(XLSX)
    assert response.headers["content-disposition"].endswith(".xlsx\"")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == f"KẾT QUẢ HỌC TẬP LỚP {setup['class']['code']}"
    head = next(i for i, r in enumerate(values) if r[0] == "STT")
    assert values[head] == ["STT", "Họ và tên", "Ngày sinh", "Đơn vị", "Tỷ lệ chuyên cần", "Điểm", "Xếp loại",
                            "Kết quả"]
    data = values[head + 1:]
    # Vietnamese order by given name: Dũng, Đức (D before Đ), Em; the withdrawn learner is not listed.
    assert [r[1] for r in data] == ["Lê Văn Dũng", "Nguyễn Văn Đức", "Trần Thị Em"]
    assert [r[0] for r in data] == [1, 2, 3]
    dung, duc, em = data
    # Four sessions in all (one still to come): Đức attended 3 (late counts), Em 1, Dũng 0 ("P" is an excused absence).
    assert duc[2].date() == dt.date(1985, 4, 1) and duc[3] == setup["org"]["name"]
    assert duc[4] == pytest.approx(0.75) and duc[5] == 8.5 and duc[6] == "Giỏi" and duc[7] == "Hoàn thành"
    assert em[4] == pytest.approx(0.25) and em[6] is None and em[7] == "Không hoàn thành"
    assert dung[4] == pytest.approx(0) and dung[7] == "Không hoàn thành"  # "P" = có phép: not attended
    row = head + 1 + 2  # Đức's row, 1-based in the sheet
    assert sheet.cell(row + 1, 5).number_format == "0.0%"
    assert sheet.cell(row + 1, 3).number_format.upper() == "DD/MM/YYYY"


def test_results_of_another_province_are_hidden(client):
    cls = make_class("19", status="open")
    response = client.get(f"/api/classes/{cls['id']}/results.xlsx", headers=token_for("dept.khanhhoa"))
    assert response.status_code == 404


def test_vietnamese_name_order():
    from training.core.collation import vi_name_key as vietnamese_name_key

    names = ["Trần Thị Em", "Nguyễn Văn Đức", "Lê Văn Dũng", "Phạm Ánh", "Đỗ An", "Vũ Ân", "Hồ Ăn"]
    assert sorted(names, key=vietnamese_name_key) == [
        "Đỗ An", "Phạm Ánh", "Hồ Ăn", "Vũ Ân", "Lê Văn Dũng", "Nguyễn Văn Đức", "Trần Thị Em"]
