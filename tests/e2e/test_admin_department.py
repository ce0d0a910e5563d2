"""The admin that never gets in the way (issue 12 item 6, second half), in a real browser: a department's
menu lists only what it may open, a refusal shows its Vietnamese message, the newest row is on the first
page, forms offer pickers, the home page lists today's work (and passes axe-core)."""

import datetime as dt
import re

import pytest
from factories import ARTIFACTS, make_class, make_course, make_enrolment, make_person, run, unique
from factories.browser import axe_violations, sign_in

SYSTEM_TABLES = {"account", "api_token", "audit_log", "personal_data_access", "piccolo_user", "sessions"}


class Clicks:
    """Counts the clicks, selections and typed fields a user needs (Playwright actions on the page)."""

    def __init__(self, page):
        self.page, self.clicks, self.typed = page, 0, 0

    def click(self, selector: str, **kw) -> None:
        self.clicks += 1
        self.page.click(selector, **kw)

    def select(self, selector: str, value: str) -> None:
        self.clicks += 1
        self.page.select_option(selector, value)

    def fill(self, selector: str, value: str) -> None:
        self.typed += 1
        self.page.fill(selector, value)


@pytest.fixture(scope="module")
def context(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="vi-VN")
    yield context
    context.close()


def menu_tables(page) -> set[str]:
    hrefs = page.eval_on_selector_all("a[href^='#/']", "els => els.map(e => e.getAttribute('href'))")
    return {m.group(1) for h in hrefs if (m := re.fullmatch(r"#/([a-z_]+)/?", h)) and m.group(1) != "forms"}


def test_department_menu_lists_only_what_it_may_open(context, live_server):
    context.clear_cookies()  # each test signs in as its own user
    page = context.new_page()
    sign_in(page, live_server, "dept.khanhhoa")
    page.wait_for_selector("a[href='#/training_class/']")
    page.screenshot(path=str(ARTIFACTS / "admin-department-menu.png"), full_page=True)
    tables = menu_tables(page)
    assert "training_class" in tables and "person" in tables
    assert not tables & SYSTEM_TABLES, tables & SYSTEM_TABLES
    assert page.locator("a[href='/admin-home']").count() == 1 and page.locator("a[href='/schema']").count() == 0
    refused = []
    page.on("response", lambda r: refused.append(f"{r.status} {r.url}") if "/api/" in r.url and r.status >= 400
            else None)
    for table in sorted(tables):
        page.goto(f"{live_server}/admin/#/{table}/")
        page.wait_for_selector("[data-uitest=csv_button]", timeout=15000)
        page.wait_for_load_state("networkidle")
        text = page.inner_text("body")
        assert '{"error"' not in text and "Chỉ điều phối viên" not in text, (table, text[:300])
    assert refused == []
    page.close()


def test_newest_row_is_on_the_first_page_after_adding(context, live_server):
    for _ in range(30):  # more courses than one page holds (25)
        make_course(code=unique("A-"))
    context.clear_cookies()  # each test signs in as its own user
    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/admin/#/course/")
    page.wait_for_selector("[data-uitest=csv_button]")
    page.wait_for_load_state("networkidle")
    user = Clicks(page)
    code = unique("Z-")
    user.click("text=Thêm mới")
    page.wait_for_selector("form input[name=code]")
    page.wait_for_load_state("networkidle")  # the form re-renders once its defaults arrive: fill after that
    page.wait_for_function(  # and once admin-labels.js has shown its default share with a decimal comma
        "() => (document.querySelector('form input[name=min_attendance_share]') || {}).value === '0,8'")
    user.fill("form input[name=code]", code)
    user.fill("form input[name=name_vi]", "Khóa mới nhất")
    user.select("form select[name=level]", "refresher")
    user.fill("form input[name=hours]", "16")
    user.select("form select[name=certificate_kind]", "attestation")
    user.click("[data-uitest=create_button]")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "admin-newest-added.png"), full_page=True)
    user.clicks += 1  # back to the list: the menu's link
    page.goto(f"{live_server}/admin/#/course/")
    page.wait_for_selector("[data-uitest=csv_button]")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / "admin-newest-first.png"), full_page=True)
    assert page.locator(f"td:has-text('{code}')").count() == 1  # on the first page, without sorting
    print(f"add a course and see it: {user.clicks} clicks, {user.typed} typed fields")
    # "Export CSV" downloads the server's export: Vietnamese column names and labels, newest first.
    with page.expect_download() as download:
        page.click("[data-uitest=csv_button]")
    lines = download.value.path().read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("ID,Mã,Tên tiếng Việt") and lines[1].split(",")[1] == code
    assert "Bồi dưỡng, tập huấn" in lines[1] or "Bồi dưỡng" in lines[1]
    page.close()


def test_refusal_shows_its_vietnamese_message_not_json(context, live_server):
    cls = make_class("56")  # its course is in use: deleting the course is refused (409)
    context.clear_cookies()  # each test signs in as its own user
    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server}/admin/#/course/{cls['course']}/")
    page.wait_for_selector("form input[name=code]")
    if not page.locator("[data-uitest=delete_row_button]").is_visible():
        page.click("[data-uitest=drop_down_button]")
    page.click("[data-uitest=delete_row_button]")
    message = "Bản ghi này đang được dữ liệu khác sử dụng nên không xóa được."
    page.wait_for_selector(f"text={message}", timeout=15000)
    page.screenshot(path=str(ARTIFACTS / "admin-error-message.png"), full_page=True)
    assert '{"error"' not in page.inner_text("body")
    page.close()


def test_schedule_form_offers_the_class_and_the_trainer(context, live_server):
    from training.classes.tables import ClassSession, Trainer, TrainerCourse

    cls = make_class("56", status="open", start_date=dt.date(2026, 12, 7), end_date=dt.date(2026, 12, 31))
    trainer = Trainer(person=make_person("56", full_name="Nguyễn Thị Giảng")["id"])
    run(trainer.save().run())
    run(TrainerCourse(trainer=trainer.id, course=cls["course"]).save().run())  # qualified (ADR 0031)
    context.clear_cookies()  # each test signs in as its own user
    page = context.new_page()
    sign_in(page, live_server, "dept.khanhhoa")
    page.click("text=Xếp lịch buổi học theo mẫu")
    page.wait_for_selector("select[name=class_code]")
    user = Clicks(page)
    user.select("select[name=class_code]", cls["code"])
    user.fill("input.typed-date[aria-label='Ngày bắt đầu']", "07/12/2026")  # typed dd/mm/yyyy (ADR 0033)
    user.fill("input[name=count]", "6")
    user.select("select[name=trainer]", str(trainer.id))
    page.screenshot(path=str(ARTIFACTS / "admin-schedule-picker.png"), full_page=True)
    user.click("button[data-uitest=submit_custom_form_button]")
    page.wait_for_selector("#success_message", timeout=15000)
    sessions = run(ClassSession.select().where(ClassSession.training_class == cls["id"]).run())
    assert len(sessions) == 6 and {s["trainer"] for s in sessions} == {trainer.id}
    print(f"schedule 6 sessions with a trainer: {user.clicks} clicks, {user.typed} typed fields")
    page.close()


def test_home_page_lists_todays_work_and_passes_axe(context, live_server):
    today = dt.date.today()
    ended = make_class("56", status="running", start_date=today - dt.timedelta(days=20),
                       end_date=today - dt.timedelta(days=1))
    closed = make_class("56", status="closed", start_date=today - dt.timedelta(days=40),
                        end_date=today - dt.timedelta(days=30))
    make_enrolment(closed["id"], make_person("56")["id"], status="completed")
    context.clear_cookies()  # each test signs in as its own user
    page = context.new_page()
    sign_in(page, live_server, "coord")
    user = Clicks(page)
    user.click("a[href='/admin-home']")
    page.wait_for_selector("h2#h-close")
    assert page.locator(f"a[href='/classes/{ended['id']}']").count() == 1  # waiting to be closed: one click
    assert page.locator(f"a[href='/classes/{closed['id']}']").count() == 1  # certificates waiting
    assert page.locator("a[href='/sessions/today']").count() == 1
    print(f"classes waiting to be closed, today's sessions: {user.clicks} click(s), {user.typed} typed")
    page.screenshot(path=str(ARTIFACTS / "admin-home.png"), full_page=True)
    found = axe_violations(page)
    page.close()
    assert found == [], "\n".join(found)
