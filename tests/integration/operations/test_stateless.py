"""No state on a server's disk that another server needs (issue 14, item 1; ADR 0040): signing keys and
certificate PDFs in the database, rate limits counted there, migrations under a lock, the pool size."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from factories import IS_POSTGRES, ROOT, run, token_for
from factories.certificates import certificates_of, closed_class, drop_pdf, issue, stored_pdf

SECRET = os.environ["TRAINING_SECRET_KEY"]


# --- migrations under a lock --------------------------------------------------------------------------

@pytest.fixture()
def fresh_database(tmp_path):
    """An empty database of the engine under test: a new PostgreSQL database, or a new SQLite file."""
    if not IS_POSTGRES:
        yield f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        return
    import asyncpg

    base = os.environ["DATABASE_URL"]
    name = f"training_fresh_{uuid.uuid4().hex[:10]}"
    admin_url = base.rsplit("/", 1)[0] + "/postgres"

    async def execute(sql: str) -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run(execute(f"CREATE DATABASE {name}"))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        run(execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_two_servers_migrating_a_fresh_database_at_once_both_succeed(fresh_database, tmp_path):
    env = {**os.environ, "DATABASE_URL": fresh_database}
    procs = []
    for name in ("a", "b"):
        env_one = {**env, "TRAINING_DATA_DIR": str(tmp_path / name)}
        procs.append(subprocess.Popen([sys.executable, "-m", "training.cli.main", "migrate"], cwd=ROOT, env=env_one,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    assert all(p.poll() is None for p in procs), "both migrations were running at the same time"
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "34 provinces" in out or "34 tỉnh" in out, out
    check = subprocess.run([sys.executable, "-m", "training.cli.main", "migrate"], cwd=ROOT,
                           env={**env, "TRAINING_DATA_DIR": str(tmp_path / "c")}, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


# --- rate limits shared by every process ----------------------------------------------------------------

@pytest.fixture()
def public_counts():
    from training.auth.tables import RequestCount

    run(RequestCount.delete().where(RequestCount.bucket == "public").run())
    yield
    run(RequestCount.delete().where(RequestCount.bucket == "public").run())


def test_the_public_rate_limit_is_one_limit_for_two_servers(public_counts, monkeypatch):
    """Two app instances (as two servers or two workers): 5 requests a minute in all, not 5 each."""
    from litestar.testing import TestClient

    from training.web.app import create_app

    monkeypatch.setenv("TRAINING_PUBLIC_RATE_LIMIT", "5")
    with TestClient(app=create_app(), base_url="http://127.0.0.1") as a, \
            TestClient(app=create_app(), base_url="http://127.0.0.1") as b:
        statuses = [(a if i % 2 else b).get("/api/verify/KHONG-CO-SO-NAY").status_code for i in range(8)]
        refused = a.get("/api/verify/KHONG-CO-SO-NAY")
    assert statuses == [404] * 5 + [429] * 3, statuses
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["message"].startswith("Quá nhiều yêu cầu")
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_requests_at_once_from_two_processes_never_pass_the_limit():
    from training.auth.ratelimit import SharedLimit

    bucket = f"test-{uuid.uuid4().hex[:8]}"
    servers = [SharedLimit(bucket, 10), SharedLimit(bucket, 10)]
    now = time.time()
    inside = {"now": 0, "most": 0}

    async def one(i: int):
        inside["now"] += 1
        inside["most"] = max(inside["most"], inside["now"])
        try:
            return await servers[i % 2].hit("198.51.100.7", now)
        finally:
            inside["now"] -= 1

    async def burst():
        return await asyncio.gather(*[one(i) for i in range(30)])

    verdicts = run(burst())
    assert inside["most"] > 1, "the requests overlapped"
    assert sum(v.allowed for v in verdicts) == 10
    assert run(servers[0].hit("198.51.100.8", now)).allowed  # another address has its own count


def test_the_pool_size_setting(monkeypatch):
    from training.core.config import db_pool_size

    monkeypatch.delenv("TRAINING_DB_POOL_SIZE", raising=False)
    assert db_pool_size() == 10
    monkeypatch.setenv("TRAINING_DB_POOL_SIZE", "4")
    assert db_pool_size() == 4
    monkeypatch.setenv("TRAINING_DB_POOL_SIZE", "0")
    assert db_pool_size() == 1


# --- signing keys: from an older version's data folder into the database, once ---------------------------

def _write_key_file(folder: Path, private: Ed25519PrivateKey, encrypted: bool, when: float) -> str:
    from certificates.signing import key_id

    kid = key_id(private.public_key())
    encryption = (serialization.BestAvailableEncryption(SECRET.encode()) if encrypted
                  else serialization.NoEncryption())
    path = folder / f"{kid}.pem"
    path.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    os.utime(path, (when, when))
    return kid


def _token(private: Ed25519PrivateKey, number: str) -> str:
    from certificates.signing import b64e, canonical_payload, key_id

    payload = canonical_payload({"n": number, "kid": key_id(private.public_key())})
    return b64e(payload) + "." + b64e(private.sign(payload))


@pytest.fixture()
def empty_key_table():
    from certificates.tables import SigningKey

    saved = run(SigningKey.select().run())
    run(SigningKey.delete(force=True).run())
    # the keys of earlier tests stay (their certificates must keep verifying, or the start refuses), none current:
    # as a database that an older version filled, whose current key is still in its keys/ folder
    if saved:
        run(SigningKey.insert(*[SigningKey(**{k: v for k, v in row.items() if k not in ("id", "is_current")},
                                           is_current=False) for row in saved]).run())
    yield len(saved)
    run(SigningKey.delete(force=True).run())
    if saved:
        run(SigningKey.insert(*[SigningKey(**{k: v for k, v in row.items() if k != "id"}) for row in saved]).run())


def test_keys_an_older_version_kept_on_disk_are_imported_once_at_start(empty_key_table, tmp_path, monkeypatch):
    from litestar.testing import TestClient

    from certificates.signing import keyring
    from certificates.tables import SigningKey
    from training.web.app import create_app

    folder = tmp_path / "data" / "keys"
    folder.mkdir(parents=True)
    old, current = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    old_kid = _write_key_file(folder, old, encrypted=False, when=1_700_000_000)  # 2023-11-14, never encrypted
    current_kid = _write_key_file(folder, current, encrypted=True, when=1_710_000_000)  # 2024-03-09
    (folder / "current").write_text(current_kid)
    monkeypatch.setenv("TRAINING_DATA_DIR", str(tmp_path / "data"))
    for _start in range(2):  # a second start imports nothing more
        with TestClient(app=create_app(), base_url="http://127.0.0.1") as client:
            keys = client.get("/.well-known/certificate-keys").json()["keys"]
    assert [(k["kid"], k["created"], k["current"]) for k in keys if k["kid"] in (old_kid, current_kid)] == [
        (old_kid, "2023-11-14", False), (current_kid, "2024-03-09", True)]
    assert [k["kid"] for k in keys if k["current"]] == [current_kid]
    assert run(SigningKey.count().run()) == empty_key_table + 2
    for private in (old, current):
        assert run(keyring().verify(_token(private, "KH-1")))["n"] == "KH-1"
    ring = run(keyring().ready())
    assert ring.sign({"n": "KH-2"})[1] == current_kid  # the folder's current key keeps signing


def test_a_key_only_on_disk_joins_a_database_that_already_has_keys_without_taking_over(tmp_path, monkeypatch):
    from certificates.signing import check_signing_keys, keyring
    from certificates.tables import SigningKey

    before = run(keyring().ready()).current.kid
    folder = tmp_path / "data" / "keys"
    folder.mkdir(parents=True)
    private = Ed25519PrivateKey.generate()
    kid = _write_key_file(folder, private, encrypted=True, when=time.time())
    (folder / "current").write_text(kid)
    monkeypatch.setenv("TRAINING_DATA_DIR", str(tmp_path / "data"))
    try:
        run(check_signing_keys())
        assert run(keyring().ready()).current.kid == before
        assert run(keyring().verify(_token(private, "KH-3")))["n"] == "KH-3"
    finally:
        run(SigningKey.delete().where(SigningKey.kid == kid).run())


def test_a_rotation_by_another_process_is_seen_at_once():
    """Process B rotates (``training certificates rotate-key``); this process signs with the new key at its
    next issue and verifies what B's key signed, without a restart."""
    from certificates.signing import keyring

    cls = closed_class(["Vũ Thị Xoay"])
    issue(cls)
    [old] = certificates_of(cls)
    rotated = subprocess.run([sys.executable, "-m", "training.cli.main", "certificates", "rotate-key"], cwd=ROOT,
                             env=os.environ.copy(), capture_output=True, text=True, timeout=180)
    assert rotated.returncode == 0, rotated.stderr
    cls2 = closed_class(["Vũ Văn Xoay"])
    issue(cls2)
    [new] = certificates_of(cls2)
    assert new["key_id"] != old["key_id"] and new["key_id"] in rotated.stdout
    for row in (old, new):
        assert run(keyring().verify(row["token"]))["n"] == row["number"]


# --- certificate PDFs in the database -------------------------------------------------------------------

def test_a_pdf_an_older_version_stored_on_disk_is_taken_into_the_database(client):
    from certificates.storage import pdf_path
    from certificates.tables import Certificate

    cls = closed_class(["Đỗ Thị Đĩa"])
    issue(cls)
    [row] = certificates_of(cls)
    legacy = stored_pdf(row) + b"\n% written by an older version\n"
    drop_pdf(row)
    path = pdf_path(row["number"], row["register_year"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(legacy)
    run(Certificate.update({Certificate.pdf_sha256: hashlib.sha256(legacy).hexdigest()})
        .where(Certificate.id == row["id"]).run())
    response = client.get(f"/api/certificates/{row['id']}/pdf", headers=token_for("coord"))
    assert response.status_code == 200 and response.content == legacy  # the file as it was, not a new render
    path.unlink()  # the data folder is no longer needed for it
    assert stored_pdf(row) == legacy
