"""Accessibility: axe-core (installed from npm by scripts/test.sh, injected by the test, never fetched by
the browser) finds no critical or serious violation on the pages we render, the admin login and the
admin class list (issue 12 item 8)."""

import datetime as dt

import pytest
from factories import ARTIFACTS, PASSWORD, make_class, run
from factories.browser import axe_violations, sign_in
from factories.certificates import certificates_of, closed_class, issue

from certificates.tables import Certificate
from training.auth.accounts import create_account


@pytest.fixture(scope="module")
def context(browser):
    # The pages' Content-Security-Policy forbids inline scripts; the test injects axe anyway.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="vi-VN")
    yield context
    context.close()


def check(page, url: str, ready: str, name: str) -> list[str]:
    page.goto(url)
    page.wait_for_selector(ready)
    page.screenshot(path=str(ARTIFACTS / f"axe-{name}.png"), full_page=True)
    return [f"{name}: {v}" for v in axe_violations(page)]


def test_public_and_learner_pages_have_no_serious_accessibility_violation(context, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cls = closed_class()
    issue(cls)
    number = certificates_of(cls)[0]["number"]
    run(create_account("hocvien.axe", "learner", PASSWORD, person_id=cls["people"][0]["id"]))
    page = context.new_page()
    found = check(page, f"{live_server}/verify", "form", "verify")
    found += check(page, f"{live_server}/verify/{number}", "main", "verify-number")
    found += check(page, f"{live_server}/login", "#username", "login")
    page.fill("#username", "hocvien.axe")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Chứng chỉ của tôi")
    found += [f"me: {v}" for v in axe_violations(page)]
    page.screenshot(path=str(ARTIFACTS / "axe-me.png"), full_page=True)
    found += check(page, f"{live_server}/admin/", "input[type=password]", "admin-login")
    # The admin's inputs are announced in Vietnamese.
    assert page.get_by_label("Tên đăng nhập").count() == 1 and page.get_by_label("Mật khẩu").count() == 1
    page.close()
    assert found == [], "\n".join(found)


def test_coordinator_pages_have_no_serious_accessibility_violation(context, live_server):
    make_class("56", start_date=dt.date(2026, 4, 6), end_date=dt.date(2026, 4, 17))
    page = context.new_page()
    sign_in(page, live_server, "coord")
    found = check(page, f"{live_server}/admin/#/training_class/", "text=Thêm mới", "admin-class-list")
    assert page.get_by_label("Chọn tất cả các dòng").count() == 1 and page.get_by_label("Số dòng mỗi trang").count()
    for path, name in (("/tools/roster", "tools-roster"), ("/tools/attendance-sheet", "tools-sheet"),
                       ("/tools/staff", "tools-staff"), ("/tools/certificates", "tools-certificates"),
                       ("/dashboard", "dashboard"), ("/dashboard/56", "dashboard-province")):
        found += check(page, f"{live_server}{path}", "main", name)
    page.close()
    assert found == [], "\n".join(found)


def test_the_learners_page_is_readable_on_a_phone(context, live_server):
    """Issue 12 item 7: /me at 390 px wide: no sideways scrolling, each certificate a card with its
    labels, both downloads visible and big enough to tap."""
    cls = closed_class()
    issue(cls)
    person = cls["people"][0]
    number = run(Certificate.select(Certificate.number).where(Certificate.enrolment.person == person["id"])
                 .first().run())["number"]
    run(create_account("hocvien.phone", "learner", PASSWORD, person_id=person["id"]))
    page = context.new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    page.fill("#username", "hocvien.phone")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Chứng chỉ của tôi")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    card = page.locator("table.cards tbody tr").first
    assert number in card.inner_text()
    shown = card.locator("td").first.evaluate("td => getComputedStyle(td, '::before').content")
    assert shown == '"Số hiệu"'  # each value under its label, drawn by the stylesheet
    for label in ("PDF (tiếng Việt)", "PDF (tiếng Anh)"):
        link = card.get_by_role("link", name=label)
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert link.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["height"] >= 30, box
    page.screenshot(path=str(ARTIFACTS / "me-phone.png"), full_page=True)
    assert axe_violations(page) == []
    page.close()
