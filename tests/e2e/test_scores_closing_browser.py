"""Issue 12 item 4 in real Chromium: the scores grid (/classes/{id}/scores: decimal comma, Tab down the column,
one save; a refused save keeps what was typed and marks the wrong row) and closing (/classes/{id}/close: who
completes, who fails and why, the warnings, one confirmation), counting clicks and typed fields; axe-core on
both pages; screenshots under tests/artifacts/."""

import datetime as dt

from factories import ARTIFACTS, make_class, make_course, make_enrolment, make_person, run
from factories.browser import axe_violations, sign_in

from training.auth.access import SYSTEM
from training.classes.attendance import mark_session
from training.classes.scheduling import SessionSpec, add_sessions
from training.classes.tables import Enrolment, TrainingClass
from training.core.collation import vi_name_key

PHONE = {"width": 390, "height": 844}
TODAY = dt.date.today()
NAMES = ["Nguyễn Thị Ánh", "Trần Văn Bảo", "Lê Thị Cúc", "Phạm Văn Đạt", "Hoàng Thị Én"]


def a_class_to_close() -> dict:
    """A running class (pass mark 5, minimum 75 %) with five learners, three sessions marked all present and
    today's session not marked yet."""
    course = make_course(pass_mark=5.0, min_attendance_share=0.75, name_vi="Bồi dưỡng công tác xã hội")
    cls = make_class("56", course=course["id"], status="running", capacity=5,
                     start_date=TODAY - dt.timedelta(days=5), end_date=TODAY)
    sessions = run(add_sessions(cls["id"], [SessionSpec(TODAY - dt.timedelta(days=d), dt.time(8), dt.time(11))
                                            for d in (3, 2, 1, 0)], SYSTEM))
    enrolments = {n: make_enrolment(cls["id"], make_person("56", full_name=n)["id"])["id"] for n in NAMES}
    for session in sessions[:3]:
        run(mark_session(session["id"], [], SYSTEM, default="present"))
    return {"class": cls, "enrolments": enrolments, "sessions": sessions}


def scores_of(enrolments: dict[str, int]) -> dict[str, float | None]:
    rows = run(Enrolment.select(Enrolment.id, Enrolment.score).where(
        Enrolment.id.is_in(list(enrolments.values()))).run())
    by_id = {r["id"]: r["score"] for r in rows}
    return {n: by_id[e] for n, e in enrolments.items()}


def test_scores_with_tab_and_comma_then_close_after_the_preview(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = a_class_to_close()
    class_id = data["class"]["id"]
    names = sorted(NAMES, key=vi_name_key)
    typed = {names[0]: "8,5", names[1]: "9", names[2]: "4,75", names[3]: "10", names[4]: "6.25"}
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    sign_in(page, live_server, "coord")
    page.set_viewport_size(PHONE)
    clicks = fields = 0
    page.goto(f"{live_server}/classes/{class_id}/scores")  # from the class workspace: one click on "Nhập điểm"
    clicks += 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # readable at 390 px
    assert page.get_by_role("link", name=f"Lớp {data['class']['code']}").get_attribute("href") == f"/classes/{class_id}"
    for name in names:  # each input is named by the learner's full name, and asks for a decimal keyboard
        box = page.get_by_role("textbox", name=name, exact=True)
        assert box.get_attribute("inputmode") == "decimal"
    page.get_by_role("textbox", name=names[0], exact=True).click()
    clicks += 1
    for i, name in enumerate(names):  # type, Tab to the next learner down the column
        assert page.evaluate("document.activeElement.id") == f"score-{data['enrolments'][name]}"
        page.keyboard.type(typed[name])
        fields += 1
        if i < len(names) - 1:
            page.keyboard.press("Tab")
    page.screenshot(path=str(ARTIFACTS / "scores-typed.png"), full_page=True)
    page.get_by_role("button", name="Lưu điểm").click()
    clicks += 1
    page.wait_for_selector("text=Đã lưu điểm lúc")
    assert scores_of(data["enrolments"]) == {names[0]: 8.5, names[1]: 9.0, names[2]: 4.75, names[3]: 10.0,
                                             names[4]: 6.25}
    # the grid shows them back with a decimal comma
    page.reload()
    assert page.get_by_role("textbox", name=names[0], exact=True).input_value() == "8,5"
    page.get_by_role("link", name="Kết thúc lớp →").click()
    clicks += 1
    page.wait_for_selector("#confirm")
    warnings = page.locator(".warnings li").all_inner_texts()
    assert len(warnings) == 1 and TODAY.strftime("%d/%m/%Y") in warnings[0] and "chưa có điểm danh" in warnings[0]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("tr.failed").count() == 1  # 4,75 is below the pass mark; 3 of 4 sessions is enough
    assert "điểm 4,75 thấp hơn điểm đạt 5" in page.locator("tr.failed").inner_text()
    assert "bị tính là vắng" in page.locator("tr.completed").first.inner_text()  # said, not silent
    page.screenshot(path=str(ARTIFACTS / "close-preview-phone.png"), full_page=True)
    page.get_by_role("button", name="Xác nhận và kết thúc lớp").click()
    clicks += 1
    page.wait_for_selector("text=Lớp đã kết thúc: 4 hoàn thành, 1 không hoàn thành.")
    page.screenshot(path=str(ARTIFACTS / "close-done-phone.png"), full_page=True)
    statuses = run(Enrolment.select(Enrolment.status).where(Enrolment.training_class == class_id).run())
    assert sorted(r["status"] for r in statuses) == ["completed"] * 4 + ["failed"]
    page.close()
    # open the grid, focus the first score, 5 typed scores (Tab between them), save, open closing, confirm
    assert clicks == 5 and fields == 5, (clicks, fields)


def test_the_preview_shows_reasons_and_warnings_and_a_stale_preview_is_refused(browser, live_server):
    data = a_class_to_close()
    class_id, names = data["class"]["id"], sorted(NAMES, key=vi_name_key)
    run(mark_session(data["sessions"][3]["id"], [], SYSTEM, default="present"))  # today's session marked too
    for name, score in zip(names, [8.5, 9, 4.5, None, 7], strict=True):
        run(Enrolment.update({Enrolment.score: score}).where(Enrolment.id == data["enrolments"][name]).run())
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/classes/{class_id}/close")
    page.wait_for_selector("#confirm")
    warnings = page.locator(".warnings li").all_inner_texts()
    assert len(warnings) == 1 and names[3] in warnings[0] and "chưa có điểm" in warnings[0], warnings
    rows = {page.locator("tr[data-enrolment] th").nth(i).inner_text().split("\n")[0]:
            page.locator("tr[data-enrolment]").nth(i) for i in range(5)}
    assert "điểm 4,5 thấp hơn điểm đạt 5" in rows[names[2]].inner_text()
    assert "chưa có điểm" in rows[names[3]].inner_text()
    assert "Hoàn thành · Giỏi" in rows[names[0]].inner_text()
    serious = axe_violations(page)
    # meanwhile a score changes: confirming the preview on the page is refused and nothing closes
    run(Enrolment.update({Enrolment.score: 3}).where(Enrolment.id == data["enrolments"][names[4]]).run())
    page.get_by_role("button", name="Xác nhận và kết thúc lớp").click()
    page.wait_for_selector("#summary .error")
    assert "xem lại" in page.inner_text("#summary")
    assert run(TrainingClass.select(TrainingClass.status).where(TrainingClass.id == class_id).first().run())[
        "status"] == "running"
    page.screenshot(path=str(ARTIFACTS / "close-stale.png"), full_page=True)
    page.get_by_role("link", name="Xem lại kết quả dự kiến").click()
    page.wait_for_selector("#confirm")
    assert "điểm 3 thấp hơn điểm đạt 5" in page.locator("tr[data-enrolment]").nth(4).inner_text()
    page.get_by_role("button", name="Xác nhận và kết thúc lớp").click()
    page.wait_for_selector("text=Lớp đã kết thúc: 2 hoàn thành, 3 không hoàn thành.")
    issue = page.get_by_role("link", name="Bước tiếp theo: cấp chứng chỉ →")
    assert issue.get_attribute("href") == "/tools/certificates"
    page.screenshot(path=str(ARTIFACTS / "close-done.png"), full_page=True)
    serious += axe_violations(page)
    # a refused scores save keeps what was typed and marks the row
    page.goto(f"{live_server}/classes/{class_id}/scores")
    assert page.get_by_role("textbox", name=names[0], exact=True).is_disabled()  # closed: no more changes
    context.close()
    other = a_class_to_close()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "coord")  # on the admin's own page, laid out for a desktop
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/classes/{other['class']['id']}/scores")
    page.get_by_role("textbox", name=names[0], exact=True).fill("7,5")
    page.get_by_role("textbox", name=names[2], exact=True).fill("11")
    page.get_by_role("button", name="Lưu điểm").click()
    page.wait_for_selector("#summary .error")
    assert page.get_by_role("textbox", name=names[2], exact=True).get_attribute("aria-invalid") == "true"
    assert page.locator("tr.wrong").count() == 1
    assert names[2] in page.inner_text("#problems") and "0–10" in page.inner_text("#problems")
    assert page.get_by_role("textbox", name=names[0], exact=True).input_value() == "7,5"  # kept
    assert scores_of(other["enrolments"])[names[0]] is None  # nothing saved
    page.screenshot(path=str(ARTIFACTS / "scores-refused.png"), full_page=True)
    serious += axe_violations(page)
    context.close()
    assert serious == [], "\n".join(serious)
