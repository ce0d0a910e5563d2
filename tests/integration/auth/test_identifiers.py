"""A learner names her account by username, email (any case), phone (+84 or 0) or citizen ID; a phone another
account holder uses is taken."""

from factories import PASSWORD, make_person, run, unique

from training.auth.accounts import create_account
from training.auth.identifiers import contact_taken, find_accounts, kind_of


def test_one_account_by_each_identifier_and_a_taken_phone():
    email = f"{unique('a')}@Example.org"
    phone = unique("0916")  # a phone no other test's people have: "0916" + 5 digits, with the trailing 0 below
    phone += "0"
    p = make_person(email=email, phone=phone, citizen_id=None)
    u = unique("hv.")
    run(create_account(u, "learner", PASSWORD, person_id=p["id"]))
    international = "+84 " + phone[1:4] + " " + phone[4:7] + " " + phone[7:]
    for ident in (u, email.upper(), international, phone):
        rows = run(find_accounts(ident))
        assert [r["username"] for r in rows] == [u], ident
    assert kind_of("079201001234") == "citizen_id"
    other = make_person()
    assert run(contact_taken(other["id"], phone=phone)) == "phone"
    assert run(contact_taken(p["id"], phone=phone)) is None
