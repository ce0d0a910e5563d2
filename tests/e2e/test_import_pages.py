"""Issue 12 item 5 in a real Chromium (ADR 0035): on the roster and sign-in sheet pages "Lưu" is disabled until a
dry run of the file now chosen found no error, and disabled again when another file is chosen; a refused save keeps
the per-row table; the templates download from the pages and import; axe-core finds nothing critical or serious.
The test counts what a coordinator does to import a 30-row roster."""

import datetime as dt
import io

import openpyxl
import pytest
from factories import ARTIFACTS, make_class, make_course, make_person, run, unique
from factories.browser import axe_violations, sign_in
from factories.roster import HEADER, learner, xlsx

from training.auth.access import SYSTEM
from training.classes.enrolment import enrol
from training.classes.scheduling import SessionSpec, add_sessions
from training.classes.tables import Attendance, CoursePrerequisite, Enrolment

TODAY = dt.date.today()
DRY_RUN, SAVE = "Kiểm tra (chạy thử)", "Lưu"


@pytest.fixture()
def context(browser):
    """A fresh context (no sign-in) per test; bypass_csp only to inject axe-core."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="vi-VN",
                                  accept_downloads=True)
    yield context
    context.close()


class Actions:
    """What the coordinator does on the page, counted: clicks (a select or a file picker counts as the two clicks
    it takes: open, choose) and typed fields."""

    def __init__(self, page):
        self.page, self.clicks, self.typed = page, 0, 0

    def choose(self, selector: str, value: str) -> None:
        self.page.select_option(selector, value)
        self.clicks += 2

    def file(self, path) -> None:
        self.page.set_input_files("#file", str(path))
        self.clicks += 2

    def press(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()
        self.clicks += 1


def save_button(page):
    return page.get_by_role("button", name=SAVE, exact=True)


def enrolled(class_id: int) -> int:
    return run(Enrolment.count().where(Enrolment.training_class == class_id).run())


def test_roster_page_saves_only_after_a_dry_run_of_the_chosen_file(context, live_server, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cls = make_class("56", status="open", capacity=40)
    roster, other = tmp_path / "danh-sach-30.xlsx", tmp_path / "danh-sach-khac.xlsx"
    roster.write_bytes(xlsx([learner() for _ in range(30)]))
    other.write_bytes(xlsx([learner() for _ in range(3)]))
    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/tools/roster")
    page.wait_for_selector("#roster")
    assert save_button(page).is_disabled(), "no dry run yet"
    violations = axe_violations(page)

    act = Actions(page)
    act.choose("#class", str(cls["id"]))
    act.file(roster)
    assert save_button(page).is_disabled()
    act.press(DRY_RUN)
    page.wait_for_selector("text=30 dòng: 30 người mới")
    assert save_button(page).is_enabled(), "the dry run of this file found no error"
    page.screenshot(path=str(ARTIFACTS / "import-roster-checked.png"), full_page=True)
    violations += axe_violations(page)  # with the per-row table

    page.set_input_files("#file", str(other))  # another file: the dry run no longer holds
    assert save_button(page).is_disabled()
    page.set_input_files("#file", str(roster))  # chosen again: it may have been edited, check again
    assert save_button(page).is_disabled()
    page.select_option("#class", str(cls["id"]))
    act.press(DRY_RUN)
    page.wait_for_selector("text=30 dòng: 30 người mới")
    act.press(SAVE)
    page.wait_for_selector("text=Đã lưu: 30 học viên được ghi danh.")
    assert save_button(page).is_disabled(), "saved: nothing more to save"
    assert page.locator("#rows tr").count() == 31
    page.screenshot(path=str(ARTIFACTS / "import-roster-saved.png"), full_page=True)
    assert enrolled(cls["id"]) == 30
    # Import a 30-row roster: class (2), file (2), dry run (1), save (1); nothing typed.
    assert (act.clicks - 1, act.typed) == (6, 0), (act.clicks, act.typed)  # minus the second dry run above
    page.close()
    assert violations == [], "\n".join(violations)


def test_a_refused_save_keeps_the_per_row_table(context, live_server, tmp_path):
    course, needed = make_course(), make_course()
    cls = make_class("56", course=course["id"], status="open", capacity=10)
    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(xlsx([learner() for _ in range(3)]))
    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/tools/roster")
    page.select_option("#class", str(cls["id"]))
    page.set_input_files("#file", str(path))
    page.get_by_role("button", name=DRY_RUN).click()
    page.wait_for_selector("text=3 dòng: 3 người mới")
    # Between the dry run and the save the course gets a prerequisite: every row is now refused.
    run(CoursePrerequisite.insert(CoursePrerequisite(course=course["id"], required_course=needed["id"])).run())
    save_button(page).click()
    page.wait_for_selector("text=3 dòng của tệp có lỗi")
    rows = page.locator("#rows tr")
    assert rows.count() == 4, "the header and the three rows, not one line"
    for number in (2, 3, 4):
        assert f"Dòng {number}: " in rows.nth(number - 1).inner_text()
        assert "cần hoàn thành trước" in rows.nth(number - 1).inner_text()
    assert page.inner_text("#summary") == "3 dòng của tệp có lỗi (các dòng 2, 3, 4); chưa lưu gì."
    assert save_button(page).is_disabled()
    page.screenshot(path=str(ARTIFACTS / "import-roster-refused.png"), full_page=True)
    assert enrolled(cls["id"]) == 0
    page.close()


def test_templates_download_from_the_pages(context, live_server):
    week = dt.timedelta(days=3)
    cls = make_class("56", status="open", start_date=TODAY - week, end_date=TODAY + week)
    run(add_sessions(cls["id"], [SessionSpec(TODAY - dt.timedelta(days=2), dt.time(8), dt.time(11))], SYSTEM))
    person = make_person("56", full_name=unique("Mẫu Điểm Danh "))
    run(enrol(cls["id"], person["id"], SYSTEM))
    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/tools/roster")
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải tệp mẫu (.xlsx, có một dòng mẫu)").click()
    assert info.value.suggested_filename == "mau-danh-sach-hoc-vien.xlsx"
    values = list(openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes())).active.iter_rows(values_only=True))
    assert list(values[1]) == HEADER and values[2][4].startswith("001")

    page.goto(f"{live_server}/tools/attendance-sheet")
    page.select_option("#class", str(cls["id"]))
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải bảng điểm danh của lớp này").click()
    assert info.value.suggested_filename == f"diem-danh-{cls['code'].upper()}.xlsx"
    values = list(openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes())).active.iter_rows(values_only=True))
    assert values[1][:4] == ("STT", "Họ và tên", "Ngày sinh", (TODAY - dt.timedelta(days=2)).strftime("%d/%m/%Y"))
    assert values[2][1] == person["full_name"]
    page.close()


def test_sign_in_sheet_page_dry_run_then_save(context, live_server, tmp_path):
    cls = make_class("56", status="open", start_date=TODAY - dt.timedelta(days=7), end_date=TODAY)
    sessions = run(add_sessions(cls["id"], [SessionSpec(TODAY - dt.timedelta(days=d), dt.time(8), dt.time(11))
                                            for d in (6, 5)], SYSTEM))
    people = [make_person("56", full_name=unique("Điểm danh ")) for _ in range(2)]
    for p in people:
        run(enrol(cls["id"], p["id"], SYSTEM))
    book = openpyxl.Workbook()
    book.active.append(["STT", "Họ và tên"] + [s["session_date"].strftime("%d/%m/%Y") for s in sessions])
    book.active.append([1, people[0]["full_name"], "x", "M"])
    book.active.append([2, people[1]["full_name"], "P", "x"])
    good, bad = tmp_path / "diem-danh.xlsx", tmp_path / "diem-danh-loi.xlsx"
    book.save(good)
    book.active.append([3, "Người Lạ", "x", "x"])
    book.save(bad)

    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/tools/attendance-sheet")
    act = Actions(page)
    act.choose("#class", str(cls["id"]))
    act.file(bad)
    act.press(DRY_RUN)
    page.wait_for_selector("text=3 dòng: 1 dòng có lỗi")
    assert "Người Lạ không có tên trong lớp này" in page.inner_text("#rows")
    assert save_button(page).is_disabled(), "a file with errors cannot be saved"
    violations = axe_violations(page)
    act.file(good)
    act.press(DRY_RUN)
    page.wait_for_selector("text=2 dòng: 0 dòng có lỗi; sẽ điểm danh 2 buổi học.")
    assert save_button(page).is_enabled()
    assert run(Attendance.count().where(Attendance.session.is_in([s["id"] for s in sessions])).run()) == 0
    page.screenshot(path=str(ARTIFACTS / "import-sheet-checked.png"), full_page=True)
    act.press(SAVE)
    page.wait_for_selector("text=Đã lưu điểm danh cho 2 buổi học.")
    page.screenshot(path=str(ARTIFACTS / "import-sheet-saved.png"), full_page=True)
    marks = run(Attendance.select(Attendance.status).where(Attendance.session.is_in([s["id"] for s in sessions])).run())
    assert sorted(m["status"] for m in marks) == ["excused", "late", "present", "present"]
    page.close()
    assert violations == [], "\n".join(violations)

