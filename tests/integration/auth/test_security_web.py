"""Issue 10, items 3 and 4: security headers, Secure cookies and HSTS behind https, a self-hosted
/schema, and sign-in (failures-only limits held in the database across workers, trusted proxies,
CSRF on the learner forms and bound to the session, learners kept out of the admin and the tools)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
import time

import httpx
import pytest
from factories import PASSWORD, admin_login, learner_account, run, serve, unique

from training.auth.accounts import create_account
from training.auth.tables import LoginFailure


def learner_login(client, username: str, password: str = PASSWORD):
    client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)


def set_cookies(response) -> list[str]:
    return response.headers.get_list("set-cookie")


# --- item 3: headers, cookies, /schema -------------------------------------------------------------

@pytest.mark.parametrize("path", ["/verify", "/login", "/api/provinces", "/admin/", "/schema", "/schema/openapi.json",
                                  "/schema-assets/swagger-ui-bundle.js", "/admin-labels.js", "/no-such-page",
                                  "/admin/api/tables/"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp, (path, csp)
    assert response.headers.get("x-frame-options") == "DENY"
    assert response.headers.get("referrer-policy") == "strict-origin-when-cross-origin"
    assert response.headers.get("x-content-type-options") == "nosniff"
    assert len(response.headers.get_list("content-security-policy")) == 1
    if response.headers.get("content-type", "").startswith("text/html"):
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "strict-transport-security" not in response.headers  # http: no HSTS


def test_over_http_no_cookie_is_secure(client):
    cookies = set_cookies(client.get("/admin/")) + set_cookies(client.get("/login"))
    assert cookies and not any("secure" in c.lower() for c in cookies)
    response = admin_login(client, "coord")
    assert response.status_code == 200
    assert not any("secure" in c.lower() for c in set_cookies(response))


def test_behind_https_cookies_are_secure_and_hsts_is_sent(app, monkeypatch, no_failures):
    from litestar.testing import TestClient

    monkeypatch.setenv("TRAINING_BASE_URL", "https://127.0.0.1")
    with TestClient(app=app, base_url="https://127.0.0.1") as client:
        first = client.get("/admin/")
        assert "max-age=31536000" in first.headers["strict-transport-security"]
        token = client.cookies.get("csrftoken")
        login = client.post("/admin/public/login/", json={"username": "coord", "password": PASSWORD},
                            headers={"X-CSRFToken": token, "Referer": "https://127.0.0.1/admin/"})
        assert login.status_code == 200, login.text
        cookies = set_cookies(first) + set_cookies(login)
        names = {c.split("=", 1)[0] for c in cookies}
        assert {"csrftoken", "id"} <= names
        assert all("; secure" in c.lower() for c in cookies), cookies
        learner = set_cookies(client.get("/login"))
        username = learner_account()
        signed_in = client.post("/login", data={"username": username, "password": PASSWORD,
                                                "csrftoken": client.cookies.get("csrftoken")}, follow_redirects=False)
        assert signed_in.status_code == 303
        assert all("; secure" in c.lower() for c in learner + set_cookies(signed_in))
        assert "strict-transport-security" in client.get("/api/provinces").headers
    from admin.site import labels_script

    assert "location.protocol==='https:'?'; Secure'" in labels_script()  # the admin's lang cookie


def test_an_admin_session_lasts_hours_not_a_week(client, no_failures):
    from piccolo_api.session_auth.tables import SessionsBase

    assert admin_login(client, "coord").status_code == 200
    row = run(SessionsBase.select().where(SessionsBase.token == client.cookies.get("id")).first().run())
    now = dt.datetime.now()
    assert dt.timedelta(hours=7.9) < row["expiry_date"] - now <= dt.timedelta(hours=8)
    assert dt.timedelta(hours=11.9) < row["max_expiry_date"] - now <= dt.timedelta(hours=12)


def test_schema_loads_nothing_from_another_host(client):
    for path in ("/schema", "/schema/swagger"):
        page = client.get(path)
        assert page.status_code == 200 and "swagger-ui" in page.text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)""", page.text)
        assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
        assert "<script>" not in page.text  # no inline script: it runs under script-src 'self'
        for url in urls:
            assert client.get(url).status_code == 200, url
    assert "SwaggerUIBundle" in client.get("/schema-assets/init.js").text
    assert client.get("/schema-assets/swagger-editor-bundle.js").status_code == 404
    assert client.get("/schema/openapi.json").json()["openapi"].startswith("3.")


# --- item 4: sign-in --------------------------------------------------------------------------------

def test_five_correct_sign_ins_in_a_row_all_succeed(client, monkeypatch, no_failures):
    monkeypatch.setenv("TRAINING_LOGIN_RATE_LIMIT", "3")
    for _ in range(5):
        assert admin_login(client, "coord").status_code == 200
    username = learner_account()
    for _ in range(5):
        assert learner_login(client, username).status_code == 303


def test_a_right_password_after_failures_works_under_the_limit_and_resets_nothing(client, monkeypatch, no_failures):
    monkeypatch.setenv("TRAINING_LOGIN_RATE_LIMIT", "3")
    username = learner_account()
    assert learner_login(client, username, "sai-mat-khau").status_code == 401
    assert learner_login(client, username, "sai-mat-khau").status_code == 401
    assert learner_login(client, username).status_code == 303  # under the limit: let in
    assert learner_login(client, username, "sai-mat-khau").status_code == 401  # the 3rd failure: count kept
    locked = learner_login(client, username)  # even the right password now waits
    assert locked.status_code == 429 and "Thử lại sau" in locked.text
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    assert run(LoginFailure.count().run()) == 3


LIMIT = 4


@pytest.fixture(scope="module")
def limited_server(database):
    """``training serve`` with 2 workers and a limit of 4 failed sign-ins (read at start-up by the
    old per-process limiters, at every attempt by ours)."""
    import os

    before = os.environ["TRAINING_LOGIN_RATE_LIMIT"]
    os.environ["TRAINING_LOGIN_RATE_LIMIT"] = str(LIMIT)
    try:
        with serve(workers=2) as base:
            yield base
    finally:
        os.environ["TRAINING_LOGIN_RATE_LIMIT"] = before


def _admin_client(base: str) -> httpx.Client:
    c = httpx.Client(base_url=base, timeout=60)
    c.get("/admin/")
    return c


def _admin_attempt(c: httpx.Client, username: str, password: str) -> httpx.Response:
    # 127.0.0.1 is not a trusted proxy here: the forwarded address must not be believed (uvicorn's
    # own proxy handling would believe it from 127.0.0.1)
    return c.post("/admin/public/login/", json={"username": username, "password": password},
                  headers={"X-CSRFToken": c.cookies.get("csrftoken"), "X-Forwarded-For": "203.0.113.50"})


def test_correct_sign_ins_are_never_limited_on_a_real_server(limited_server, no_failures):
    username = learner_account()
    c = _admin_client(limited_server)
    try:
        for _ in range(3 * LIMIT):  # at least LIMIT + 1 on one of the two workers
            assert _admin_attempt(c, "coord", PASSWORD).status_code == 200
        for _ in range(5):
            c.get("/login")
            r = c.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrftoken": c.cookies.get("csrftoken")})
            assert r.status_code == 303
    finally:
        c.close()


def test_wrong_passwords_across_two_workers_are_limited_in_total(limited_server, no_failures):
    attempts = 16
    username = unique("khoa.sec")
    run(create_account(username, "department", PASSWORD, province_code="56"))
    clients = [_admin_client(limited_server) for _ in range(attempts)]
    barrier = threading.Barrier(attempts)
    results: list[tuple[int, float, float]] = []

    def attempt(c: httpx.Client) -> None:
        barrier.wait()
        start = time.monotonic()
        r = _admin_attempt(c, username, "sai-mat-khau")
        results.append((r.status_code, start, time.monotonic()))

    threads = [threading.Thread(target=attempt, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(s for s, _a, _b in results)
    assert statuses == [401] * LIMIT + [429] * (attempts - LIMIT), statuses
    # The attempts were in flight together (a per-process limit would have let 2 x 4 through).
    assert max(sum(1 for _s, a, b in results if a <= t < b) for _s, t, _e in results) > 1
    right = _admin_attempt(clients[0], username, PASSWORD)
    assert right.status_code == 429 and "Thử lại sau" in right.json()["error"]["message"]
    assert set(_addresses()) == {"127.0.0.1"}
    for c in clients:
        c.close()


def _asgi_login(app, peer: str, forwarded_for: str, username: str) -> int:
    async def go() -> int:
        transport = httpx.ASGITransport(app=app, client=(peer, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            await c.get("/login")
            r = await c.post("/login", data={"username": username, "password": "sai-mat-khau",
                                             "csrftoken": c.cookies.get("csrftoken")},
                             headers={"X-Forwarded-For": forwarded_for})
            return r.status_code

    return asyncio.run(go())


def _addresses() -> list[str]:
    return [r["address"] for r in run(LoginFailure.select(LoginFailure.address).order_by(LoginFailure.id).run())]


def test_x_forwarded_for_only_from_a_trusted_proxy(app, monkeypatch, no_failures):
    monkeypatch.setenv("TRAINING_LOGIN_RATE_LIMIT", "2")
    assert _asgi_login(app, "10.1.2.3", "198.51.100.7", unique("a")) == 401  # no proxy configured
    assert _addresses() == ["10.1.2.3"]
    monkeypatch.setenv("TRAINING_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")
    assert _asgi_login(app, "203.0.113.9", "198.51.100.7", unique("a")) == 401  # untrusted peer: ignored
    assert _asgi_login(app, "203.0.113.9", "198.51.100.8", unique("a")) == 401
    assert _asgi_login(app, "203.0.113.9", "198.51.100.9", unique("a")) == 429  # the peer's limit, whatever XFF
    assert _asgi_login(app, "10.1.2.3", "198.51.100.7", unique("a")) == 401  # trusted proxy: the client in XFF
    # a forged left-most entry is not believed: the right-most address not of a trusted proxy is the client
    assert _asgi_login(app, "10.1.2.3", "1.1.1.1, 198.51.100.7, 192.0.2.1", unique("a")) == 401
    assert _asgi_login(app, "10.1.2.3", "198.51.100.7", unique("a")) == 429  # its 2 failures: locked
    assert _asgi_login(app, "10.1.2.3", "198.51.100.99", unique("a")) == 401  # another client: not
    assert _addresses() == ["10.1.2.3", "203.0.113.9", "203.0.113.9", "198.51.100.7", "198.51.100.7",
                            "198.51.100.99"]


def test_learner_login_and_logout_need_the_csrf_token(client, no_failures):
    from piccolo_api.session_auth.tables import SessionsBase

    username = learner_account()
    client.get("/login")
    refused = client.post("/login", data={"username": username, "password": PASSWORD}, follow_redirects=False)
    assert refused.status_code == 403 and "tải lại trang" in refused.text and "id" not in client.cookies
    forged = client.post("/login", data={"username": username, "password": PASSWORD, "csrftoken": "x" * 64},
                         follow_redirects=False)
    assert forged.status_code == 403
    assert learner_login(client, username).status_code == 303
    session = client.cookies.get("id")
    assert client.post("/logout", data={}, follow_redirects=False).status_code == 403
    assert run(SessionsBase.get_user_id(session)) is not None  # still signed in
    page = client.get("/me")
    token = re.search(r'name="csrftoken" value="([^"]+)"', page.text).group(1)
    assert client.post("/logout", data={"csrftoken": token}, follow_redirects=False).status_code == 303
    assert run(SessionsBase.get_user_id(session)) is None


def test_the_csrf_token_of_one_session_is_refused_with_another(app, no_failures):
    from litestar.testing import TestClient
    from piccolo_api.session_auth.tables import SessionsBase

    with TestClient(app=app, base_url="http://127.0.0.1") as a, TestClient(app=app, base_url="http://127.0.0.1") as b:
        assert admin_login(a, "coord").status_code == 200
        assert admin_login(b, "coord").status_code == 200
        token_a, token_b = a.cookies.get("csrftoken"), b.cookies.get("csrftoken")
        assert token_a != token_b
        # B's session with A's token, in the cookie and the header alike (a double submit would pass)
        b.cookies.set("csrftoken", token_a)
        api = b.post("/api/classes/999999999/close", json={}, headers={"X-CSRFToken": token_a})
        assert api.status_code == 403 and api.json()["error"]["code"] == "csrf"
        admin = b.post("/admin/public/logout/", headers={"X-CSRFToken": token_a, "Referer": "http://127.0.0.1/"})
        assert admin.status_code == 403 and "tải lại trang" in admin.json()["error"]["message"]
        assert run(SessionsBase.get_user_id(b.cookies.get("id"))) is not None  # not signed out
        # with its own token B gets through the CSRF check (then: no such class)
        b.cookies.set("csrftoken", token_b)
        own = b.post("/api/classes/999999999/close", json={}, headers={"X-CSRFToken": token_b})
        assert own.status_code == 404, own.text
        edit = b.get("/admin/api/tables/province/?__page_size=1", headers={"X-CSRFToken": token_b})
        assert edit.status_code == 200


def test_learners_cannot_sign_in_to_the_admin_nor_open_the_tools(client, no_failures):
    from piccolo_api.session_auth.tables import SessionsBase

    username = learner_account()
    sessions = run(SessionsBase.count().run())
    refused = admin_login(client, username)
    assert refused.status_code == 403
    assert "/login" in refused.json()["error"]["message"] and "học viên" in refused.json()["error"]["message"]
    assert run(SessionsBase.count().run()) == sessions  # the session piccolo made was deleted
    assert client.get("/admin/api/tables/").status_code in (401, 403)
    assert learner_login(client, username).status_code == 303
    for path in ("/tools/roster", "/tools/staff", "/tools/attendance-sheet", "/tools/certificates"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "learner_not_staff"
    assert client.get("/me").status_code == 200


# --- the admin and /schema in a real browser, under the Content-Security-Policy ---------------------
