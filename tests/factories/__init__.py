"""What the tests share besides fixtures: the repository root, the base accounts' password, running a coroutine
against the test database, admin sessions and API tokens, a real ``training serve`` process, and small
factories for rows (courses, classes, people, enrolments).

tests/conftest.py points the service at the test database before anything of ours is imported, then imports
this package; test modules import from here (``from factories import make_class``), never from conftest or
from another test module. Larger helpers live beside it: factories.roster, factories.certificates,
factories.classes and factories.browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"

PASSWORD = "Test@12345"
IS_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")


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



def token_for(username: str) -> dict[str, str]:
    """Bearer-token headers for API calls as one of the base accounts."""
    from training.auth.tokens import create_token

    return {"Authorization": f"Bearer {run(create_token(username))}"}



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(workers: int = 1, env: dict[str, str] | None = None):
    """``training serve`` as a real process on a free port, on the test database (or the environment
    ``env`` overrides); yields its base URL. Its output goes to ``serve_log(base)``."""
    port = free_port()
    log_path = serve_log(f"http://127.0.0.1:{port}")
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "training.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
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


def serve_log(base: str) -> Path:
    """The file the ``training serve`` of ``serve()`` at ``base`` writes its output to."""
    return Path(os.environ["TRAINING_DATA_DIR"]) / f"serve-{base.rsplit(':', 1)[1]}.log"


# --- small factories -------------------------------------------------------------------------

def province_id(code: str) -> int:
    from training.reference.tables import Province

    return run(Province.select(Province.id).where(Province.code == code).first().run())["id"]


def legacy_province_id(code: str) -> int:
    from training.reference.tables import LegacyProvince

    return run(LegacyProvince.select(LegacyProvince.id).where(LegacyProvince.code == code).first().run())["id"]


_counter = iter(range(1, 10**9))
# Serial numbers (digits 7–12 of a CCCD) of the people tests make: one fixed sequence for the whole session, so
# every run builds the same numbers and no two test files can build the same CCCD (fixed serials elsewhere in the
# tests: under 100,001 or from 777,001 up).
_serials = itertools.count(100_001)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter):05d}"


def cccd_serial() -> int:
    """The next CCCD serial of this session (see ``_serials``)."""
    return next(_serials)


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


def learner_account() -> str:
    """A new learner account (for a new person) with the base password; returns its username."""
    from training.auth.accounts import create_account

    username = unique("hocvien.sec")
    run(create_account(username, "learner", PASSWORD, person_id=make_person(full_name="Lê Thị Hoa")["id"]))
    return username
