"""The admin and the API schema work in a real browser (Debian's Chromium) under the Content-Security-Policy."""

from __future__ import annotations

from factories import PASSWORD, learner_account
from factories.browser import ARGS, CHROMIUM, sign_in


def test_admin_and_schema_work_in_chromium_under_the_csp(live_server, no_failures):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        sign_in(page, live_server, "coord")
        page.goto(f"{live_server}/admin/#/training_class/")
        page.wait_for_selector("text=Thêm mới")
        page.goto(f"{live_server}/admin/#/province/")
        page.wait_for_selector("table tr >> nth=5", state="attached")
        page.goto(f"{live_server}/tools/roster")
        page.wait_for_selector("main h1, main p")
        page.goto(f"{live_server}/schema")
        page.wait_for_selector(".swagger-ui .information-container")
        page.goto(f"{live_server}/login")
        page.wait_for_selector("#username")
        # refusals at the admin's login page are explained in Vietnamese (piccolo says "Problem logging in")
        username = learner_account()
        other = browser.new_page()
        other.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        for password, expected in ((PASSWORD, "Tài khoản học viên không đăng nhập được vào trang quản trị"),
                                   ("sai-mat-khau", "Tên đăng nhập hoặc mật khẩu không đúng")):
            other.goto(f"{live_server}/admin/")
            other.wait_for_selector("input[type=password]")
            other.fill("input[name=username]", username)
            other.fill("input[type=password]", password)
            other.press("input[type=password]", "Enter")
            other.wait_for_selector(f"text={expected}")
        browser.close()
    csp = [m for m in problems if "Content Security Policy" in m or "Refused to" in m]
    assert not csp, csp
