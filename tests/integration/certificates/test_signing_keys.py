"""Signing keys cannot be lost silently, and a copy of the key folder alone cannot sign."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from factories import ROOT, run
from factories.certificates import certificates_of, closed_class, issue

SECRET = os.environ["TRAINING_SECRET_KEY"]
REAL_KEYS = Path(os.environ["TRAINING_DATA_DIR"]) / "keys"  # the test session's data folder (conftest)
RESTORE = "Hãy chép thư mục keys/ từ bản sao lưu vào"


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


def test_the_server_refuses_to_start_without_the_keys_and_starts_once_they_are_restored(certificate, tmp_path,
                                                                                          monkeypatch):
    from litestar.testing import TestClient

    from training.web.app import create_app

    # A data folder whose keys/ was lost (the database still holds the certificates).
    monkeypatch.setenv("TRAINING_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(BaseException) as refused:
        with TestClient(app=create_app(), base_url="http://127.0.0.1"):
            pass
    [error] = _domain_errors(refused.value)
    message = error.text()
    assert certificate["key_id"] in message and RESTORE in message and str(tmp_path / "data" / "keys") in message
    assert not list((tmp_path / "data").glob("keys/*.pem")), "no new key was generated"

    shutil.copytree(REAL_KEYS, tmp_path / "data" / "keys")
    with TestClient(app=create_app(), base_url="http://127.0.0.1") as client:
        body = client.get(f"/api/verify/{certificate['number']}", params={"t": certificate["token"]}).json()
        assert body["signature_checked"] is True


def test_the_cli_refuses_to_sign_or_serve_without_the_keys(certificate, tmp_path):
    from certificates.tables import Certificate

    before = run(Certificate.count().run())
    cls = closed_class(["Lò Văn Khánh"])
    empty = str(tmp_path / "data")
    for args in (["certificates", "issue", cls["code"]], ["certificates", "reissue", certificate["number"],
                                                          "--reason", "Sai ngày sinh"], ["serve", "--port", "1"]):
        result = training(*args, TRAINING_DATA_DIR=empty)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert certificate["key_id"] in result.stderr and RESTORE in result.stderr, result.stderr
    assert run(Certificate.count().run()) == before
    assert not list((tmp_path / "data").glob("keys/*.pem"))


def test_keys_on_disk_are_encrypted_with_the_secret(certificate):
    pems = sorted(REAL_KEYS.glob("*.pem"))
    assert pems
    for path in pems:
        data = path.read_bytes()
        assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        with pytest.raises(TypeError):
            serialization.load_pem_private_key(data, password=None)
        key = serialization.load_pem_private_key(data, password=SECRET.encode())
        assert isinstance(key, Ed25519PrivateKey)


def test_a_wrong_secret_is_a_clear_start_up_error(certificate):
    result = training("serve", "--port", "1", TRAINING_SECRET_KEY="not-the-secret")
    assert result.returncode == 2, result.stderr
    assert "Không giải mã được khóa ký" in result.stderr and "TRAINING_SECRET_KEY" in result.stderr, result.stderr
    result = training("certificates", "issue", "KHONG-CO", TRAINING_SECRET_KEY="not-the-secret")
    assert result.returncode == 2 and "Không giải mã được khóa ký" in result.stderr, result.stderr
    # The keys are untouched and still open with the right secret.
    for path in REAL_KEYS.glob("*.pem"):
        serialization.load_pem_private_key(path.read_bytes(), password=SECRET.encode())


def test_keys_written_unencrypted_by_older_versions_load_and_are_encrypted(tmp_path):
    from certificates.signing import KeyRing, key_id

    private = Ed25519PrivateKey.generate()
    kid = key_id(private.public_key())
    tmp_path.joinpath(f"{kid}.pem").write_bytes(private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    tmp_path.joinpath("current").write_text(kid)
    os.utime(tmp_path / f"{kid}.pem", (1_700_000_000, 1_700_000_000))  # written on 2023-11-14
    ring = KeyRing(tmp_path, "s3cret")
    token, signed_by = ring.sign({"number": "KH-1"})
    assert signed_by == kid and ring.verify(token)["number"] == "KH-1"
    data = tmp_path.joinpath(f"{kid}.pem").read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert KeyRing(tmp_path, "s3cret").key_ids() == {kid}
    assert ring.public_keys()[0]["created"] == "2023-11-14"  # re-encrypting keeps the key's date


def test_keys_of_the_generated_secret_move_to_the_configured_one(tmp_path):
    from certificates.signing import KeyRing
    from training.core.errors import DomainError

    old = KeyRing(tmp_path, "generated-secret")
    kid = old.current.kid
    with pytest.raises(DomainError) as wrong:
        KeyRing(tmp_path, "configured-secret").key_ids()
    assert wrong.value.code == "signing_key_undecryptable" and kid in wrong.value.text()
    assert KeyRing(tmp_path, "configured-secret", ("generated-secret",)).key_ids() == {kid}
    # Re-written under the configured secret: the old one no longer opens it.
    assert KeyRing(tmp_path, "configured-secret").key_ids() == {kid}
    with pytest.raises(DomainError):
        KeyRing(tmp_path, "generated-secret").key_ids()
