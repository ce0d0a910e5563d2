"""Issue 13 (ADR 0038), done-when: a learner on a phone (390 × 844) opens /activate, types her email, the
activation code of her invitation (read from the outbox row: the sender is another item) and a new password
twice, lands on /me and downloads her certificate PDF. /activate, /login/forgot and /login/reset pass axe-core
(0 critical or serious)."""

import json

from factories import ARTIFACTS, run, unique
from factories.browser import axe_violations
from factories.certificates import closed_class, issue

from training.auth.access import SYSTEM
from training.auth.invitations import invite
from training.notifications.tables import Notification

PHONE = {"width": 390, "height": 844}
PASSWORD = "HocVien2026"


def invitation_code(person_id: int) -> str:
    row = run(Notification.select(Notification.params).where(
        (Notification.person == person_id) & (Notification.kind == "account_invitation")).first().run())
    params = json.loads(row["params"]) if isinstance(row["params"], str) else row["params"]
    return params["secret_code"]


def test_a_learner_activates_her_account_on_a_phone_and_downloads_her_certificate(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cls = closed_class(names=["Nguyễn Thị Ngọc Ánh"], email=f"{unique('anh')}@example.org")
    issue(cls)
    person = cls["people"][0]
    result = run(invite(SYSTEM, class_id=cls["id"]))
    assert (result.created, result.by_email) == (1, 1)
    code = invitation_code(person["id"])

    context = browser.new_context(viewport=PHONE, locale="vi-VN", has_touch=True, bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    serious = []
    for path in ("/login/forgot", "/login/reset"):
        page.goto(f"{live_server}{path}")
        serious += axe_violations(page)
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Kích hoạt tài khoản").click()
    page.wait_for_url(f"{live_server}/activate")
    serious += axe_violations(page)
    page.get_by_label("Số CCCD, số điện thoại hoặc email").fill(person["email"])
    page.get_by_label("Mã (8 ký tự)").fill(code.lower())
    page.get_by_label("Mật khẩu mới", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu mới").fill(PASSWORD)
    page.screenshot(path=str(ARTIFACTS / "activate-phone.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"/activate is {width} px wide on a 390 px phone"
    page.get_by_role("button", name="Kích hoạt và đăng nhập").click()
    page.wait_for_url(f"{live_server}/me")
    assert "Nguyễn Thị Ngọc Ánh" in page.inner_text("h1")
    page.screenshot(path=str(ARTIFACTS / "activate-phone-me.png"), full_page=True)
    with page.expect_download() as download:
        page.locator('a[href^="/api/certificates/"][href$="/pdf"]').first.click()
    content = open(download.value.path(), "rb").read()
    assert content.startswith(b"%PDF")
    context.close()
    assert serious == []


def test_a_coordinator_invites_a_class_from_its_workspace(browser, live_server):
    from factories import make_class, make_enrolment, make_person
    from factories.browser import sign_in

    cls = make_class("56", status="open")
    for i, values in enumerate(({"email": f"{unique('m')}@example.org"}, {"phone": "0912000111"}, {})):
        make_enrolment(cls["id"], make_person("56", full_name=f"Lê Thị Mời {i}", sex="female", **values)["id"])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN", bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/classes/{cls['id']}")
    page.get_by_role("link", name="Mời học viên tạo tài khoản").click()
    page.wait_for_url(f"{live_server}/classes/{cls['id']}/invitations")
    serious = axe_violations(page)
    page.get_by_role("button", name="Mời học viên").click()
    page.wait_for_selector("#result-title")
    serious += axe_violations(page)
    page.screenshot(path=str(ARTIFACTS / "invitations-class.png"), full_page=True)
    assert "Tài khoản mới" in page.inner_text("main")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải phiếu mời kích hoạt (PDF)").click()
    assert open(download.value.path(), "rb").read().startswith(b"%PDF")
    page.goto(f"{live_server}/login/forgot")
    page.screenshot(path=str(ARTIFACTS / "forgot.png"), full_page=True)
    context.close()
    assert serious == []
