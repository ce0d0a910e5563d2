"""Issue 13 item 5 (ADR 0039): the learner's pages on a 390 px phone. She signs in at /login with her phone
number, sees /me, changes her contact details at /me/account and reads /me/record: no page scrolls
sideways, every tap target is at least 44 px, axe-core finds nothing critical or serious; a screenshot of
each page is kept in tests/artifacts/."""

from __future__ import annotations

import datetime as dt

from factories import (
    ARTIFACTS,
    PASSWORD,
    cccd_serial,
    make_class,
    make_course,
    make_enrolment,
    make_person,
    run,
    unique,
)
from factories.browser import axe_violations

from training.auth.accounts import create_account
from training.records.validation import cccd_for

PHONE = {"width": 390, "height": 844}

# Every visible control, and the size of what a finger hits (a radio or checkbox: its label).
SMALL_TARGETS = """() => [...document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea')]
  .map(el => (el.type === 'radio' || el.type === 'checkbox') ? el.closest('label') || el : el)
  .filter(el => el.getClientRects().length)
  .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
  .filter(([, r]) => r.height < 44 || r.width < 44)
  .map(([html, r]) => `${html} ${Math.round(r.width)}x${Math.round(r.height)}`)"""


def learner_with_a_record() -> dict:
    cccd = cccd_for(dt.date(1993, 2, 14), "female", "56", cccd_serial())
    phone = f"09{cccd_serial():08d}"
    person = make_person(full_name="Nguyễn Thị Thanh Hương", sex="female", date_of_birth=dt.date(1993, 2, 14),
                         citizen_id=cccd, phone=phone, email=f"{unique('huong')}@example.org")
    for year, hours in ((2024, 24), (2025, 40)):
        course = make_course(hours=hours, name_vi="Bồi dưỡng nghiệp vụ công tác xã hội với người cao tuổi")
        cls = make_class(course=course["id"], start_date=dt.date(year, 5, 6), end_date=dt.date(year, 5, 10),
                         status="closed")
        make_enrolment(cls["id"], person["id"], status="completed", classification="Khá", score=7.0)
    username = unique("hv.phone")
    run(create_account(username, "learner", PASSWORD, person_id=person["id"]))
    return {"person": person, "phone": phone, "username": username}


def check_page(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"learner-{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} scrolls sideways"
    assert page.evaluate(SMALL_TARGETS) == [], name
    assert axe_violations(page) == [], name


def test_learner_pages_on_a_phone(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    hv = learner_with_a_record()
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    check_page(page, "login")
    page.fill("#username", hv["phone"])
    page.fill("#password", "Sai@123456")
    page.click("button[type=submit]")
    page.wait_for_selector("p.error")
    assert "Quên mật khẩu" in page.inner_text("p.error")
    check_page(page, "login-error")

    page.fill("#username", "+84 " + hv["phone"][1:])
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/me")
    check_page(page, "me")

    page.click("text=Tài khoản của tôi")
    page.wait_for_url(f"{live_server}/me/account")
    check_page(page, "account")
    page.fill("#phone", "0987 654 321")
    page.click("text=Lưu thông tin liên hệ")
    page.wait_for_url(f"{live_server}/me/account?done=contacts")
    assert page.input_value("#phone") == "0987654321"
    assert "Đã lưu thông tin liên hệ" in page.inner_text("main")

    page.click("text=Quá trình đào tạo của tôi")
    page.wait_for_url(f"{live_server}/me/record")
    assert "64" in page.inner_text("table.years")
    check_page(page, "record")
    context.close()
