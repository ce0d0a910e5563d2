"""Issue 13 items 1–2 (ADR 0038): activating an invited account at /activate with its one-time code (signs her
in), the code's refusals (expired, reused, wrong ×5 → dead, weak password), /login/forgot's one answer for known
and unknown identifiers, /login/reset once; two redemptions of one code at once: exactly one wins."""

import asyncio
import datetime as dt
import json
import re
import threading
import time
from urllib.parse import quote

import pytest
from factories import make_class, make_enrolment, make_person, run, unique
from factories.roster import name

from training.auth.access import SYSTEM
from training.auth.codes import ACTIVATION, MAX_FAILURES, RESET, CodeRefused, redeem
from training.auth.invitations import invite
from training.auth.tables import Account, AccountCode
from training.notifications.tables import Notification

NEW_PASSWORD = "HocVien2026"


def invited(**values) -> dict:
    """A learner invited with her class: her person, account and the activation code of the outbox."""
    cls = make_class("56", status="open")
    person = make_person("56", full_name=name("Trần", "Thị"), sex="female",
                         email=values.pop("email", f"{unique('hv')}@example.org"), **values)
    make_enrolment(cls["id"], person["id"])
    run(invite(SYSTEM, class_id=cls["id"]))
    account = run(Account.select(Account.user.id.as_alias("user_id"), Account.user.username.as_alias("username"),
                                 Account.user.active.as_alias("active")).where(
        Account.person == person["id"]).first().run())
    return {"person": person, "code": code_of(person["id"], "account_invitation"), "account": account}


def code_of(person_id: int, kind: str) -> str | None:
    row = run(Notification.select(Notification.params).where(
        (Notification.person == person_id) & (Notification.kind == kind)).order_by(
        Notification.id, ascending=False).first().run())
    if row is None:
        return None
    params = json.loads(row["params"]) if isinstance(row["params"], str) else row["params"]
    return params["secret_code"]


def token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    return re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)


def post_code(client, path, identifier, code, password=NEW_PASSWORD, again=None):
    return client.post(path, data={"csrftoken": token(client, path), "identifier": identifier, "code": code,
                                   "password": password, "password_again": password if again is None else again},
                       follow_redirects=False)


def active(user_id: int) -> bool:
    from piccolo.apps.user.tables import BaseUser

    return run(BaseUser.select(BaseUser.active).where(BaseUser.id == user_id).first().run())["active"]


def test_activation_signs_her_in_and_the_code_works_once(client):
    who = invited()
    # before: the login page points to activation, and her sign-in fails (she has no password yet)
    login = client.get("/login")
    assert 'href="/activate"' in login.text and "Kích hoạt tài khoản" in login.text
    assert 'href="/login/forgot"' in login.text and "Quên mật khẩu?" in login.text
    refused = client.post("/login", data={"csrftoken": token(client, "/login"), "username": who["account"]["username"],
                                          "password": "anything1"}, follow_redirects=False)
    assert refused.status_code == 401 and 'href="/activate"' in refused.text
    # the code typed in small letters without its dash, with her email as the identifier
    done = post_code(client, "/activate", who["person"]["email"], who["code"].replace("-", "").lower())
    assert done.status_code == 303 and done.headers["location"] == "/me"
    me = client.get("/me")
    assert me.status_code == 200 and who["person"]["full_name"] in me.text
    assert active(who["account"]["user_id"])
    # the same code again: already used (409), in Vietnamese
    client.cookies.clear()
    again = post_code(client, "/activate", who["person"]["email"], who["code"])
    assert again.status_code == 409 and "đã được dùng" in again.text
    # and her password works at /login
    signed = client.post("/login", data={"csrftoken": token(client, "/login"), "username": who["account"]["username"],
                                         "password": NEW_PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/me"


def test_an_expired_code_a_weak_password_and_too_many_wrong_codes(client, no_failures):
    who = invited()
    user = who["account"]["user_id"]
    weak = post_code(client, "/activate", who["person"]["email"], who["code"], password="12345678")
    assert weak.status_code == 422 and "quá yếu" in weak.text
    differ = post_code(client, "/activate", who["person"]["email"], who["code"], again="KhacHan2026")
    assert differ.status_code == 422 and "không giống nhau" in differ.text
    assert not active(user)

    run(AccountCode.update({AccountCode.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}).where(
        AccountCode.user == user).run())
    expired = post_code(client, "/activate", who["person"]["email"], who["code"])
    assert expired.status_code == 410 and "hết hạn" in expired.text
    assert not active(user)

    other = invited()
    for attempt in range(1, MAX_FAILURES + 1):
        wrong = post_code(client, "/activate", other["person"]["email"], "AAAA-BBBB")
        if attempt < MAX_FAILURES:
            assert wrong.status_code == 422 and "Mã không đúng" in wrong.text
    assert wrong.status_code == 429 and "quá nhiều lần" in wrong.text
    # the right code no longer works either: the code is dead
    late = post_code(client, "/activate", other["person"]["email"], other["code"])
    assert late.status_code == 429 and not active(other["account"]["user_id"])
    # an identifier nobody has: the same answer as a wrong code
    nobody = post_code(client, "/activate", "khongai@example.org", "AAAA-BBBB")
    assert nobody.status_code == 422 and "Mã không đúng" in nobody.text


def test_forgot_answers_the_same_and_a_reset_works_once(client, no_failures):
    who = invited()
    run(redeem(who["person"]["email"], who["code"], ACTIVATION, NEW_PASSWORD, NEW_PASSWORD, "10.1.1.1"))
    known, unknown = who["person"]["email"], "khong.co.ai@example.org"
    answers = []
    for identifier in (known, unknown):
        page = client.post("/login/forgot", data={"csrftoken": token(client, "/login/forgot"),
                                                  "identifier": identifier})
        answers.append((page.status_code, page.text.replace(quote(identifier), "…").replace(identifier, "…")))
    assert answers[0] == answers[1] and answers[0][0] == 200
    assert "Nếu có tài khoản khớp" in answers[0][1]
    code = code_of(who["person"]["id"], "password_reset")
    assert code and code != who["code"]
    assert run(Notification.count().where((Notification.kind == "password_reset")
                                          & (Notification.address == unknown)).run()) == 0
    # asking again at once sends nothing new (one code a minute)
    client.post("/login/forgot", data={"csrftoken": token(client, "/login/forgot"), "identifier": known})
    assert run(Notification.count().where((Notification.kind == "password_reset")
                                          & (Notification.person == who["person"]["id"])).run()) == 1

    done = post_code(client, "/login/reset", known, code, password="MatKhauMoi9")
    assert done.status_code == 303 and done.headers["location"] == "/me"
    client.cookies.clear()
    again = post_code(client, "/login/reset", known, code, password="MatKhauKhac9")
    assert again.status_code == 409
    # an activation code is no reset code, and the reverse
    assert post_code(client, "/activate", known, code).status_code == 422
    signed = client.post("/login", data={"csrftoken": token(client, "/login"), "username": who["account"]["username"],
                                         "password": "MatKhauMoi9"}, follow_redirects=False)
    assert signed.status_code == 303


def test_a_person_without_email_or_phone_gets_the_same_forgot_page(client, no_failures):
    who = invited(email=None)
    page = client.post("/login/forgot", data={"csrftoken": token(client, "/login/forgot"),
                                              "identifier": who["account"]["username"]})
    assert page.status_code == 200 and "cán bộ điều phối" in page.text


def test_redemptions_of_one_code_at_once_exactly_one_wins():
    """Six redemptions of the same code at once, for three learners: one wins per code, the others are told
    the code was used; every attempt was running while every other one was (their spans overlap)."""
    learners = [invited() for _ in range(3)]
    per_code = 6
    barrier = threading.Barrier(per_code * len(learners))
    spans, outcomes = [], {i: [] for i in range(len(learners))}

    def attempt(index: int, password: str) -> None:
        who = learners[index]
        barrier.wait()
        start = time.monotonic()
        try:
            asyncio.run(redeem(who["person"]["email"], who["code"], ACTIVATION, password, password, "10.2.2.2"))
            outcomes[index].append("ok")
        except CodeRefused as exc:
            outcomes[index].append(exc.code)
        spans.append((start, time.monotonic()))

    threads = [threading.Thread(target=attempt, args=(i, f"CungLuc{i}{n}x")) for i in range(len(learners))
               for n in range(per_code)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max(s for s, _e in spans) < min(e for _s, e in spans), "all the redemptions overlapped"
    for i in range(len(learners)):
        assert sorted(outcomes[i]) == ["code_used"] * (per_code - 1) + ["ok"], outcomes[i]


@pytest.mark.parametrize("purpose", [RESET])
def test_a_reset_code_never_activates_an_account(purpose):
    who = invited()
    from training.auth.codes import issue_codes

    code = run(issue_codes([who["account"]["user_id"]], purpose))[who["account"]["user_id"]][0]
    run(redeem(who["person"]["email"], code, purpose, NEW_PASSWORD, NEW_PASSWORD, "10.3.3.3"))
    assert not active(who["account"]["user_id"])
