"""Delivery of the outbox (ADR 0037) through a REAL SMTP server (aiosmtpd on 127.0.0.1, also with STARTTLS
and AUTH over a certificate made here) and a REAL HTTP gateway (http.server on 127.0.0.1) that answers
200, 500 or hangs: each message delivered once, failures retried with backoff then failed with the reason,
a message left ``sending`` by a killed sender tried again after its claim, two senders at once never
delivering one message twice."""

from __future__ import annotations

import datetime as dt
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from factories import free_port, make_person, run, serve, unique
from factories.channels import Inbox
from factories.tls import self_signed

from training.core.config import notify_claim_seconds
from training.notifications.messages import render
from training.notifications.outbox import enqueue, enqueue_address
from training.notifications.sender import claim_due, deliver_due, status_counts
from training.notifications.tables import Notification
from training.people.tables import Person
from training.records.tables import AuditLog

ROOT = Path(__file__).resolve().parents[3]


def sms(params: dict | None = None, kind: str = "certificate_issued", phone: str = "0912345678") -> int:
    return run(enqueue_address(kind, "sms", phone, params or {}, key=unique(f"{kind}:"), language="vi"))


def row(notification_id: int) -> dict:
    return run(Notification.select().where(Notification.id == notification_id).first().output(load_json=True).run())


def at(seconds: float, start: dt.datetime) -> dt.datetime:
    return start + dt.timedelta(seconds=seconds)


# --- tests -------------------------------------------------------------------------------------------

def test_an_sms_is_posted_once_with_the_documented_body_and_its_secret_is_then_blanked(gateway):
    params = {"secret_code": "482913", "full_name": "Nguyễn Thị Hoa"}
    nid = sms(params, kind="account_invitation")
    run(deliver_due(500))
    run(deliver_due(500))  # a second pass finds nothing more to send
    [body] = gateway.bodies([nid])
    expected = render("account_invitation", "vi", params).sms
    assert body == {"id": nid, "to": "0912345678", "text": expected, "kind": "account_invitation",
                    "language": "vi", "attempt": 1}
    assert "482913" in body["text"]
    [request] = [r for r in gateway.requests if r["body"]["id"] == nid]
    assert request["auth"] == "Bearer gw-token-1" and request["key"] == f"notification-{nid}"
    sent = row(nid)
    assert sent["status"] == "sent" and sent["sent_at"] is not None and sent["attempts"] == 1
    assert sent["params"] == {"secret_code": "", "full_name": "Nguyễn Thị Hoa"}


@pytest.mark.parametrize("mode", ["fail", "hang"])
def test_a_failing_gateway_is_retried_with_backoff_then_the_message_fails_with_the_reason(gateway, monkeypatch,
                                                                                          mode):
    monkeypatch.setenv("TRAINING_NOTIFY_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("TRAINING_NOTIFY_RETRY_SECONDS", "60")
    monkeypatch.setenv("TRAINING_NOTIFY_RETRY_MAX_SECONDS", "100")
    gateway.mode = mode
    person = make_person(phone="0987654321")
    nid = run(enqueue("session_cancelled", person["id"], {"class_code": "K-01"}, key=unique("s:")))[0]
    t0 = dt.datetime.now(dt.UTC)
    waits = []
    for offset in (0, 30, 60, 100, 160):  # 30 s and 100 s: not due yet
        run(deliver_due(500, now=at(offset, t0)))
        state = row(nid)
        if state["status"] == "pending":
            waits.append((offset, round((state["next_attempt_at"].replace(tzinfo=dt.UTC) - at(offset, t0))
                                        .total_seconds())))
    assert [b["attempt"] for b in gateway.bodies([nid])] == [1, 2, 3]
    assert waits == [(0, 60), (30, 30), (60, 100), (100, 60)]  # 60 s, then doubled to 120 s, capped at 100 s
    failed = row(nid)
    assert failed["status"] == "failed" and failed["attempts"] == 3 and failed["sent_at"] is None
    assert failed["last_error"] == ("HTTP 500: gateway down" if mode == "fail" else "TimeoutError: timed out")
    # The event the message told of is untouched.
    assert run(Person.select(Person.phone).where(Person.id == person["id"]).first().run())["phone"] == "0987654321"


def test_a_gateway_refusing_the_message_fails_it_at_once(gateway):
    gateway.mode = "refuse"  # 401 (a wrong token): trying the message again cannot help
    nid = sms()
    run(deliver_due(500))
    failed = row(nid)
    assert (failed["status"], failed["attempts"], failed["last_error"]) == ("failed", 1, "HTTP 401: bad token")


def test_an_email_arrives_once_with_a_readable_vietnamese_subject(smtp):
    person = make_person(email=f"{unique('hv')}@example.org", full_name="Lê Thị Thu")
    params = {"course": "Công tác xã hội cơ bản", "number": "KHA-2026-000017"}
    [nid] = run(enqueue("certificate_issued", person["id"], params, key=unique("c:")))
    run(deliver_due(500))
    run(deliver_due(500))
    mine = [m for m in smtp.messages if m["To"] == person["email"]]
    assert len(mine) == 1
    expected = render("certificate_issued", "vi", params)
    assert mine[0]["Subject"] == expected.subject and any(ord(ch) > 127 for ch in expected.subject)
    assert mine[0]["From"] == "dao-tao@so-yte.example.vn" and mine[0]["Message-ID"].startswith(f"<notification-{nid}@")
    assert mine[0].get_content().replace("\r\n", "\n").strip() == expected.text.strip()
    raw_headers = smtp.raw[smtp.messages.index(mine[0])].split(b"\r\n\r\n")[0]
    assert raw_headers.isascii() and b"=?utf-8?" in raw_headers.lower()  # RFC 2047: any mail client reads it
    assert row(nid)["status"] == "sent"


def test_an_smtp_refusal_fails_the_message_with_the_reason_and_keeps_the_event(smtp):
    person = make_person(email="refuse.me@example.org")
    [nid] = run(enqueue("enrolment_confirmed", person["id"], {"class_code": "K-02"}, key=unique("e:")))
    run(deliver_due(500))
    failed = row(nid)
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert failed["last_error"].startswith("SMTP 550: 5.1.1 Hộp thư không tồn tại")
    assert run(Person.count().where(Person.id == person["id"]).run()) == 1
    assert not [m for m in smtp.messages if m["To"] == "refuse.me@example.org"]


@pytest.mark.parametrize("secure", ["starttls", "smtps"])
def test_email_over_starttls_or_ssl_with_a_password(tmp_path, monkeypatch, secure):
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"so.yte", b"p@ss:w/rd")
        logins.append((mechanism, ok))
        return AuthResult(success=ok)

    inbox = Inbox()
    port = free_port()
    tls = {"tls_context": context, "require_starttls": True} if secure == "starttls" else {"ssl_context": context}
    # STARTTLS: the server offers AUTH only once the connection is encrypted. SMTPS is encrypted from the
    # first byte (aiosmtpd does not know it, hence auth_require_tls=False there; no plain client gets in).
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=secure == "starttls", server_hostname="127.0.0.1", **tls)
    controller.start()
    try:
        scheme, query = ("smtp", "starttls=1&") if secure == "starttls" else ("smtps", "")
        monkeypatch.setenv("TRAINING_SMTP_URL", f"{scheme}://so.yte:p%40ss%3Aw%2Frd@127.0.0.1:{port}?{query}cafile={cert}")
        address = f"{unique('hv')}@example.org"
        nid = run(enqueue_address("password_reset", "email", address, {"secret_code": "551177"}, key=unique("p:")))
        run(deliver_due(500))
        assert row(nid)["status"] == "sent", row(nid)["last_error"]
        assert [m["To"] for m in inbox.messages] == [address]
        assert logins and all(ok for _, ok in logins)
    finally:
        controller.stop()


def test_a_channel_without_settings_leaves_its_messages_waiting_and_says_why(gateway, monkeypatch):
    monkeypatch.delenv("TRAINING_SMTP_URL", raising=False)
    nid = run(enqueue_address("certificate_issued", "email", f"{unique('hv')}@example.org", {}, key=unique("c:")))
    run(deliver_due(500))
    waiting = row(nid)
    assert waiting["status"] == "pending" and waiting["attempts"] == 0
    assert "TRAINING_SMTP_URL" in waiting["last_error"]


def test_a_message_left_sending_by_a_killed_sender_is_sent_after_its_claim_runs_out(gateway):
    nid = sms()
    gateway.slow[nid] = 30
    env = {**os.environ, "TRAINING_SMS_WEBHOOK_URL": gateway.url, "TRAINING_NOTIFY_TIMEOUT": "60"}
    env.pop("TRAINING_SMTP_URL", None)
    sender = subprocess.Popen([sys.executable, "-m", "training.cli.main", "notifications", "send"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not gateway.bodies([nid]):
        time.sleep(0.1)
    sender.kill()  # kill -9 while the gateway holds the message: no outcome recorded
    sender.wait()
    assert [b["attempt"] for b in gateway.bodies([nid])] == [1]
    left = row(nid)
    assert (left["status"], left["attempts"]) == ("sending", 1)
    claim_end = left["next_attempt_at"].replace(tzinfo=dt.UTC)
    gateway.slow.clear()
    run(deliver_due(500, now=claim_end - dt.timedelta(seconds=1)))  # still claimed: nobody sends it
    assert len(gateway.bodies([nid])) == 1
    run(deliver_due(500, now=claim_end))
    # Tried again with the same id (at-least-once in this one case; the gateway may drop the duplicate).
    assert [(b["id"], b["attempt"]) for b in gateway.bodies([nid])] == [(nid, 1), (nid, 2)]
    assert (row(nid)["status"], row(nid)["attempts"]) == ("sent", 2)


def test_a_message_killed_on_its_last_try_is_failed_not_tried_again(gateway, monkeypatch):
    monkeypatch.setenv("TRAINING_NOTIFY_MAX_ATTEMPTS", "1")
    nid = sms()
    t0 = dt.datetime.now(dt.UTC)
    claimed = run(claim_due(500, t0, frozenset({"sms"})))  # a sender took it and died
    assert nid in [r["id"] for r in claimed]
    run(deliver_due(500, now=at(notify_claim_seconds(), t0)))
    assert gateway.bodies([nid]) == []
    failed = row(nid)
    assert failed["status"] == "failed" and "có thể tin đã đến nơi" in failed["last_error"]


def test_two_senders_at_once_deliver_each_of_50_messages_exactly_once(gateway):
    gateway.delay = 0.05
    ids = [sms({"n": i}, phone=f"09{i:08d}") for i in range(50)]
    env = {**os.environ, "TRAINING_SMS_WEBHOOK_URL": gateway.url, "TRAINING_NOTIFY_TIMEOUT": "5"}
    env.pop("TRAINING_SMTP_URL", None)
    senders = [subprocess.Popen([sys.executable, "-m", "training.cli.main", "notifications", "send", "--batch", "3"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    outputs = [p.communicate(timeout=180)[0] for p in senders]
    assert all(p.returncode == 0 for p in senders), outputs
    delivered = [b["id"] for b in gateway.bodies(ids)]
    assert sorted(delivered) == sorted(ids)  # every message once, none twice
    assert {row(i)["status"] for i in ids} == {"sent"} and {row(i)["attempts"] for i in ids} == {1}
    # Both senders delivered, and at the same time: each one's first request came before the other's last.
    by_sender: dict[str, list[float]] = {}
    for request in gateway.requests:
        if request["body"]["id"] in ids:
            by_sender.setdefault(request["agent"], []).append(request["at"])
    assert len(by_sender) == 2, by_sender.keys()
    first, second = by_sender.values()
    assert min(first) < max(second) and min(second) < max(first)


def test_status_prints_the_counts_of_each_status(gateway):
    nid = sms()
    counts = run(status_counts())
    assert counts["pending"] >= 1 and set(counts) == {"pending", "sending", "sent", "failed", "cancelled"}
    out = subprocess.run([sys.executable, "-m", "training.cli.main", "notifications", "status"], cwd=ROOT,
                         env={**os.environ, "TRAINING_DEFAULT_LANGUAGE": "vi"}, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"(pending): {counts['pending']}" in out.stdout and "(failed):" in out.stdout
    assert row(nid)["status"] == "pending"


def test_serve_delivers_in_the_background_in_every_worker_each_message_once(gateway, monkeypatch):
    monkeypatch.setenv("TRAINING_NOTIFY_SENDER", "1")
    monkeypatch.setenv("TRAINING_NOTIFY_INTERVAL", "0.5")
    monkeypatch.delenv("TRAINING_SMTP_URL", raising=False)
    ids = [sms({"n": i}) for i in range(20)]
    with serve(workers=2):
        deadline = time.time() + 60
        while time.time() < deadline and {row(i)["status"] for i in ids} != {"sent"}:
            time.sleep(0.3)
    assert {row(i)["status"] for i in ids} == {"sent"}
    assert sorted(b["id"] for b in gateway.bodies(ids)) == sorted(ids)


# --- the outbox in the admin -------------------------------------------------------------------------

def form_slug(session, name: str) -> str:
    return {f["name"]: f["slug"] for f in session.get("/forms/").json()}[name]


def test_coordinators_read_the_outbox_without_its_secrets_and_send_a_failed_message_again(
        gateway, as_coordinator, as_khanhhoa):
    gateway.mode = "refuse"
    nid = sms({"secret_code": "990011", "class_code": "K-9"}, kind="account_invitation", phone="0909111222")
    run(deliver_due(500))
    assert row(nid)["status"] == "failed"

    schema = as_coordinator.get("/tables/notification/schema/").json()
    assert schema["title"] == "Tin nhắn gửi học viên (hàng đợi gửi)"
    assert schema["properties"]["last_error"]["title"] == "Lỗi gần nhất"
    listing = as_coordinator.get("/tables/notification/", params={"status": "failed", "kind": "account_invitation",
                                                                   "__page_size": 100})
    assert listing.status_code == 200
    [listed] = [r for r in listing.json()["rows"] if r["id"] == nid]
    assert listed["last_error"] == "HTTP 401: bad token" and listed["channel"] == "sms"
    assert all(r["status"] == "failed" and r["kind"] == "account_invitation" for r in listing.json()["rows"])
    detail = as_coordinator.get(f"/tables/notification/{nid}/")
    asked = as_coordinator.get("/tables/notification/", params={"id": nid, "__visible_fields": "id,params"})
    for response in (listing, detail, asked):
        assert response.status_code == 200 and "990011" not in response.text and "0909111222" not in response.text
    assert json.loads(detail.json()["params"]) == {"secret_code": "•••", "class_code": "K-9"}

    # Read-only: nobody edits or deletes a message by hand.
    edit = as_coordinator.patch(f"/tables/notification/{nid}/", {"status": "sent"})
    assert edit.status_code == 405 and "không thể thêm, sửa hoặc xóa" in edit.json()["error"]["message"]
    assert as_coordinator.delete(f"/tables/notification/{nid}/").status_code == 405
    # Departments do not see the outbox at all.
    assert "notification" not in as_khanhhoa.get("/tables/").json()
    assert as_khanhhoa.get("/tables/notification/").status_code == 403
    assert as_khanhhoa.get(f"/tables/notification/{nid}/").status_code == 403

    slug = form_slug(as_coordinator, "Gửi lại tin nhắn không gửi được")
    refused = as_khanhhoa.post(f"/forms/{slug}/", {"notification_id": nid})
    assert refused.status_code >= 400 and "Chỉ cán bộ điều phối" in refused.text
    done = as_coordinator.post(f"/forms/{slug}/", {"notification_id": nid})
    assert done.status_code == 200, done.text
    again = row(nid)
    assert (again["status"], again["attempts"], again["last_error"]) == ("pending", 0, "")
    entry = run(AuditLog.select().where((AuditLog.table_name == "notification") & (AuditLog.row_id == nid)).run())
    assert [(e["action"], e["username"]) for e in entry] == [("retry", "coord")]
    twice = as_coordinator.post(f"/forms/{slug}/", {"notification_id": nid})
    assert twice.status_code >= 400 and "Chỉ có thể gửi lại tin nhắn ở trạng thái không gửi được" in twice.text
    gateway.mode = "ok"
    run(deliver_due(500))
    assert row(nid)["status"] == "sent" and [b["attempt"] for b in gateway.bodies([nid])] == [1, 1]
