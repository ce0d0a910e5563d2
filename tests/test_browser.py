"""A real browser (Debian's Chromium driven by Playwright) signs in to the admin in Vietnamese."""

import datetime as dt

import pytest
from conftest import ARTIFACTS, PASSWORD, make_class

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_coordinator_signs_in_and_sees_the_class_list_in_vietnamese(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    cls = make_class("56", start_date=dt.date(2026, 4, 6), end_date=dt.date(2026, 4, 17))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server}/admin/")
    page.wait_for_selector("input[type=password]")
    page.screenshot(path=str(ARTIFACTS / "admin-login.png"))
    assert "Tên đăng nhập" in page.inner_text("body")
    page.fill("input[name=username]", "coord")
    page.fill("input[type=password]", PASSWORD)
    page.press("input[type=password]", "Enter")
    page.wait_for_selector("text=Đào tạo")
    page.goto(f"{live_server}/admin/#/training_class/")
    page.wait_for_selector(f"text={cls['code']}")
    body = page.inner_text("body").lower()  # the admin's CSS capitalises words
    for label in ("Lớp học", "Ngày bắt đầu", "Tỉnh tổ chức", "Sĩ số tối đa", "Thêm mới", "Học viên và đơn vị"):
        assert label.lower() in body, label
    assert "dự kiến" in body  # the status choice, in Vietnamese
    page.screenshot(path=str(ARTIFACTS / "admin-class-list.png"), full_page=True)
    page.goto(f"{live_server}/admin/#/training_class/{cls['id']}/")
    page.wait_for_selector("text=Hình thức đào tạo")
    assert "sửa lớp học" in page.inner_text("body").lower()
    page.screenshot(path=str(ARTIFACTS / "admin-class-edit.png"), full_page=True)
    page.close()
