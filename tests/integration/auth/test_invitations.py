"""Issue 13 item 1 (ADR 0038): accounts for a whole class or a province's registry at once — inactive accounts,
activation codes in the outbox (email/SMS) or on one printable sheet (PDF) for the inviter alone, re-invitation
replaces the code, active accounts are left alone; the API, the command line and the class workspace's action."""

import datetime as dt
import io
import json
import re

from factories import make_class, make_enrolment, make_person, run, unique
from factories.roster import cccd, name
from pypdf import PdfReader

from training.auth.codes import ACTIVATION, code_hash, redeem
from training.auth.tables import Account, AccountCode, InvitationSheet
from training.cli.main import main as cli
from training.notifications.tables import Notification
from training.people.privacy import PersonalDataAccess

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def class_of_30(province="56") -> dict:
    """10 learners with an email, 8 with a phone, 2 with both, 10 with neither (5 of them with a CCCD)."""
    cls = make_class(province, status="open", capacity=40)
    people = {"email": [], "phone": [], "both": [], "neither": []}
    for i in range(30):
        kind = "email" if i < 10 else "phone" if i < 18 else "both" if i < 20 else "neither"
        values = {"full_name": name("Nguyễn", "Thị"), "sex": "female", "date_of_birth": dt.date(1990, 1, 2)}
        if kind in ("email", "both"):
            values["email"] = f"{unique('hv')}@example.org"
        if kind in ("phone", "both"):
            values["phone"] = f"09{next_phone():08d}"
        if kind == "neither" and i % 2:
            values["citizen_id"] = cccd(dt.date(1990, 1, 2), "female")
        person = make_person(province, **values)
        make_enrolment(cls["id"], person["id"], status="waitlisted" if i == 29 else "confirmed")
        people[kind].append(person)
    withdrawn = make_person(province, full_name=name("Lê", "Văn"), sex="male")
    make_enrolment(cls["id"], withdrawn["id"], status="withdrawn")
    return {**cls, "people": people, "withdrawn": withdrawn}


_phones = iter(range(10_000_000, 99_999_999, 7919))


def next_phone() -> int:
    return next(_phones)


def all_ids(cls) -> list[int]:
    return [p["id"] for group in cls["people"].values() for p in group]


def accounts_of(ids):
    return run(Account.select(Account.person, Account.user.id.as_alias("user_id"),
                              Account.user.username.as_alias("username"), Account.user.active.as_alias("active"),
                              Account.role).where(Account.person.is_in(ids)).run())


def outbox(ids, kind="account_invitation"):
    rows = run(Notification.select().where((Notification.kind == kind)
                                           & Notification.person.is_in(ids)).order_by(Notification.id).run())
    return [{**r, "params": json.loads(r["params"]) if isinstance(r["params"], str) else r["params"]} for r in rows]


def sheet_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def latest_codes(messages) -> dict[int, str]:
    """person id -> the newest code the outbox holds for her."""
    out = {}
    for m in messages:
        out[m["person"]] = m["params"]["secret_code"]
    return out


def test_a_class_of_30_gets_inactive_accounts_codes_by_email_sms_or_on_the_sheet(client, coord, khanhhoa):
    cls = class_of_30()
    response = client.post(f"/api/classes/{cls['id']}/invitations", headers=coord)
    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("created", "reinvited", "already_active", "by_email", "by_sms", "on_sheet")} == {
        "created": 30, "reinvited": 0, "already_active": 0, "by_email": 12, "by_sms": 10, "on_sheet": 10}
    accounts = accounts_of(all_ids(cls) + [cls["withdrawn"]["id"]])
    assert len(accounts) == 30 and cls["withdrawn"]["id"] not in {a["person"] for a in accounts}
    assert all(not a["active"] and a["role"] == "learner" for a in accounts)
    with_cccd = {p["id"]: p["citizen_id"] for p in cls["people"]["neither"] if p.get("citizen_id")}
    for a in accounts:  # a username from the CCCD when there is one
        if a["person"] in with_cccd:
            assert a["username"] == f"hv{with_cccd[a['person']]}"

    messages = outbox(all_ids(cls))
    reached = [p["id"] for k in ("email", "phone", "both") for p in cls["people"][k]]
    assert sorted({m["person"] for m in messages}) == sorted(reached)
    assert sorted(m["channel"] for m in messages) == ["email"] * 12 + ["sms"] * 10
    user_of = {a["person"]: a["user_id"] for a in accounts}
    for m in messages:  # the message carries the code; the table only its HMAC
        code = m["params"]["secret_code"]
        assert CODE.match(code) and m["params"]["link"].endswith("/activate")
        row = run(AccountCode.select().where(AccountCode.user == user_of[m["person"]]).first().run())
        assert row["purpose"] == ACTIVATION and code not in str(row)
        assert row["code_hash"] == code_hash(user_of[m["person"]], ACTIVATION, code.replace("-", ""))

    # the sheet: exactly the 10 with neither, for the inviter only, each download in the access log
    assert body["sheet"]
    assert client.get(body["sheet"], headers=khanhhoa).status_code == 404
    sheet = client.get(body["sheet"], headers=coord)
    assert sheet.status_code == 200 and sheet.headers["content-type"] == "application/pdf"
    text = sheet_text(sheet.content)
    for p in cls["people"]["neither"]:
        assert p["full_name"] in text
    for k in ("email", "phone", "both"):
        for p in cls["people"][k]:
            assert p["full_name"] not in text
    assert cls["withdrawn"]["full_name"] not in text
    assert len(re.findall(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", text)) == 10
    sheet_id = int(body["sheet"].split("/")[3])
    log = run(PersonalDataAccess.select().where(PersonalDataAccess.export == f"invitation-sheet:{sheet_id}").run())
    assert len(log) == 1 and log[0]["person_count"] == 10


def test_re_inviting_replaces_the_code_and_leaves_active_accounts_alone(client, coord):
    cls = class_of_30()
    first = client.post(f"/api/classes/{cls['id']}/invitations", headers=coord).json()
    old = latest_codes(outbox(all_ids(cls)))
    someone = cls["people"]["email"][0]
    # she activates with her code: active from now on
    run(redeem(someone["email"], old[someone["id"]], ACTIVATION, "Moi@2026ab", "Moi@2026ab", "10.0.0.1"))
    again = client.post(f"/api/classes/{cls['id']}/invitations", headers=coord).json()
    assert (again["created"], again["reinvited"], again["already_active"]) == (0, 29, 1)
    assert (again["by_email"], again["by_sms"], again["on_sheet"]) == (11, 10, 10)
    assert again["sheet"] != first["sheet"]
    new = latest_codes(outbox(all_ids(cls)))
    other = cls["people"]["phone"][0]
    assert new[other["id"]] != old[other["id"]]
    refused = None
    try:  # the old code stopped working; the new one works
        run(redeem(other["phone"], old[other["id"]], ACTIVATION, "Moi@2026ab", "Moi@2026ab", "10.0.0.2"))
    except Exception as exc:  # noqa: BLE001 (the refusal's code is what matters)
        refused = exc
    assert refused is not None and refused.code == "code_wrong"
    run(redeem(other["phone"], new[other["id"]], ACTIVATION, "Moi@2026ab", "Moi@2026ab", "10.0.0.2"))
    assert all(a["active"] for a in accounts_of([someone["id"], other["id"]]))


def test_who_may_invite(client, coord, khanhhoa):
    ours = class_of_30("56")
    theirs = make_class("19", status="open")
    thainguyen_person = make_person("19", full_name=name("Hà", "Văn"), sex="male")
    make_enrolment(ours["id"], thainguyen_person["id"])
    # a department: not another province's class (404 as if it did not exist), not another province's registry
    assert client.post(f"/api/classes/{theirs['id']}/invitations", headers=khanhhoa).status_code == 404
    assert client.post("/api/provinces/19/invitations", headers=khanhhoa).status_code == 404
    # its own class: only its province's people (the learner from Thái Nguyên gets no account from it)
    body = client.post(f"/api/classes/{ours['id']}/invitations", headers=khanhhoa).json()
    assert body["created"] == 30
    assert accounts_of([thainguyen_person["id"]]) == []
    # the sheet is the inviter's: not even a coordinator downloads another's
    assert client.get(body["sheet"], headers=coord).status_code == 404
    assert client.get(body["sheet"], headers=khanhhoa).status_code == 200
    # nobody signed in: 401; an unknown province: 404
    assert client.post(f"/api/classes/{ours['id']}/invitations").status_code == 401
    assert client.post("/api/provinces/99/invitations", headers=coord).status_code == 404


def test_a_province_registry_by_the_command_line(tmp_path, capsys):
    code = "33"  # a province no other test's people live in
    people = [make_person(code, full_name=name("Phan", "Thị"), sex="female") for _ in range(3)]
    left = make_person(code, full_name=name("Phan", "Văn"), sex="male", active_to=dt.date(2020, 1, 1))
    sheet = tmp_path / "thu-moi.pdf"
    assert cli(["learners", "invite", "--province", code, "--sheet", str(sheet)]) == 0
    out = capsys.readouterr().out
    assert "3" in out and sheet.is_file()
    text = sheet_text(sheet.read_bytes())
    assert all(p["full_name"] in text for p in people) and left["full_name"] not in text
    assert len(accounts_of([p["id"] for p in people])) == 3 and accounts_of([left["id"]]) == []
    assert cli(["learners", "invite", "KHONG-CO-LOP"]) == 2
    assert "KHONG-CO-LOP" in capsys.readouterr().err


def test_the_class_workspace_action_invites_and_offers_the_sheet(client, as_coordinator):
    cls = class_of_30()
    page = client.get(f"/classes/{cls['id']}")
    assert page.status_code == 200 and f'href="/classes/{cls["id"]}/invitations"' in page.text
    assert "Mời học viên tạo tài khoản" in page.text
    form = client.get(f"/classes/{cls['id']}/invitations")
    assert form.status_code == 200
    token = re.search(r'name="csrftoken" value="([^"]+)"', form.text).group(1)
    assert client.post(f"/classes/{cls['id']}/invitations", data={"csrftoken": "x"}).status_code == 403
    assert accounts_of(all_ids(cls)) == []
    done = client.post(f"/classes/{cls['id']}/invitations", data={"csrftoken": token})
    assert done.status_code == 200, done.text
    link = re.search(r'href="(/api/invitations/\d+/sheet.pdf)"', done.text).group(1)
    assert ">30<" in done.text and ">10<" in done.text
    assert client.get(link).status_code == 200
    assert run(InvitationSheet.count().where(InvitationSheet.id == int(link.split("/")[3])).run()) == 1
