"""Test set-up: a real database (a fresh SQLite file, or PostgreSQL from TEST_DATABASE_URL),
migrated from empty once per session; real HTTP through Litestar's test client; a real
``training serve`` process for the browser and smoke tests. Fixtures only: the helpers tests
import live in tests/factories (``from factories import ...``).
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest

# Engines bind at import: configure the database before importing anything of ours.
_DATA_DIR = Path(tempfile.mkdtemp(prefix="training-test-"))
os.environ["TRAINING_DATA_DIR"] = str(_DATA_DIR)
os.environ["TRAINING_SECRET_KEY"] = "test-secret-key"
os.environ["TRAINING_LOGIN_RATE_LIMIT"] = "100000"  # every test signs in from 127.0.0.1
# The servers tests start deliver no messages unless a test asks (tests/integration/notifications/test_delivery.py).
os.environ["TRAINING_NOTIFY_SENDER"] = "0"
if os.environ.get("TEST_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["TEST_DATABASE_URL"]
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_DATA_DIR / 'test.sqlite'}"

from aiosmtpd.controller import Controller  # noqa: E402
from factories import IS_POSTGRES, PASSWORD, AdminSession, free_port, run, serve, token_for  # noqa: E402 (after the set-up)
from factories.channels import Gateway, Inbox  # noqa: E402


def pytest_collection_modifyitems(session, config, items):
    """The schemathesis run (test_fuzz.py) goes last: it may close, re-open or withdraw on any id it
    does not map onto its own rows, so no other test's rows can still be in use when it runs."""
    items.sort(key=lambda item: item.path.name == "test_fuzz.py")


async def _reset_postgres(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


def pytest_sessionstart(session):
    """Empty the PostgreSQL test database before collection: a test module that builds the app while
    it is collected (test_fuzz.py) must not meet a previous run's data."""
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


@pytest.fixture()
def as_coordinator(client):
    return AdminSession(client, "coord")


@pytest.fixture()
def as_khanhhoa(client):
    return AdminSession(client, "dept.khanhhoa")


@pytest.fixture(scope="module")
def coord():
    return token_for("coord")


@pytest.fixture(scope="module")
def khanhhoa():
    return token_for("dept.khanhhoa")


@pytest.fixture(scope="session")
def live_server(database):
    """``training serve`` as a real process on a free port, on the test database."""
    with serve() as base:
        yield base


@pytest.fixture()
def no_failures():
    """Sign-in failures of earlier tests (all from the test client's address) must not count here."""
    from training.auth.tables import LoginFailure

    run(LoginFailure.delete(force=True).run())
    yield
    run(LoginFailure.delete(force=True).run())


# --- a real SMTP server and a real SMS gateway on 127.0.0.1 (tests/factories/channels.py) ---------------------

@pytest.fixture()
def smtp(monkeypatch):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setenv("TRAINING_SMTP_URL", f"smtp://127.0.0.1:{controller.port}")
    monkeypatch.setenv("TRAINING_SMTP_FROM", "dao-tao@so-yte.example.vn")
    yield inbox
    controller.stop()


@pytest.fixture()
def gateway(monkeypatch):
    gw = Gateway()
    thread = threading.Thread(target=gw.server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TRAINING_SMS_WEBHOOK_URL", gw.url)
    monkeypatch.setenv("TRAINING_SMS_WEBHOOK_TOKEN", "gw-token-1")
    monkeypatch.setenv("TRAINING_NOTIFY_TIMEOUT", "0.5")
    yield gw
    gw.server.shutdown()
    gw.server.server_close()
