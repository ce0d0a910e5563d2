"""Issue 12 item 5 (ADR 0035): the roster and sign-in sheet imports. "Lưu" only after a dry run of the same file
(the server holds it: the dry run's fingerprint), both rows of a duplicate pair flagged, messages that read
cleanly with the row as a field of its own, and templates to download that import as they are."""

import datetime as dt
import io
import re

import openpyxl
import pytest
from factories import make_class, make_course, make_person, run, token_for, unique
from factories.roster import CHECKED, HEADER, cccd, learner, upload, upload_sheet, xlsx

from training.auth.access import SYSTEM
from training.classes.enrolment import enrol
from training.classes.scheduling import SessionSpec, add_sessions
from training.classes.tables import Attendance, CoursePrerequisite, Enrolment
from training.people.tables import Person

TODAY = dt.date.today()


def enrolled(class_id: int) -> int:
    return run(Enrolment.count().where(Enrolment.training_class == class_id).run())


def people() -> int:
    return run(Person.count().run())


def marks(class_id: int) -> dict[tuple[int, int], str]:
    rows = run(Attendance.select(Attendance.session, Attendance.enrolment, Attendance.status).where(
        Attendance.session.training_class == class_id).run())
    return {(r["session"], r["enrolment"]): r["status"] for r in rows}


def book_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture()
def sheet_class():
    """A running class with two learners, sessions 4 and 2 days ago and one in a week."""
    cls = make_class(status="open", capacity=10, start_date=TODAY - dt.timedelta(days=5),
                     end_date=TODAY + dt.timedelta(days=10))
    sessions = run(add_sessions(cls["id"], [SessionSpec(TODAY - dt.timedelta(days=d), dt.time(8), dt.time(11))
                                            for d in (4, 2, -7)], SYSTEM))
    learners = []
    for given in ("An", "Bình"):
        person = make_person(full_name=unique(f"Lê Thị {given} "))
        learners.append({**person, "enrolment": run(enrol(cls["id"], person["id"], SYSTEM))["id"]})
    header = ["STT", "Họ và tên", *(s["session_date"].strftime("%d/%m/%Y") for s in sessions)]
    return {"class": cls, "sessions": sessions, "learners": learners, "header": header}


# --- "Lưu" only after a dry run of the same file -------------------------------------------------------------

def test_roster_save_needs_the_fingerprint_of_a_dry_run_of_the_same_file(client, coord, khanhhoa):
    cls, other_class = make_class(status="open", capacity=10), make_class(status="open", capacity=10)
    content = xlsx([learner(), learner()])
    changed = xlsx([learner(), learner()])
    before = (people(), enrolled(cls["id"]))

    refused = upload(client, coord, cls["id"], "ds.xlsx", content, dry_run=False, fingerprint=None)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "dry_run_required"
    assert error["message"] == "Hãy kiểm tra (chạy thử) tệp trước khi lưu; chưa lưu gì."

    dry = upload(client, coord, cls["id"], "ds.xlsx", content)
    assert dry.status_code == 200, dry.text
    fingerprint = dry.json()["fingerprint"]
    assert re.fullmatch(r"\d+\.[0-9a-f]{64}", fingerprint)
    issued, signature = fingerprint.split(".")
    for wrong_class, wrong_file, wrong_print, who in [
        (cls, changed, fingerprint, coord),                     # another file
        (other_class, content, fingerprint, coord),             # another class
        (cls, content, f"{int(issued) + 1}.{signature}", coord),  # a fingerprint tampered with
        (cls, content, "0." + "0" * 64, coord),                 # made up
    ]:
        response = upload(client, who, wrong_class["id"], "ds.xlsx", wrong_file, dry_run=False,
                          fingerprint=wrong_print)
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "dry_run_other_file"
        assert "không phải tệp đã được kiểm tra" in response.json()["error"]["message"]
    by_department = upload(client, khanhhoa, cls["id"], "ds.xlsx", content)  # another person's dry run
    assert upload(client, coord, cls["id"], "ds.xlsx", content, dry_run=False,
                  fingerprint=by_department.json()["fingerprint"]).status_code == 409
    assert (people(), enrolled(cls["id"]), enrolled(other_class["id"])) == (*before, 0), "nothing written"

    saved = upload(client, coord, cls["id"], "ds.xlsx", content, dry_run=False, fingerprint=fingerprint)
    assert saved.status_code == 201, saved.text
    assert saved.json()["committed"] and enrolled(cls["id"]) == 2


def test_the_sign_in_sheet_gets_a_dry_run_and_its_save_needs_the_fingerprint(client, coord, sheet_class):
    cls, (s1, s2, _s3) = sheet_class["class"], sheet_class["sessions"]
    an, binh = sheet_class["learners"]
    content = book_bytes([sheet_class["header"], [1, an["full_name"], "x", "V", None],
                          [2, binh["full_name"], "M", "x", None]])
    changed = book_bytes([sheet_class["header"], [1, an["full_name"], "x", "x", None],
                          [2, binh["full_name"], "M", "x", None]])

    dry = upload_sheet(client, coord, cls["id"], content, dry_run=True)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["committed"], body["total"], body["error"]) == (False, 2, 0)
    assert [(s["session"], s["marked"], s["counts"]) for s in body["sessions"]] == [
        (s1["id"], 2, {"present": 1, "late": 1}), (s2["id"], 2, {"absent": 1, "present": 1})]
    assert [(r["row"], r["full_name"], r["status"]) for r in body["rows"]] == [
        (2, an["full_name"], "ok"), (3, binh["full_name"], "ok")]
    assert marks(cls["id"]) == {}, "a dry run marks nothing"

    for fingerprint in (None, body["fingerprint"]):
        refused = upload_sheet(client, coord, cls["id"], changed if fingerprint else content, fingerprint=fingerprint)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == ("dry_run_other_file" if fingerprint else "dry_run_required")
    assert marks(cls["id"]) == {}, "nothing written"

    saved = upload_sheet(client, coord, cls["id"], content, fingerprint=body["fingerprint"])
    assert saved.status_code == 200, saved.text
    assert saved.json()["committed"] and saved.json()["fingerprint"] is None
    assert marks(cls["id"]) == {(s1["id"], an["enrolment"]): "present", (s1["id"], binh["enrolment"]): "late",
                                (s2["id"], an["enrolment"]): "absent", (s2["id"], binh["enrolment"]): "present"}


def test_a_refused_save_answers_the_same_per_row_table_as_the_dry_run(client, coord, sheet_class):
    """Rows that turn bad between the dry run and the save (a prerequisite added): the 422 carries every row, as a
    dry run now shows them; the sheet's refusal too."""
    course, needed = make_course(), make_course()
    cls = make_class(course=course["id"], status="open", capacity=10)
    content = xlsx([learner(), learner(), learner()])
    dry = upload(client, coord, cls["id"], "ds.xlsx", content)
    assert dry.json()["error"] == 0
    run(CoursePrerequisite.insert(CoursePrerequisite(course=course["id"], required_course=needed["id"])).run())
    refused = upload(client, coord, cls["id"], "ds.xlsx", content, dry_run=False, fingerprint=dry.json()["fingerprint"])
    assert refused.status_code == 422, refused.text
    again = upload(client, coord, cls["id"], "ds.xlsx", content).json()
    table = refused.json()["error"]["result"]
    assert [r["row"] for r in table["rows"]] == [2, 3, 4]
    assert [r["messages"] for r in table["rows"]] == [r["messages"] for r in again["rows"]]
    assert all(m["code"] == "prerequisite_missing" for r in table["rows"] for m in r["messages"])
    assert enrolled(cls["id"]) == 0

    sheet = book_bytes([sheet_class["header"], [1, "Không Có Tên", "x", None, None],
                        [2, sheet_class["learners"][0]["full_name"], "??", None, None]])
    checked = upload_sheet(client, coord, sheet_class["class"]["id"], sheet, dry_run=True).json()
    assert checked["error"] == 2
    save = upload_sheet(client, coord, sheet_class["class"]["id"], sheet, fingerprint=checked["fingerprint"])
    assert save.status_code == 422
    assert save.json()["error"]["result"]["rows"] == checked["rows"]
    assert marks(sheet_class["class"]["id"]) == {}


# --- both rows of a duplicate pair -----------------------------------------------------------------------------

def test_both_rows_of_a_duplicate_pair_are_flagged(client, coord, sheet_class):
    cls = make_class(status="open", capacity=20)
    rows = [learner() for _ in range(8)]
    rows[5][4] = rows[1][4]                                  # rows 3 and 7: the same CCCD
    rows[6][1], rows[6][2], rows[6][4] = rows[2][1], rows[2][2], ""  # rows 4 and 8: same name and date of birth
    rows[2][4] = ""
    rows[7][4] = rows[1][4]                                  # row 9: the CCCD of row 3 a third time
    body = upload(client, coord, cls["id"], "ds.xlsx", xlsx(rows)).json()
    by_row = {r["row"]: r for r in body["rows"]}
    assert sorted(n for n, r in by_row.items() if r["status"] == "error") == [3, 4, 7, 8, 9]

    def texts(n):
        return [m["text"] for m in by_row[n]["messages"] if m["code"] == "duplicate_in_file"]

    assert texts(3) == ["Dòng 3, cột E (Số CCCD): người này cũng có ở dòng 7, 9 của tệp (trùng số CCCD)"]
    assert texts(7) == ["Dòng 7, cột E (Số CCCD): người này đã có ở dòng 3 của tệp (trùng số CCCD)"]
    assert texts(9) == ["Dòng 9, cột E (Số CCCD): người này đã có ở dòng 3 của tệp (trùng số CCCD)"]
    assert texts(4) == ["Dòng 4, cột B (Họ và tên): người này cũng có ở dòng 8 của tệp (trùng họ tên và ngày sinh)"]
    assert texts(8) == ["Dòng 8, cột B (Họ và tên): người này đã có ở dòng 4 của tệp (trùng họ tên và ngày sinh)"]
    assert all(m["row"] == n for n, r in by_row.items() for m in r["messages"])
    assert by_row[3]["enrolment_status"] is None and by_row[2]["enrolment_status"] == "confirmed"

    # The same learner twice on a sign-in sheet: both rows.
    an = sheet_class["learners"][0]
    sheet = book_bytes([sheet_class["header"], [1, an["full_name"], "x", None, None],
                        [2, sheet_class["learners"][1]["full_name"], "x", None, None],
                        [3, an["full_name"], "x", None, None]])
    checked = upload_sheet(client, coord, sheet_class["class"]["id"], sheet, dry_run=True).json()
    flagged = {r["row"]: [m["text"] for m in r["messages"]] for r in checked["rows"] if r["status"] == "error"}
    assert flagged == {2: [f"Dòng 2, cột Họ và tên: {an['full_name']} cũng có ở dòng 4"],
                       4: [f"Dòng 4, cột Họ và tên: {an['full_name']} đã có ở dòng 2"]}


# --- messages read cleanly, the row a field of its own ---------------------------------------------------------

LABELS = ["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị", "Loại cán bộ", "Tỉnh/Thành phố", "Điện thoại",
          "Email"]


def assert_clean(message: str) -> None:
    assert ".;" not in message and ".." not in message.replace("…", "") and ";;" not in message, message
    assert ". ;" not in message and " ." not in message, message
    for label in LABELS:  # a field is named once: never "Ngày sinh: Dòng 4, cột C (Ngày sinh): …"
        assert f"{label}: Dòng" not in message, message


def test_messages_read_cleanly_and_carry_the_row_as_a_field(client, coord):
    cls = make_class(status="open", capacity=20)
    dob = dt.date(1985, 2, 3)
    rows = [learner(), learner(dob="31/02/2020", with_cccd=False), learner(full_name="=HYPERLINK(\"x\")"),
            learner(sex="Khác"), learner(dob=1988, with_cccd=False), learner(citizen_id="12345"),
            learner(province="Xứ Sở Thần Tiên"), learner(dob=dob, citizen_id=cccd(dob)), learner(),
            learner(category="Phi hành gia"), learner(phone="12ab"), learner(email="không-phải-email")]
    rows[8][4] = rows[7][4]
    content = xlsx(rows)
    dry = upload(client, coord, cls["id"], "ds.xlsx", content).json()
    messages = [m for r in dry["rows"] for m in r["messages"]]
    assert len({m["code"] for m in messages if m["level"] == "error"}) >= 8, [m["code"] for m in messages]
    for r in dry["rows"]:
        for m in r["messages"]:
            assert m["row"] == r["row"] and m["text"].startswith(f"Dòng {r['row']}")
            assert_clean(m["text"])
            assert m["text"].count(": ") <= 2 or m["code"] == "prerequisite_missing", m["text"]

    refused = upload(client, coord, cls["id"], "ds.xlsx", content, dry_run=False, fingerprint=dry["fingerprint"])
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert_clean(error["message"])
    summary, *items = error["errors"]
    assert summary["row"] is None and summary["message"].startswith("11 dòng của tệp có lỗi")
    assert len(items) == sum(1 for m in messages if m["level"] == "error")
    for item in items:  # the row as its own field, the message naming it once, the column too
        assert isinstance(item["row"], int) and item["message"].startswith(f"Dòng {item['row']}")
        assert item["column"] is None or item["column"] in item["message"]
        assert_clean(item["message"])
    assert {(i["row"], i["field"]) for i in items} >= {(3, "date_of_birth"), (9, "citizen_id"), (10, "citizen_id")}
    assert enrolled(cls["id"]) == 0


def test_the_error_shape_documents_the_row(client):
    schema = client.get("/schema/openapi.json").json()["components"]["schemas"]
    assert {"row", "column"} <= set(schema["ErrorItem"]["properties"])
    assert "row" in schema["RowMessageOut"]["properties"]
    assert "fingerprint" in schema["RosterOut"]["properties"] and "rows" in schema["SheetOut"]["properties"]


# --- templates to download --------------------------------------------------------------------------------------

def test_roster_template_parses_and_imports(client, coord):
    response = client.get("/api/roster/template.xlsx", headers=coord)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "mau-danh-sach-hoc-vien.xlsx" in response.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1] == HEADER
    example = values[2]
    assert example[4].startswith("001") and len(example[4]) == 12 and isinstance(example[2], dt.datetime)
    assert sheet["E10"].number_format == "@", "CCCD cells are text: Excel keeps the leading zeros"

    # As downloaded: every column recognised, the example row valid but refused as the example.
    cls = make_class(status="open", capacity=10)
    dry = upload(client, coord, cls["id"], "mau.xlsx", response.content).json()
    assert (dry["header_row"], dry["total"], dry["ignored_columns"]) == (2, 1, [])
    errors = [m for m in dry["rows"][0]["messages"] if m["level"] == "error"]
    assert [m["code"] for m in errors] == ["template_example"]  # every value of the example is valid
    assert errors[0]["text"] == (
        "Dòng 3, cột E (Số CCCD): đây là dòng mẫu của tệp mẫu; hãy thay bằng học viên của lớp hoặc xóa dòng này")

    # The example row replaced by two learners: saved.
    sheet.delete_rows(3)
    for row in (learner(), learner()):
        sheet.append([1, *row[1:]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    saved = upload(client, coord, cls["id"], "mau.xlsx", buffer.getvalue(), dry_run=False, fingerprint=CHECKED)
    assert saved.status_code == 201, saved.text
    assert enrolled(cls["id"]) == 2


def test_sign_in_sheet_template_lists_the_learners_and_imports(client, coord, sheet_class):
    cls, sessions = sheet_class["class"], sheet_class["sessions"]
    day = sessions[1]["session_date"]
    extra = run(add_sessions(cls["id"], [SessionSpec(day, dt.time(13, 30), dt.time(16))], SYSTEM))[0]
    response = client.get(f"/api/classes/{cls['id']}/attendance-sheet/template.xlsx", headers=coord)
    assert response.status_code == 200, response.text
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    ddmm = [s["session_date"].strftime("%d/%m/%Y") for s in sessions]
    assert values[1] == ["STT", "Họ và tên", "Ngày sinh", ddmm[0], f"{ddmm[1]} 08:00", f"{ddmm[1]} 13:30", ddmm[2]]
    assert sorted(r[1] for r in values[2:]) == sorted(p["full_name"] for p in sheet_class["learners"])

    as_downloaded = upload_sheet(client, coord, cls["id"], response.content, dry_run=True).json()
    assert (as_downloaded["total"], as_downloaded["error"], as_downloaded["sessions"]) == (2, 0, [])
    assert len(as_downloaded["skipped_columns"]) == 4, "empty session columns are skipped"

    for row in range(3, 5):  # the first session and the afternoon one, marked
        sheet.cell(row, 4).value = "x"
        sheet.cell(row, 6).value = "V"
    buffer = io.BytesIO()
    workbook.save(buffer)
    saved = upload_sheet(client, coord, cls["id"], buffer.getvalue())
    assert saved.status_code == 200, saved.text
    stored = marks(cls["id"])
    assert sorted(stored.values()) == ["absent", "absent", "present", "present"]
    assert {s for s, _e in stored} == {sessions[0]["id"], extra["id"]}


def test_sign_in_sheet_template_of_another_province_is_not_found(client):
    cls = make_class("19", status="open")
    response = client.get(f"/api/classes/{cls['id']}/attendance-sheet/template.xlsx",
                          headers=token_for("dept.khanhhoa"))
    assert response.status_code == 404
