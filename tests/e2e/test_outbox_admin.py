"""The outbox in the admin, in a real browser (ADR 0037): a coordinator finds a message that could not be
sent with its reason, in Vietnamese, without its one-time code or address; the page passes axe-core."""

import pytest
from factories import ARTIFACTS, free_port, run, unique
from factories.browser import axe_violations, sign_in

from training.notifications.outbox import enqueue_address
from training.notifications.sender import deliver_due


@pytest.fixture(scope="module")
def context(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}, locale="vi-VN")
    yield context
    context.close()


def test_a_coordinator_sees_a_failed_message_and_its_reason(context, live_server, monkeypatch):
    # A gateway nobody listens on, one try allowed: the message fails with the reason.
    monkeypatch.setenv("TRAINING_SMS_WEBHOOK_URL", f"http://127.0.0.1:{free_port()}/sms")
    monkeypatch.setenv("TRAINING_NOTIFY_MAX_ATTEMPTS", "1")
    monkeypatch.delenv("TRAINING_SMTP_URL", raising=False)
    nid = run(enqueue_address("account_invitation", "sms", "0933444555", {"secret_code": "777123"},
                              key=unique("invite:")))
    run(deliver_due(500))
    page = context.new_page()
    sign_in(page, live_server, "coord")
    page.goto(f"{live_server}/admin/#/notification/?status=failed")
    page.wait_for_selector("text=ConnectionRefusedError")
    page.wait_for_selector("text=Tin nhắn gửi học viên (hàng đợi gửi)")
    page.screenshot(path=str(ARTIFACTS / "admin-outbox.png"), full_page=True)
    text = page.inner_text("body")
    assert "lỗi gần nhất" in text.lower() and "Gửi không thành công" in text  # headers are upper-cased by CSS
    assert "777123" not in text and "0933444555" not in text
    page.goto(f"{live_server}/admin/#/notification/{nid}")
    page.wait_for_selector("text=Số lần thử")
    page.screenshot(path=str(ARTIFACTS / "admin-outbox-message.png"), full_page=True)
    assert "777123" not in page.inner_text("body") and "0933444555" not in page.content()
    assert axe_violations(page) == []
