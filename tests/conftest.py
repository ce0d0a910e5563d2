"""Test set-up: a real database (a fresh SQLite file, or PostgreSQL from TEST_DATABASE_URL),
migrated from empty once per session; real HTTP through Litestar's test client; a real
``training serve`` process for the browser and smoke tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"

# Engines bind at import: configure the database before importing anything of ours.
_DATA_DIR = Path(tempfile.mkdtemp(prefix="training-test-"))
os.environ["TRAINING_DATA_DIR"] = str(_DATA_DIR)
os.environ["TRAINING_SECRET_KEY"] = "test-secret-key"
os.environ["TRAINING_LOGIN_RATE_LIMIT"] = "100000"  # every test signs in from 127.0.0.1
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_DATA_DIR / 'test.sqlite'}"

PASSWORD = "Test@12345"
IS_POSTGRES = os.environ["DATABASE_URL"].startswith("postgres")


def pytest_collection_modifyitems(session, config, items):
    """The schemathesis run (test_fuzz.py) goes last: it may close, re-open or withdraw on any id it
    does not map onto its own rows, so no other test's rows can still be in use when it runs."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/test_fuzz.py"))


def run(coro):
    """Run a coroutine against the test database (a new event loop each time; in a worker thread
    when this thread already runs a loop, as under Playwright's sync API)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def pytest_sessionstart(session):
    """Empty the PostgreSQL test database before collection: a test module that builds the app while
    it is collected (tests/test_fuzz.py) must not meet a previous run's data."""
    if IS_POSTGRES:
        run(_reset_postgres(os.environ["DATABASE_URL"]))


@pytest.fixture(scope="session", autouse=True)
def database():
    """Migrations from empty, then the base accounts every test can use."""
    from training.reference.provinces import migrate_and_load_provinces

    run(migrate_and_load_provinces())
    from training.auth.accounts import create_account

    run(create_account("coord", "coordinator", PASSWORD))
    run(create_account("dept.khanhhoa", "department", PASSWORD, province_code="56"))
    run(create_account("dept.thainguyen", "department", PASSWORD, province_code="19"))
    yield


@pytest.fixture(scope="session")
def app(database):
    from training.web.app import create_app

    return create_app()


@pytest.fixture()
def client(app):
    from litestar.testing import TestClient

    with TestClient(app=app, base_url="http://127.0.0.1") as c:
        yield c


def admin_login(client, username: str, password: str = PASSWORD):
    """Sign in to the admin like the browser does: CSRF cookie, then POST with X-CSRFToken."""
    client.get("/admin/")
    token = client.cookies.get("csrftoken")
    assert token, "the admin sets a csrftoken cookie"
    response = client.post(
        "/admin/public/login/",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": token, "Referer": "http://127.0.0.1/admin/"},
    )
    return response


class AdminSession:
    """An admin session of one user, with the CSRF header on every write. Several may share one
    client: each request goes out with this session's own cookies (the CSRF token is bound to the
    session, so another session's token would be refused)."""

    def __init__(self, client, username: str):
        self.client = client
        response = admin_login(client, username)
        assert response.status_code in (200, 303), response.text
        self.cookies = {"id": client.cookies.get("id"), "csrftoken": client.cookies.get("csrftoken")}
        self.headers = {"X-CSRFToken": self.cookies["csrftoken"], "Referer": "http://127.0.0.1/admin/"}

    def _client(self):
        for cookie in self.client.cookies.jar:
            if cookie.name in self.cookies:
                cookie.value = self.cookies[cookie.name]
        return self.client

    def get(self, path, **kw):
        return self._client().get(f"/admin/api{path}", headers=self.headers, **kw)

    def post(self, path, json):
        return self._client().post(f"/admin/api{path}", json=json, headers=self.headers)

    def patch(self, path, json):
        return self._client().patch(f"/admin/api{path}", json=json, headers=self.headers)

    def put(self, path, json):
        return self._client().put(f"/admin/api{path}", json=json, headers=self.headers)

    def delete(self, path):
        return self._client().delete(f"/admin/api{path}", headers=self.headers)


@pytest.fixture()
def as_coordinator(client):
    return AdminSession(client, "coord")


@pytest.fixture()
def as_khanhhoa(client):
    return AdminSession(client, "dept.khanhhoa")


def token_for(username: str) -> dict[str, str]:
    """Bearer-token headers for API calls as one of the base accounts."""
    from training.auth.tokens import create_token

    return {"Authorization": f"Bearer {run(create_token(username))}"}


@pytest.fixture(scope="module")
def coord():
    return token_for("coord")


@pytest.fixture(scope="module")
def khanhhoa():
    return token_for("dept.khanhhoa")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(workers: int = 1):
    """``training serve`` as a real process on a free port, on the test database; yields its base URL."""
    port = free_port()
    log_path = _DATA_DIR / f"serve-{port}.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "training.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log_path.read_text())
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    else:
        proc.kill()
        raise RuntimeError("training serve did not start within 60 s")
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def live_server(database):
    """``training serve`` as a real process on a free port, on the test database."""
    with serve() as base:
        yield base


# --- small factories -------------------------------------------------------------------------

def province_id(code: str) -> int:
    from training.reference.tables import Province

    return run(Province.select(Province.id).where(Province.code == code).first().run())["id"]


def legacy_province_id(code: str) -> int:
    from training.reference.tables import LegacyProvince

    return run(LegacyProvince.select(LegacyProvince.id).where(LegacyProvince.code == code).first().run())["id"]


_counter = iter(range(1, 10**9))


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter):05d}"


def make_course(level: str = "refresher", **values) -> dict:
    from training.auth.access import SYSTEM
    from training.classes.tables import Course
    from training.records.rows import create_row

    data = {"code": unique("T-"), "name_vi": "Bồi dưỡng nghiệp vụ", "level": level,
            "certificate_kind": "attestation", "hours": 24, **values}
    return run(create_row(Course, data, SYSTEM))


def make_class(province_code: str = "56", **values) -> dict:
    import datetime as dt

    from training.auth.access import SYSTEM
    from training.classes.tables import TrainingClass
    from training.records.rows import create_row

    course = values.pop("course", None) or make_course()["id"]
    status = values.pop("status", "planned")
    data = {"course": course, "code": unique("L-"), "host_province": province_id(province_code),
            "start_date": dt.date(2026, 3, 2), "end_date": dt.date(2026, 3, 27), "capacity": 30, **values}
    row = run(create_row(TrainingClass, {**data, "status": status if status in ("planned", "open") else "planned"},
                         SYSTEM))
    if row["status"] != status:  # a past class as the demo records it (users close a class with close_class)
        run(TrainingClass.update({TrainingClass.status: status}).where(TrainingClass.id == row["id"]).run())
        row["status"] = status
    return row


def make_enrolment(class_id: int, person_id: int, status: str = "confirmed", **values) -> dict:
    """An enrolment written straight to the database, as the demo records past classes (users enrol with
    enrolment.enrol, which decides the status)."""
    import datetime as dt

    from training.classes.tables import Enrolment
    from training.coverage.facts import refresh_people

    row = Enrolment(training_class=class_id, person=person_id, status=status,
                    enrolled_at=values.pop("enrolled_at", dt.datetime.now(dt.UTC)), **values)
    run(row.save().run())
    run(refresh_people([person_id]))
    return run(Enrolment.select().where(Enrolment.id == row.id).first().run())


def make_person(province_code: str = "56", **values) -> dict:
    from training.auth.access import SYSTEM
    from training.people.tables import Person
    from training.records.rows import create_row

    data = {"full_name": "Trần Văn Bình", "sex": "male", "staff_category": "collaborator",
            "province": province_id(province_code), **values}
    return run(create_row(Person, data, SYSTEM))
