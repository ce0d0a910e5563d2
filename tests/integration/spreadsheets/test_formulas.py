"""Exports never carry a live formula: text that a spreadsheet would run is refused at input (admin, API,
imports), and whatever is already in the database (legacy rows) comes out neutralised in every XLSX and CSV."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from factories import ROOT, make_class, make_person, province_id, run, unique
from factories.certificates import certificates_of, closed_class, issue
from factories.classes import class_with_sessions
from factories.roster import csv_bytes, learner, upload

from training.records.validation import cccd_for

HYPERLINK = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'
DDE = "=cmd|' /C calc'!A0"
MESSAGE = "không được bắt đầu bằng dấu"


def no_formula_cells(content: bytes) -> list[list]:
    """Every cell's value; fails if any cell of any sheet is a formula or text that would run as one."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (cell.coordinate, cell.value)
            values.append([c.value for c in row])
    return values


def legacy_person(full_name: str, organisation: str | None = None, **values) -> dict:
    """A person written straight into the database, as rows loaded before the input checks were."""
    from training.people.tables import Organisation, Person

    org_id = None
    if organisation:
        org = Organisation(name=organisation, kind="social_work_centre", province=province_id("56"))
        run(org.save().run())
        org_id = org.id
    person = Person(full_name=full_name, sex="female", staff_category="collaborator", province=province_id("56"),
                    organisation=org_id, **values)
    run(person.save().run())
    return run(Person.select().where(Person.id == person.id).first().run())


def legacy_enrolment(class_id: int, person_id: int, status: str = "confirmed") -> int:
    from training.classes.tables import Enrolment

    row = Enrolment(training_class=class_id, person=person_id, status=status,
                    enrolled_at=dt.datetime.now(dt.UTC))
    run(row.save().run())
    return row.id


# --- refused at input ----------------------------------------------------------------------------

@pytest.mark.parametrize("full_name", [HYPERLINK, DDE, "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
                                       "@SUM(1+1)*cmd|' /C calc'!A0"])
def test_the_admin_refuses_a_name_that_would_run_as_a_formula(as_coordinator, full_name):
    from training.people.tables import Person

    before = run(Person.count().run())
    response = as_coordinator.post("/tables/person/", {
        "full_name": full_name, "sex": "female", "staff_category": "collaborator", "province": province_id("56")})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "formula_start" and error["field"] == "full_name"
    assert error["message"].startswith(f"Họ và tên: {MESSAGE} \"{full_name[0]}\""), error["message"]
    assert run(Person.count().run()) == before


def test_the_admin_refuses_formulas_in_edits_and_free_text(as_coordinator):
    person = make_person(full_name="Nguyễn Thị Sửa")
    response = as_coordinator.patch(f"/tables/person/{person['id']}/", {"full_name": DDE})
    assert response.status_code == 422 and response.json()["error"]["code"] == "formula_start"
    response = as_coordinator.post("/tables/organisation/", {"name": "=1+1", "kind": "social_work_centre"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "name"
    response = as_coordinator.post("/tables/coverage_target/", {"year": 2026, "target_share": 0.5, "note": HYPERLINK})
    assert response.status_code == 422 and response.json()["error"]["field"] == "note"
    # a phone number may start with +; text with the signs further in is fine
    ok = as_coordinator.patch(f"/tables/person/{person['id']}/", {"phone": "+84 912 345 678",
                                                                  "full_name": "Nguyễn Thị Sửa-Lại"})
    assert ok.status_code == 200, ok.text


def test_the_api_refuses_formulas_in_session_topics_and_roster_names(client, coord):
    cls = make_class(status="open")
    response = client.post(f"/api/classes/{cls['id']}/sessions", headers=coord, json={"sessions": [
        {"session_date": "2026-03-03", "start_time": "08:00", "end_time": "11:00", "topic": DDE}]})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "topic"
    assert MESSAGE in response.json()["error"]["message"]

    # "=" anywhere the import reads is already "a formula cell"; "+", "-", "@" reach the same checks as the admin
    rows = [learner(), learner(full_name=HYPERLINK), learner(full_name="@SUM(1+1)*cmd|' /C calc'!A0"),
            learner(org="-2+3+cmd|' /C notepad'!A0")]
    dry = upload(client, coord, cls["id"], "ds.csv", csv_bytes(rows), mime="text/csv")
    assert dry.status_code == 200, dry.text
    outcome = dry.json()["rows"]
    assert [r["status"] for r in outcome] == ["new", "error", "error", "error"], outcome
    texts = [[m["text"] for m in r["messages"]] for r in outcome]
    assert any(t.startswith("Dòng 3, cột B (Họ và tên): ô chứa công thức") for t in texts[1]), texts
    assert any(t.startswith("Dòng 4, cột B (Họ và tên): " + MESSAGE + ' "@"') for t in texts[2]), texts
    assert any(t.startswith("Dòng 5, cột F (Đơn vị): " + MESSAGE + ' "-"') for t in texts[3]), texts
    committed = upload(client, coord, cls["id"], "ds.csv", csv_bytes(rows), dry_run=False, mime="text/csv")
    assert committed.status_code == 422


# --- legacy rows come out neutralised --------------------------------------------------------------

def test_results_xlsx_neutralises_legacy_names(client, coord):
    cls = make_class(status="open")
    person = legacy_person(HYPERLINK, organisation=DDE)
    legacy_enrolment(cls["id"], person["id"])
    response = client.get(f"/api/classes/{cls['id']}/results.xlsx", headers=coord)
    assert response.status_code == 200, response.text
    values = no_formula_cells(response.content)
    learners = [r for r in values if isinstance(r[0], int)]
    assert [(r[1], r[3]) for r in learners] == [("'" + HYPERLINK, "'" + DDE)]
    assert isinstance(learners[0][4], float | int)  # numbers stay numbers


def test_roster_errors_workbook_neutralises_file_and_legacy_names(client, coord):
    cls = make_class(status="open")
    dob = dt.date(1990, 1, 2)
    citizen_id = cccd_for(dob, "female", "56", int(unique("")) % 1_000_000)
    enrolled = legacy_person(DDE, citizen_id=citizen_id, date_of_birth=dob)
    legacy_enrolment(cls["id"], enrolled["id"])
    plus = "+cmd|' /C calc'!A0"
    rows = [learner(full_name=plus), learner(full_name="Lê Thị Hợp Lệ", citizen_id=citizen_id, dob=dob)]
    response = upload(client, coord, cls["id"], "=ds.csv", csv_bytes(rows), fmt="xlsx", mime="text/csv")
    assert response.status_code == 200, response.text
    values = no_formula_cells(response.content)
    errors = [r for r in values[2:] if r[3] == "Lỗi"]
    assert ("'" + plus) in {r[2] for r in errors}
    # "<legacy name> is already in class …; this row is skipped" (a warning since issue 12)
    assert any(str(r[4]).startswith("'" + DDE) for r in values[2:]), values


def test_coverage_exports_neutralise_legacy_text(client, coord):
    from training.coverage.tables import CoverageTarget
    from training.reference.tables import Commune

    commune = Commune(code=unique("9")[-5:], name="@SUM(1+1)*cmd|' /C calc'!A0", province=province_id("56"))
    run(commune.save().run())
    run(CoverageTarget.insert(CoverageTarget(province=province_id("56"), staff_category="collaborator", level=None,
                                             year=2030, target_share=0.4, note=HYPERLINK)).run())
    params = {"date": "2026-06-30", "commune": commune.code}
    body = client.get("/api/coverage", params=params, headers=coord).json()
    assert body["rows"][0]["unit_name"] == commune.name  # the JSON carries the data as it is

    response = client.get("/api/coverage", params={**params, "format": "csv"}, headers=coord)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    cells = [c for r in rows for c in r]
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    assert "'" + commune.name in cells and "'" + HYPERLINK in cells

    response = client.get("/api/coverage", params={**params, "format": "xlsx"}, headers=coord)
    values = no_formula_cells(response.content)
    cells = [c for r in values for c in r]
    assert "'" + commune.name in cells and "'" + HYPERLINK in cells
    assert any(isinstance(c, int) for c in cells)


def test_the_writer_neutralises_cells_set_directly():
    from training.spreadsheets.writer import XlsxBook, csv_bytes

    book = XlsxBook("Thử")
    book.append(["=1+1", -5, 2.5, dt.date(2026, 1, 2), None, "- ghi chú", "Khánh Hòa"])
    book.sheet["B2"] = "=cmd|' /C calc'!A0"  # bypassing append: to_bytes still neutralises it
    values = no_formula_cells(book.to_bytes())
    assert values[0][:2] == ["'=1+1", -5] and values[0][2] == 2.5 and values[0][5] == "'- ghi chú"
    assert values[0][3] == dt.datetime(2026, 1, 2) and values[0][6] == "Khánh Hòa"
    assert values[1][1] == "'=cmd|' /C calc'!A0"
    text = csv_bytes(["a", "b", "c"], [["\tx", -5, "@x"]]).decode("utf-8-sig")
    assert text.splitlines()[1] == "'\tx,-5,'@x"


def test_admin_csv_export_is_built_in_the_browser():
    """piccolo-admin's "Export CSV" builds the file in the browser from the rows' JSON, so no server writer can
    neutralise it: refusing such text at input is what keeps it clean (decisions.md). If an upgrade moves the
    export to the server, this fails: route it through training.spreadsheets.writer then."""
    from pathlib import Path

    import piccolo_admin

    assets = Path(piccolo_admin.__file__).parent / "dist" / "assets"
    bundle = "".join(p.read_text(encoding="utf-8") for p in assets.glob("*.js"))
    assert 'new Blob([T],{type:"text/csv' in bundle


# Writers still to route through training.spreadsheets.writer (owned elsewhere): empty this when they are.
PENDING_WRITERS: set[str] = set()


def test_every_spreadsheet_is_written_by_the_one_writer():
    """No module of the product builds an openpyxl Workbook or a csv writer itself:
    training/spreadsheets/writer.py does."""
    import re

    root = ROOT
    pattern = re.compile(r"from openpyxl import .*\bWorkbook\b|openpyxl\.Workbook\(|csv\.(writer|DictWriter)\(")
    offenders = {
        str(path.relative_to(root)) for folder in ("training", "certificates", "admin")
        for path in (root / folder).rglob("*.py")
        if path.relative_to(root).as_posix() != "training/spreadsheets/writer.py"
        and pattern.search(path.read_text(encoding="utf-8"))
    }
    assert offenders <= PENDING_WRITERS, offenders


def test_the_register_book_neutralises_a_legacy_holder_name_and_revoke_reasons_refuse_formulas(client, coord):
    from certificates.tables import Certificate

    cls = closed_class(["Lê Văn Sổ"])
    issue(cls)
    [row] = certificates_of(cls)
    run(Certificate.raw("UPDATE certificate SET holder_name = {} WHERE id = {}",
                        '=HYPERLINK("http://x","y")', row["id"]).run())
    response = client.get(f"/api/certificates/register?organisation={row['issuer']}&year={row['register_year']}",
                          headers=coord)
    assert response.status_code == 200, response.text
    cells = no_formula_cells(response.content)
    assert any(isinstance(v, str) and v.endswith('=HYPERLINK("http://x","y")') for line in cells for v in line)
    refused = client.post(f"/api/certificates/{row['id']}/revoke", json={"reason": "=cmd|' /C calc'!A0"},
                          headers=coord)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "formula_start", refused.text
    assert certificates_of(cls)[0]["status"] == "valid"


def test_an_attendance_note_that_would_run_as_a_formula_is_refused(client, coord):
    from training.classes.tables import Attendance

    cls, sessions, enrolments = class_with_sessions(client, coord)
    refused = client.put(f"/api/sessions/{sessions[0]['id']}/attendance", headers=coord, json={
        "default": "present", "marks": [{"enrolment": enrolments[0]["id"], "status": "absent",
                                         "note": "  =HYPERLINK(\"http://x\")"}]})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "formula_start"
    assert run(Attendance.count().where(Attendance.session == sessions[0]["id"]).run()) == 0
