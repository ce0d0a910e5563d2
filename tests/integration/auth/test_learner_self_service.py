"""A learner signs in at /login with her CCCD, phone, email or username; the errors say what to do without
saying whether an identifier exists; failures count across the identifiers of one account; at /me/account
she changes her contact details (a phone another account holder uses is refused) and her password (her
other sessions end) and her message preferences (issue 13, ADR 0039)."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re
import threading
import time

import pytest
from factories import PASSWORD, cccd_serial, make_person, run, unique
from litestar.testing import TestClient
from piccolo.apps.user.tables import BaseUser

from training.auth.access import actor_for_user
from training.auth.accounts import create_account
from training.auth.learner_signin import SignInRefused, sign_in
from training.auth.self_service import change_contacts
from training.auth.signin import SignInLocked
from training.core.errors import Conflict
from training.notifications.tables import LearnerPreference
from training.people.tables import Person
from training.records.tables import AuditLog
from training.records.validation import cccd_for

WRONG_VI = "Kiểm tra lại, hoặc bấm \"Quên mật khẩu?\""


def learner(phone: str | None = None, password: str = PASSWORD, **values) -> dict:
    """A learner with a CCCD, a phone and an email, and her account."""
    cccd = cccd_for(dt.date(1991, 5, 4), "female", "56", cccd_serial())
    email = f"{unique('hv')}@example.org"
    phone = phone or f"09{cccd_serial():08d}"
    person = make_person(full_name="Phạm Thị Lan", sex="female", date_of_birth=dt.date(1991, 5, 4),
                         citizen_id=cccd, phone=phone, email=email, **values)
    username = unique("hv.")
    run(create_account(username, "learner", password, person_id=person["id"]))
    return {"person": person, "username": username, "cccd": cccd, "phone": phone, "email": email}


def login(client, identifier: str, password: str = PASSWORD):
    client.get("/login")
    return client.post("/login", data={"username": identifier, "password": password,
                                       "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)


def message(response) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', response.text, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def form_token(client, path: str = "/me/account") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)


def test_sign_in_with_each_identifier(client, no_failures):
    hv = learner()
    spaced = f'+84 {hv["phone"][1:4]} {hv["phone"][4:7]} {hv["phone"][7:]}'
    for identifier in (hv["username"], hv["cccd"], spaced, hv["phone"], hv["email"].upper()):
        client.cookies.clear()
        response = login(client, identifier)
        assert response.status_code == 303, (identifier, message(response))
        assert response.headers["location"] == "/me"
        assert client.get("/me").status_code == 200
    client.cookies.clear()
    staff = login(client, "coord")
    assert (staff.status_code, staff.headers["location"]) == (303, "/admin/")


def test_each_refusal_says_what_to_do(client, no_failures):
    hv = learner()
    wrong = login(client, hv["cccd"], "Wrong@12345")
    unknown = login(client, "079999999999", "Wrong@12345")
    assert wrong.status_code == unknown.status_code == 401
    assert message(wrong) == message(unknown) and WRONG_VI in message(wrong)
    assert 'href="/login/forgot"' in wrong.text

    # two people sharing a phone: the password chooses the account; the same password on both asks for the CCCD
    shared = f"09{cccd_serial():08d}"
    a, b = learner(phone=shared), learner(phone=shared)
    assert login(client, shared).status_code == 409
    assert "CCCD" in message(login(client, shared))
    run(BaseUser.update_password(b["username"], "Other@12345"))
    opened = login(client, shared, "Other@12345")
    assert opened.status_code == 303
    assert client.get("/me").text.count(b["person"]["full_name"]) >= 1
    assert a["username"] != b["username"]

    # not activated: said only to whoever gives the right password
    inactive = learner()
    run(BaseUser.update({BaseUser.active: False}).where(BaseUser.username == inactive["username"]).run())
    client.cookies.clear()
    guess = login(client, inactive["email"], "Wrong@12345")
    assert guess.status_code == 401 and message(guess) == message(wrong)
    right = login(client, inactive["email"])
    assert right.status_code == 403 and "chưa được kích hoạt" in message(right)
    assert 'href="/activate"' in right.text and "id" not in client.cookies


def test_too_many_failures_says_when_to_come_back(client, no_failures, monkeypatch):
    monkeypatch.setenv("TRAINING_LOGIN_RATE_LIMIT", "2")
    hv = learner()
    for _ in range(2):
        assert login(client, hv["phone"], "Wrong@12345").status_code == 401
    locked = login(client, hv["phone"])
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert re.search(r"Thử lại sau \d\d:\d\d", message(locked)), message(locked)


def test_failures_count_across_the_identifiers_of_one_account(no_failures, monkeypatch):
    """Three wrong passwords with her CCCD, from three addresses: her phone, from a fourth address, is refused
    too (the failures count against her account's username as well as what was typed)."""
    monkeypatch.setenv("TRAINING_LOGIN_RATE_LIMIT", "3")
    hv = learner()
    for i in range(3):
        with pytest.raises(SignInRefused):
            run(sign_in(hv["cccd"], "Wrong@12345", f"10.0.0.{i + 1}"))
    with pytest.raises(SignInLocked):
        run(sign_in("+84" + hv["phone"][1:], PASSWORD, "10.0.0.9"))
    with pytest.raises(SignInLocked):
        run(sign_in(hv["email"], PASSWORD, "10.0.0.10"))
    other = learner()  # someone else's account is not locked by her failures
    assert run(sign_in(other["phone"], PASSWORD, "10.0.0.11"))["username"] == other["username"]


def test_contact_change_refused_when_taken_and_then_sign_in_by_the_new_phone(client, no_failures):
    hv, other = learner(), learner()
    assert login(client, hv["username"]).status_code == 303
    token = form_token(client)
    taken = client.post("/me/contacts", data={"email": hv["email"], "phone": "+84" + other["phone"][1:],
                                              "csrftoken": token}, follow_redirects=False)
    assert taken.status_code == 409
    assert "Số điện thoại này đã được một tài khoản khác sử dụng" in message(taken)
    taken_email = client.post("/me/contacts", data={"email": other["email"].upper(), "phone": hv["phone"],
                                                    "csrftoken": token}, follow_redirects=False)
    assert taken_email.status_code == 409 and "Email này" in message(taken_email)
    bad = client.post("/me/contacts", data={"email": "not-an-email", "phone": "", "csrftoken": token},
                      follow_redirects=False)
    assert bad.status_code == 422 and "không phải địa chỉ thư điện tử hợp lệ" in message(bad)
    row = run(Person.select(Person.phone, Person.email).where(Person.id == hv["person"]["id"]).first().run())
    assert row == {"phone": hv["phone"], "email": hv["email"]}
    assert client.post("/me/contacts", data={"email": hv["email"], "phone": "0977 111 222"},
                       follow_redirects=False).status_code == 403  # no CSRF token

    saved = client.post("/me/contacts", data={"email": "Lan.Moi@Example.org", "phone": "+84 977 111 222",
                                              "csrftoken": token}, follow_redirects=False)
    assert (saved.status_code, saved.headers["location"]) == (303, "/me/account?done=contacts")
    row = run(Person.select(Person.phone, Person.email).where(Person.id == hv["person"]["id"]).first().run())
    assert row == {"phone": "0977111222", "email": "lan.moi@example.org"}
    assert run(AuditLog.exists().where((AuditLog.table_name == "person") & (AuditLog.row_id == hv["person"]["id"])
                                       & (AuditLog.action == "update")).run())
    client.cookies.clear()
    assert login(client, "0977 111 222").headers["location"] == "/me"


def test_password_change_signs_out_the_other_sessions(app, client, no_failures):
    hv = learner()
    with TestClient(app=app, base_url="http://127.0.0.1") as phone:
        assert login(phone, hv["email"]).status_code == 303
        assert login(client, hv["cccd"]).status_code == 303
        token = form_token(client)
        mismatch = client.post("/me/password", data={"current_password": PASSWORD, "new_password": "Moi@123456",
                                                     "new_password_again": "Moi@654321", "csrftoken": token})
        assert mismatch.status_code == 400 and "không giống nhau" in message(mismatch)
        wrong = client.post("/me/password", data={"current_password": "Sai@12345", "new_password": "Moi@123456",
                                                  "new_password_again": "Moi@123456", "csrftoken": token})
        assert wrong.status_code == 400 and "Mật khẩu hiện tại không đúng" in message(wrong)
        assert phone.get("/me", follow_redirects=False).status_code == 200
        done = client.post("/me/password", data={"current_password": PASSWORD, "new_password": "Moi@123456",
                                                 "new_password_again": "Moi@123456", "csrftoken": token},
                           follow_redirects=False)
        assert (done.status_code, done.headers["location"]) == (303, "/me/account?done=password")
        assert client.get("/me", follow_redirects=False).status_code == 200  # this session stays
        assert phone.get("/me", follow_redirects=False).headers["location"] == "/login"  # the other ended
        assert login(phone, hv["phone"]).status_code == 401
        assert login(phone, hv["phone"], "Moi@123456").status_code == 303


def test_message_preferences(client, no_failures):
    hv = learner()
    assert login(client, hv["username"]).status_code == 303
    page = client.get("/me/account")
    assert "không thể tắt" in page.text  # the legally needed messages are always sent
    token = form_token(client)
    saved = client.post("/me/preferences", data={"language": "en", "csrftoken": token}, follow_redirects=False)
    assert saved.status_code == 303
    row = run(LearnerPreference.select(LearnerPreference.language, LearnerPreference.reminders).where(
        LearnerPreference.person == hv["person"]["id"]).first().run())
    assert row == {"language": "en", "reminders": False}
    bad = client.post("/me/preferences", data={"language": "fr", "reminders": "on", "csrftoken": token})
    assert bad.status_code == 400
    client.post("/me/preferences", data={"language": "vi", "reminders": "on", "csrftoken": token})
    row = run(LearnerPreference.select(LearnerPreference.language, LearnerPreference.reminders).where(
        LearnerPreference.person == hv["person"]["id"]).first().run())
    assert row == {"language": "vi", "reminders": True}


def test_a_wildcard_in_an_email_names_no_one(client, no_failures):
    """"%@example.org" or "h_…" must not name every account of the domain (ILIKE's wildcards)."""
    hv = learner()
    local, domain = hv["email"].split("@")
    for typed in (f"%@{domain}", f"{local[:-1]}_@{domain}"):
        response = login(client, typed)
        assert response.status_code == 401, typed
    assert login(client, hv["email"]).status_code == 303


def test_learners_claiming_one_phone_at_once_only_one_gets_it(no_failures):
    """Four requests start together (a barrier; their times overlap); the lock lets exactly one have it."""
    claimants = 4
    people = [learner() for _ in range(claimants)]
    actors = []
    for hv in people:
        user = run(BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.superuser, BaseUser.active).where(
            BaseUser.username == hv["username"]).first().run())
        actors.append(run(actor_for_user(user)))
    phone = f"09{cccd_serial():08d}"
    barrier, results, times = threading.Barrier(claimants), [None] * claimants, [None] * claimants

    def claim(i: int) -> None:
        barrier.wait()
        start = time.monotonic()
        try:
            asyncio.run(change_contacts(actors[i], people[i]["email"], phone))
            results[i] = "saved"
        except Conflict as exc:
            results[i] = exc.code
        times[i] = (start, time.monotonic())

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(claimants)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(t[0] for t in times) < min(t[1] for t in times), "the two requests did not overlap"
    assert sorted(results) == ["phone_taken"] * (claimants - 1) + ["saved"]
    holders = run(Person.count().where(Person.phone == phone).run())
    assert holders == 1
