"""Staff registry and commune list imports: real XLSX and CSV files, dry run, all or nothing, coverage effect."""

import csv
import datetime as dt
import os
import random
import subprocess
import sys

import openpyxl
from factories import (
    ROOT,
    AdminSession,
    cccd_serial,
    make_class,
    make_course,
    make_enrolment,
    province_id,
    run,
    token_for,
)

from training.auth.access import SYSTEM
from training.records.validation import cccd_for

HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Loại cán bộ", "Tỉnh/Thành phố", "Xã/Phường",
          "Ngày bắt đầu", "Ngày nghỉ"]
RNG = random.Random(1107)  # seeded: the same commune codes every run


def cccd(dob: dt.date, sex: str = "female", legacy: str = "56") -> str:
    return cccd_for(dob, sex, legacy, cccd_serial())


def person_row(name, province="Khánh Hòa", commune="", start="01/01/2020", end="", category="Cộng tác viên",
               dob=dt.date(1990, 4, 2), citizen_id=None):
    return [None, name, dob.strftime("%d/%m/%Y"), "Nữ", citizen_id or cccd(dob), category, province, commune, start,
            end]


def write_xlsx(path, rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH CÁN BỘ, CỘNG TÁC VIÊN CÔNG TÁC XÃ HỘI"])
    sheet.append(header)
    for i, row in enumerate(rows, start=1):
        sheet.append([i, *row[1:]])
    book.save(path)
    return path


def write_csv(path, rows, header=HEADER):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(header)
        for i, row in enumerate(rows, start=1):
            writer.writerow([i, *row[1:]])
    return path


def upload(client, headers, path, dry_run=True, endpoint="/api/staff/import"):
    with open(path, "rb") as fh:
        return client.post(f"{endpoint}?dry_run={'true' if dry_run else 'false'}", headers=headers,
                           files={"file": (path.name, fh.read())})


def people_named(prefix):
    from training.people.tables import Person

    return run(Person.select().where(Person.full_name.like(f"{prefix}%")).order_by(Person.full_name).run())


def test_staff_xlsx_dry_run_then_commit(client, tmp_path):
    headers = token_for("dept.khanhhoa")
    rows = [person_row("Nhập Xlsx An", province="Ninh Thuận"), person_row("Nhập Xlsx Bình", end="31/03/2024"),
            person_row("Nhập Xlsx Cúc", category="Viên chức")]
    path = write_xlsx(tmp_path / "can-bo.xlsx", rows)
    response = upload(client, headers, path)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["new"], body["error"], body["header_row"]) == (3, 3, 0, 2)
    assert [r["row"] for r in body["rows"]] == [3, 4, 5]
    assert people_named("Nhập Xlsx") == []  # a dry run saves nothing
    response = upload(client, headers, path, dry_run=False)
    assert response.status_code == 201, response.text
    saved = people_named("Nhập Xlsx")
    assert [p["full_name"] for p in saved] == ["Nhập Xlsx An", "Nhập Xlsx Bình", "Nhập Xlsx Cúc"]
    assert {p["province"] for p in saved} == {province_id("56")}
    assert saved[0]["legacy_province"] is not None  # Ninh Thuận kept as the pre-2025 province
    assert saved[1]["active_to"] == dt.date(2024, 3, 31)
    # Importing the same file again updates nothing.
    again = upload(client, headers, path).json()
    assert (again["new"], again["unchanged"]) == (0, 3)


def test_staff_csv_all_or_nothing_with_row_numbered_errors(client, tmp_path):
    headers = token_for("coord")
    rows = [person_row("Nhập Csv Dũng"), person_row("Nhập Csv Em", start="12/2020"),
            person_row("Nhập Csv Giang", province="Atlantis"),
            person_row("Nhập Csv Hà", start="01/06/2024", end="01/01/2024")]
    path = write_csv(tmp_path / "can-bo.csv", rows)
    response = upload(client, headers, path, dry_run=False)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    rows_out = {r["row"]: r for r in error["result"]["rows"]}
    assert rows_out[2]["status"] == "new" and rows_out[3]["status"] == rows_out[4]["status"] == "error"
    assert "Ngày bắt đầu" in rows_out[3]["messages"][0]["text"] and "Dòng 3" in rows_out[3]["messages"][0]["text"]
    assert "Atlantis" in rows_out[4]["messages"][0]["text"]
    assert rows_out[5]["status"] == "error" and "Ngày nghỉ" in rows_out[5]["messages"][0]["text"]
    assert people_named("Nhập Csv") == []  # nothing saved


def test_a_person_in_two_provinces_at_once_is_refused(client, tmp_path):
    headers = token_for("coord")
    number = cccd(dt.date(1985, 1, 1))
    rows = [person_row("Hai Tỉnh Một", citizen_id=number, dob=dt.date(1985, 1, 1)),
            person_row("Hai Tỉnh Một", province="Thái Nguyên", citizen_id=number, dob=dt.date(1985, 1, 1),
                       start="01/01/2023")]
    body = upload(client, headers, write_xlsx(tmp_path / "hai-tinh.xlsx", rows)).json()
    assert body["rows"][1]["status"] == "error"
    assert "hai tỉnh" in body["rows"][1]["messages"][0]["text"]
    # Saved in Khánh Hòa, then listed by Thái Nguyên while still active in Khánh Hòa: refused too.
    assert upload(client, headers, write_xlsx(tmp_path / "mot.xlsx", rows[:1]), dry_run=False).status_code == 201
    body = upload(client, headers, write_xlsx(tmp_path / "tn.xlsx", rows[1:])).json()
    assert body["error"] == 1 and "Khánh Hòa" in body["rows"][0]["messages"][0]["text"]
    # A department cannot take over another province's person either.
    body = upload(client, token_for("dept.thainguyen"), write_xlsx(tmp_path / "tn2.xlsx", rows[1:])).json()
    assert body["error"] == 1


def test_department_imports_only_its_own_province(client, tmp_path):
    body = upload(client, token_for("dept.thainguyen"),
                  write_xlsx(tmp_path / "x.xlsx", [person_row("Khác Tỉnh Lan", province="Khánh Hòa")])).json()
    assert body["error"] == 1


def test_a_person_who_left_stops_counting_after_the_import(client, tmp_path):
    from training.coverage import figures
    from training.records.rows import create_row
    from training.reference.tables import Commune

    code = f"8{RNG.randrange(10_000):04d}"
    commune = run(create_row(Commune, {"code": code, "name": f"Xã Nghỉ {code}", "province": province_id("56")},
                             SYSTEM))
    dob = dt.date(1991, 2, 3)
    row = person_row("Nghỉ Việc Mai", commune=code, dob=dob, start="01/01/2015")
    headers = token_for("coord")
    assert upload(client, headers, write_xlsx(tmp_path / "a.xlsx", [row]), dry_run=False).status_code == 201
    person = people_named("Nghỉ Việc Mai")[0]
    assert person["commune"] == commune["id"]
    cls = make_class("56", course=make_course("refresher")["id"], start_date=dt.date(2020, 3, 2),
                     end_date=dt.date(2020, 3, 6))
    make_enrolment(cls["id"], person["id"], "completed")
    day = dt.date(2025, 6, 30)
    assert run(figures.coverage(SYSTEM, day, commune_code=code)).row(code, None, None).trained == 1
    row[-1] = "31/12/2024"  # Ngày nghỉ
    body = upload(client, headers, write_xlsx(tmp_path / "b.xlsx", [row]), dry_run=False).json()
    assert body["updated"] == 1
    after = run(figures.coverage(SYSTEM, day, commune_code=code)).row(code, None, None)
    assert (after.active, after.trained) == (0, 0)


def test_commune_list_import(client, tmp_path):
    from training.reference.tables import Commune

    codes = [f"7{n:04d}" for n in RNG.sample(range(10_000), 2)]  # two different codes
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Mã", "Tên", "Cấp", "Mã TP", "Tỉnh / Thành Phố"])
    sheet.append([codes[0], "Phường Thử Một", "Phường", "56", "Tỉnh Khánh Hòa"])
    sheet.append([int(codes[1]), "Xã Thử Hai", "Xã", "19", "Tỉnh Thái Nguyên"])
    path = tmp_path / "danh-muc-xa.xlsx"
    book.save(path)
    coord = token_for("coord")
    body = upload(client, coord, path, endpoint="/api/communes/import").json()
    assert (body["new"], body["error"]) == (2, 0)
    assert not run(Commune.exists().where(Commune.code == codes[0]).run())
    assert upload(client, token_for("dept.khanhhoa"), path, endpoint="/api/communes/import").status_code == 403
    assert upload(client, coord, path, dry_run=False, endpoint="/api/communes/import").status_code == 201
    rows = run(Commune.select(Commune.code, Commune.province).where(Commune.code.is_in(codes)).order_by(
        Commune.code).run())
    assert {r["code"]: r["province"] for r in rows} == {codes[0]: province_id("56"), codes[1]: province_id("19")}
    # A bad row: nothing saved.
    sheet.append(["123456", "Xã Sai", "Xã", "99", ""])
    book.save(path)
    response = upload(client, coord, path, dry_run=False, endpoint="/api/communes/import")
    assert response.status_code == 422 and "Dòng 4" in response.text


def training(*args):
    return subprocess.run([sys.executable, "-m", "training.cli.main", *args], cwd=ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=120)


def test_cli_staff_and_units_import(tmp_path):
    path = write_xlsx(tmp_path / "cli.xlsx", [person_row("Dòng Lệnh Ngọc"), person_row("Dòng Lệnh Oanh")])
    result = training("staff", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "2 mới" in result.stdout and people_named("Dòng Lệnh") == []
    result = training("staff", "import", str(path), "--commit")
    assert result.returncode == 0, result.stderr
    assert len(people_named("Dòng Lệnh")) == 2
    bad = write_csv(tmp_path / "units.csv", [], header=["Mã", "Tên"])
    result = training("units", "import", str(bad))
    assert result.returncode == 2 and "Tỉnh" in result.stderr


def test_staff_tool_page(client):
    assert client.get("/tools/staff", follow_redirects=False).headers["location"] == "/admin/"
    AdminSession(client, "dept.khanhhoa")
    page = client.get("/tools/staff")
    assert page.status_code == 200 and "Nhập danh sách cán bộ" in page.text and 'id="file"' in page.text
    assert "/api/staff/import" in client.get("/tools/staff.js").text
