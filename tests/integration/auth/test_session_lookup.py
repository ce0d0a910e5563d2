"""A signed-in page reads the session, its user and Account in one query (ADR 0044): the session rules stay
piccolo_api's (``SessionsBase.get_user_id``): an expired session, or one past its maximum age, signs no one in;
a deactivated user is signed out; a user without an Account has no role (a superuser coordinates)."""

import datetime as dt

import pytest
from factories import PASSWORD, make_person, run, unique


def _learner_session(client) -> tuple[str, int]:
    from training.auth.accounts import create_account

    username = unique("hv.session")
    run(create_account(username, "learner", PASSWORD, person_id=make_person(full_name="Lý Thị Phiên")["id"]))
    client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)
    assert response.headers["location"] == "/me"
    from piccolo.apps.user.tables import BaseUser

    user = run(BaseUser.select(BaseUser.id).where(BaseUser.username == username).first().run())
    return client.cookies.get("id"), user["id"]


@pytest.mark.parametrize("column", ["expiry_date", "max_expiry_date"])
def test_a_session_past_either_expiry_signs_no_one_in(client, column):
    from piccolo_api.session_auth.tables import SessionsBase

    token, _user = _learner_session(client)
    assert client.get("/me", follow_redirects=False).status_code == 200
    past = dt.datetime.now() - dt.timedelta(minutes=1)
    run(SessionsBase.update({getattr(SessionsBase, column): past}).where(SessionsBase.token == token).run())
    assert client.get("/me", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/me/certificates").status_code == 401


def test_a_deactivated_user_is_signed_out_and_an_account_decides_the_role(client):
    from piccolo.apps.user.tables import BaseUser

    from training.auth.access import actor_for_user, session_user
    from training.core.enums import Role

    token, user_id = _learner_session(client)
    user = run(session_user(token))
    assert user["id"] == user_id and user["active"] and user["account"]["role"] == "learner"
    assert run(actor_for_user(user)).role == Role.learner and run(session_user("no-such-token")) is None
    run(BaseUser.update({BaseUser.active: False}).where(BaseUser.id == user_id).run())
    assert client.get("/me", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/me/certificates").status_code == 401
