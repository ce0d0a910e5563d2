"""Issue 12 item 1: the class workspace in a real Chromium. A coordinator opens the class list from the admin's
sidebar, finds a class, opens it, schedules 6 sessions with a trainer picked from a list and enrols a learner
picked from a search: every click and typed field is counted. axe-core finds no critical or serious violation on
/classes and /classes/{id}; screenshots at 1280 px and 390 px (tests/artifacts/workspace-*.png)."""

import datetime as dt

from factories import ARTIFACTS, make_class, make_course, make_person, run, unique
from factories.browser import axe_violations, sign_in

from training.classes.tables import ClassSession, Enrolment, Trainer, TrainerCourse

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


class Counted:
    """The page's clicks (and list choices) and typed fields, as the test does them."""

    def __init__(self, page):
        self.page, self.clicks, self.typed = page, 0, 0

    def click(self, locator):
        self.clicks += 1
        locator.click()

    def choose(self, locator, label):
        self.clicks += 1
        locator.select_option(label=label)

    def type(self, locator, text):
        self.typed += 1
        locator.fill(text)


def next_monday() -> dt.date:
    today = dt.date.today()
    return today + dt.timedelta(days=7 - today.weekday())


def seed():
    course = make_course(name_vi="Công tác xã hội với trẻ em")
    start = next_monday()
    cls = make_class("56", status="open", course=course["id"], code=unique("KH-WS-"), capacity=25,
                     start_date=start, end_date=start + dt.timedelta(days=11), venue="Hội trường Sở Y tế")
    trainer = Trainer(person=make_person("56", full_name="Võ Thị Giảng")["id"])
    run(trainer.save().run())
    run(TrainerCourse(trainer=trainer.id, course=course["id"]).save().run())  # qualified (ADR 0031)
    learner = make_person("56", full_name="Đinh Thị Hồng Nhung")
    return cls, trainer.id, learner


def test_a_coordinator_schedules_six_sessions_and_enrols_a_learner(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cls, trainer, learner = seed()
    page = browser.new_page(viewport=DESKTOP, locale="vi-VN")
    sign_in(page, live_server, "coord")
    do = Counted(page)
    do.click(page.get_by_role("link", name="Quản lý lớp học"))  # the admin's sidebar
    page.wait_for_selector("h1:has-text('Lớp học')")
    do.type(page.get_by_label("Mã lớp"), cls["code"])
    do.click(page.get_by_role("button", name="Xem"))
    page.wait_for_url("**/classes?**")
    page.screenshot(path=str(ARTIFACTS / "workspace-list-1280.png"), full_page=True)
    do.click(page.get_by_role("link", name=cls["code"]))
    page.wait_for_selector("#schedule-form")
    assert page.url.endswith(f"/classes/{cls['id']}")
    # the actions that apply to an open class, in order
    assert page.locator("ol.actions a").all_inner_texts() == ["Xếp lịch buổi học", "Ghi danh học viên",
                                                               "Nhập danh sách học viên"]
    # schedule: 6 sessions from the class's first day, Monday to Friday, 08:00–11:30, with a trainer from the list
    do.choose(page.get_by_label("Giảng viên"), "Võ Thị Giảng")
    do.click(page.get_by_role("button", name="Xếp lịch", exact=True))
    page.wait_for_selector("text=Đã xếp lịch 6 buổi học.")
    rows = run(ClassSession.select().where(ClassSession.training_class == cls["id"]).order_by(
        ClassSession.session_date).run())
    assert len(rows) == 6 and {r["trainer"] for r in rows} == {trainer}
    assert [r["session_date"].weekday() for r in rows] == [0, 1, 2, 3, 4, 0]
    assert page.locator("table.sessions tbody tr").count() == 6
    assert page.locator("table.sessions").inner_text().count("Võ Thị Giảng") == 6
    # enrol: type part of the name, pick the person from the results
    do.type(page.get_by_label("Tìm người theo họ tên hoặc số CCCD"), "Hồng Nhung")
    do.click(page.get_by_role("button", name="Ghi danh Đinh Thị Hồng Nhung"))
    page.wait_for_selector("text=Đã ghi danh Đinh Thị Hồng Nhung: đã xác nhận.")
    enrolled = run(Enrolment.select(Enrolment.person, Enrolment.status).where(
        Enrolment.training_class == cls["id"]).run())
    assert enrolled == [{"person": learner["id"], "status": "confirmed"}]
    assert "Đinh Thị Hồng Nhung" in page.locator("table.roster").inner_text()
    assert "1/25" in page.locator("dl.facts").inner_text()
    page.screenshot(path=str(ARTIFACTS / "workspace-class-1280.png"), full_page=True)
    # From the admin's start page: 6 clicks (sidebar, show, the class, the trainer, schedule, the person) and
    # 2 typed fields (the class code, part of the name).
    assert (do.clicks, do.typed) == (6, 2), (do.clicks, do.typed)
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("table.roster")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    page.screenshot(path=str(ARTIFACTS / "workspace-class-390.png"), full_page=True)
    page.goto(f"{live_server}/classes?q={cls['code']}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(ARTIFACTS / "workspace-list-390.png"), full_page=True)
    page.close()


def test_the_workspace_pages_pass_axe(browser, live_server):
    cls = make_class("56", status="open", code=unique("KH-AX-"))
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN", bypass_csp=True)  # to inject axe-core
    page = context.new_page()
    sign_in(page, live_server, "coord")
    problems = []
    for path in ("/classes", f"/classes/{cls['id']}", "/classes?q=NO-SUCH-CLASS"):
        for size in (DESKTOP, PHONE):
            page.set_viewport_size(size)
            page.goto(f"{live_server}{path}")
            page.wait_for_selector("main h1")
            problems += axe_violations(page)
    assert problems == []
    context.close()
