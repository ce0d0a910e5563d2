"""A learner names her account by username, email (any case), phone (+84 or 0) or citizen ID; a phone another
account holder uses is taken."""

from factories import PASSWORD, make_person, run, unique

from training.auth.accounts import create_account
from training.auth.identifiers import contact_taken, find_accounts, kind_of


def test_one_account_by_each_identifier_and_a_taken_phone():
    email = f"{unique('a')}@Example.org"
    p = make_person(email=email, phone="0912000111", citizen_id=None)
    u = unique("hv.")
    run(create_account(u, "learner", PASSWORD, person_id=p["id"]))
    for ident in (u, email.upper(), "+84 912 000 111", "0912000111"):
        rows = run(find_accounts(ident))
        assert [r["username"] for r in rows] == [u], ident
    assert kind_of("079201001234") == "citizen_id"
    other = make_person()
    assert run(contact_taken(other["id"], phone="0912000111")) == "phone"
    assert run(contact_taken(p["id"], phone="0912000111")) is None
