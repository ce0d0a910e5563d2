"""Issue 13, "done when": a class of 30 is invited; the invitations arrive by email at a real SMTP server
(aiosmtpd) and by SMS at a real HTTP gateway; two learners activate their accounts with the codes they were
sent, one of them resets her password through the emailed reset code; the class ends, its certificates are
issued, and the "certificate issued" emails and SMS requests arrive with the verify and download links."""

from __future__ import annotations

import datetime as dt
import re

from factories import make_class, make_course, make_enrolment, make_person, run, token_for, unique
from factories.certificates import make_issuer
from factories.roster import name

from certificates.issuing import issue_for_class
from training.auth.access import SYSTEM
from training.classes.tables import Enrolment, TrainingClass
from training.notifications.sender import deliver_due
from training.notifications.tables import Notification

CODE = re.compile(r"\b([A-Z0-9]{4}-[A-Z0-9]{4})\b")
PASSWORD = "HocVien2026"


def deliver_everything() -> None:
    while sum(run(deliver_due(200)).values()):
        pass


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def emails_to(inbox, address: str, kind_words: str) -> list:
    return [m for m in inbox.messages if m["To"] == address and kind_words in m["Subject"].lower()]


def token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)


def post_code(client, path: str, identifier: str, code: str, password: str = PASSWORD):
    return client.post(path, data={"csrftoken": token(client, path), "identifier": identifier, "code": code,
                                   "password": password, "password_again": password}, follow_redirects=False)


def sign_in(client, identifier: str, password: str):
    return client.post("/login", data={"csrftoken": token(client, "/login"), "username": identifier,
                                       "password": password}, follow_redirects=False)


def a_class_of_thirty() -> tuple[dict, list[dict]]:
    """20 learners with an email address, 10 with a phone number only."""
    course = make_course(level="refresher", certificate_kind="attestation", hours=24)["id"]
    cls = make_class("56", status="open", course=course, institution=make_issuer("56"), capacity=30,
                     start_date=dt.date(2026, 11, 2), end_date=dt.date(2026, 11, 6))
    people = []
    for i in range(30):
        values = {"email": f"{unique('hocvien')}@example.org"} if i < 20 else {"phone": f"09{77000000 + i:08d}"}
        person = make_person("56", full_name=name("Nguyễn", "Thị"), sex="female", **values)
        make_enrolment(cls["id"], person["id"])
        people.append(person)
    return cls, people


def test_a_class_is_invited_activates_resets_and_hears_of_its_certificates(client, smtp, gateway, no_failures):
    coord = token_for("coord")
    cls, people = a_class_of_thirty()

    invited = client.post(f"/api/classes/{cls['id']}/invitations", headers=coord)
    assert invited.status_code == 200, invited.text
    counts = invited.json()
    assert (counts["created"], counts["by_email"], counts["by_sms"], counts["on_sheet"]) == (30, 20, 10, 0)
    deliver_everything()

    # every learner with an email has one invitation in the real mailbox, with her code; the others an SMS
    codes = {}
    for person in people[:20]:
        mails = emails_to(smtp, person["email"], "tài khoản")
        assert len(mails) == 1, [(m["To"], m["Subject"]) for m in smtp.messages][:5]
        [mail] = mails
        found = CODE.search(body(mail))
        assert found, body(mail)
        codes[person["email"]] = found.group(1)
        assert "/activate" in body(mail)
    mine = {p["phone"] for p in people[20:]}
    sms_to = {r["body"]["to"]: r["body"] for r in gateway.requests
              if r["body"]["kind"] == "account_invitation" and r["body"]["to"] in mine}
    assert set(sms_to) == mine
    assert all(CODE.search(b["text"]) for b in sms_to.values())
    # the codes are gone from the outbox once sent
    params = run(Notification.select(Notification.params).where(
        (Notification.kind == "account_invitation") & Notification.person.is_in([p["id"] for p in people])
    ).output(load_json=True).run())
    assert not any(p["params"].get("secret_code") for p in params)

    # two learners activate with their codes (one by email, one by phone), land on /me signed in
    first, second = people[0], people[20]
    done = post_code(client, "/activate", first["email"], codes[first["email"]])
    assert done.status_code == 303 and done.headers["location"] == "/me", done.text
    assert first["full_name"] in client.get("/me").text
    client.cookies.clear()
    done = post_code(client, "/activate", second["phone"], CODE.search(sms_to[second["phone"]]["text"]).group(1))
    assert done.status_code == 303, done.text
    client.cookies.clear()

    # the first forgets her password: the reset code comes by email and works once
    asked = client.post("/login/forgot", data={"csrftoken": token(client, "/login/forgot"),
                                               "identifier": first["email"]})
    assert asked.status_code == 200
    deliver_everything()
    [reset_mail] = emails_to(smtp, first["email"], "mật khẩu")
    reset_code = CODE.search(body(reset_mail)).group(1)
    assert post_code(client, "/login/reset", first["email"], reset_code, "MatKhauMoi2026").status_code == 303
    client.cookies.clear()
    assert sign_in(client, first["email"], PASSWORD).status_code == 401
    client.cookies.clear()
    assert sign_in(client, first["email"], "MatKhauMoi2026").headers["location"] == "/me"
    client.cookies.clear()

    # the class ends (all completed), its certificates are issued, and each holder hears of hers
    run(Enrolment.update({Enrolment.status: "completed", Enrolment.score: 8.0}).where(
        Enrolment.training_class == cls["id"]).run())
    run(TrainingClass.update({TrainingClass.status: "closed"}).where(TrainingClass.id == cls["id"]).run())
    issued = run(issue_for_class(cls["id"], SYSTEM)).as_dict()
    assert issued["issued"] == 30, issued
    deliver_everything()
    for person in people[:20]:
        [mail] = emails_to(smtp, person["email"], "chứng")
        text = body(mail)
        assert "/verify/" in text and "/me" in text, text
    phones = {p["phone"] for p in people[20:]}  # (the sender also delivers what earlier tests left waiting)
    issued_sms = [r["body"] for r in gateway.requests
                  if r["body"]["kind"] == "certificate_issued" and r["body"]["to"] in phones]
    assert sorted(b["to"] for b in issued_sms) == sorted(phones)
    assert all("/me" in b["text"] for b in issued_sms)
    # nothing was sent twice, and nothing is left waiting or failed
    left = run(Notification.select(Notification.status).where(
        Notification.person.is_in([p["id"] for p in people])).run())
    assert {r["status"] for r in left} == {"sent"}
    assert len(gateway.requests) == len({r["body"]["id"] for r in gateway.requests})
