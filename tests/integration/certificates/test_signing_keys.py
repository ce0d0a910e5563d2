"""Signing keys cannot be lost silently, and a copy of the database alone cannot sign (ADR 0019, 0040)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from factories import ROOT, run
from factories.certificates import certificates_of, closed_class, issue

SECRET = os.environ["TRAINING_SECRET_KEY"]
RESTORE = "Hãy khôi phục bảng signing_key"
LOCKED = "Không giải mã được khóa ký"


@pytest.fixture(scope="module")
def certificate():
    cls = closed_class(["Phan Thị Lụa"])
    issue(cls)
    [row] = certificates_of(cls)
    assert row["key_id"]
    return row


def training(*args, **env):
    return subprocess.run([sys.executable, "-m", "training.cli.main", *args], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=180)


def _domain_errors(exc: BaseException) -> list:
    """The DomainErrors in an exception (the test client wraps start-up errors in groups)."""
    from training.core.errors import DomainError

    if isinstance(exc, DomainError):
        return [exc]
    return [e for inner in getattr(exc, "exceptions", ()) for e in _domain_errors(inner)]


@pytest.fixture()
def keys_lost():
    """The signing_key table emptied (as by a partial restore); put back afterwards."""
    from certificates.tables import SigningKey

    saved = run(SigningKey.select().run())
    run(SigningKey.delete(force=True).run())
    yield saved
    run(SigningKey.delete(force=True).run())
    if saved:
        run(SigningKey.insert(*[SigningKey(**{k: v for k, v in row.items() if k != "id"}) for row in saved]).run())


def test_the_server_and_cli_refuse_to_start_without_the_keys_and_start_once_they_are_restored(
        certificate, keys_lost, tmp_path):
    from litestar.testing import TestClient

    from certificates.tables import Certificate, SigningKey
    from training.web.app import create_app

    with pytest.raises(BaseException) as refused:
        with TestClient(app=create_app(), base_url="http://127.0.0.1"):
            pass
    [error] = _domain_errors(refused.value)
    assert certificate["key_id"] in error.text() and RESTORE in error.text(), error.text()
    before = run(Certificate.count().run())
    cls = closed_class(["Lò Văn Khánh"])
    for args in (["certificates", "issue", cls["code"]], ["serve", "--port", "1"]):
        result = training(*args, TRAINING_DATA_DIR=str(tmp_path / "data"))
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert certificate["key_id"] in result.stderr and RESTORE in result.stderr, result.stderr
    assert run(Certificate.count().run()) == before
    assert run(SigningKey.count().run()) == 0, "no new key was generated"

    run(SigningKey.insert(*[SigningKey(**{k: v for k, v in row.items() if k != "id"}) for row in keys_lost]).run())
    with TestClient(app=create_app(), base_url="http://127.0.0.1") as client:
        body = client.get(f"/api/verify/{certificate['number']}", params={"t": certificate["token"]}).json()
        assert body["signature_checked"] is True


def test_private_keys_in_the_database_are_sealed_with_the_secret(certificate):
    from certificates.signing import b64d, unseal
    from certificates.tables import SigningKey

    rows = run(SigningKey.select().run())
    assert rows and sum(bool(r["is_current"]) for r in rows) == 1
    for row in rows:
        assert row["private_key"].startswith("v1.")
        assert unseal(row["private_key"], "not-the-secret", row["kid"]) is None
        assert unseal(row["private_key"], SECRET, "another-kid") is None  # bound to its kid
        private = unseal(row["private_key"], SECRET, row["kid"])
        raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        assert base64.urlsafe_b64encode(raw).rstrip(b"=").decode() not in row["private_key"]
        public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        assert b64d(row["public_key"]) == public


def test_a_wrong_secret_is_a_clear_start_up_error(certificate):
    from certificates.signing import unseal
    from certificates.tables import SigningKey

    result = training("serve", "--port", "1", TRAINING_SECRET_KEY="not-the-secret")
    assert result.returncode == 2, result.stderr
    assert LOCKED in result.stderr and "TRAINING_SECRET_KEY" in result.stderr, result.stderr
    result = training("certificates", "issue", "KHONG-CO", TRAINING_SECRET_KEY="not-the-secret")
    assert result.returncode == 2 and LOCKED in result.stderr, result.stderr
    for row in run(SigningKey.select().run()):  # untouched: they still open with the right secret
        assert unseal(row["private_key"], SECRET, row["kid"]) is not None


def test_keys_sealed_with_the_generated_secret_move_to_the_configured_one():
    import datetime as dt

    from certificates.signing import KeyRing, b64e, key_id, seal, unseal
    from certificates.tables import SigningKey
    from training.core.errors import DomainError

    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key())
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    run(SigningKey.insert(SigningKey(kid=kid, public_key=b64e(public), created_at=dt.datetime.now(dt.UTC),
                                     private_key=seal(private, "generated-secret", kid))).run())
    try:
        with pytest.raises(DomainError) as wrong:
            run(KeyRing(SECRET).key_ids())
        assert wrong.value.code == "signing_key_undecryptable" and kid in wrong.value.text()
        assert kid in run(KeyRing(SECRET, ("generated-secret",)).key_ids())
        [row] = run(SigningKey.select().where(SigningKey.kid == kid).run())
        assert unseal(row["private_key"], SECRET, kid) is not None  # sealed again under the configured one
        assert unseal(row["private_key"], "generated-secret", kid) is None
    finally:
        run(SigningKey.delete().where(SigningKey.kid == kid).run())
