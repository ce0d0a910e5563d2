"""Ed25519 keys and the compact signed token printed in each certificate's QR code.

Keys live in ``<data folder>/keys/``: one PKCS#8 PEM file per key (``<kid>.pem``, mode 0600),
encrypted with the secret (``TRAINING_SECRET_KEY``, or the one generated into
``<data folder>/secret_key``) so that a copy of the folder alone cannot sign, and ``current`` naming
the key that signs new certificates. Keys written unencrypted by older versions still load and are
re-written encrypted. The first key is generated on first use;
``training certificates rotate-key`` adds a new current key and keeps the old ones, so certificates
signed before a rotation still verify. The public keys are published at
``/.well-known/certificate-keys``. ``check_signing_keys`` runs at start-up (server and CLI) and
refuses to go on when certificates in the database name keys that are not in the folder: a lost
folder must be restored from the backup, never silently replaced by a new key.

Token: ``base64url(payload) + "." + base64url(signature)``, where the payload is compact JSON
(sorted keys, no spaces, UTF-8, NFC) of the certificate's essential fields plus ``kid``, and the
signature is Ed25519 over the payload bytes. Anyone holding the public key can verify a token
offline (see docs/certificates.md); the server verifies it again on every verification.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import os
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certificates.tables import Certificate
from training.core.config import get_settings
from training.core.errors import DomainError
from training.core.i18n import N_

ALGORITHM = "Ed25519"
MAX_TOKEN_LENGTH = 2000


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:12]


@dataclass(frozen=True)
class KeyInfo:
    kid: str
    public: Ed25519PublicKey
    created: str
    private: Ed25519PrivateKey | None = None

    @property
    def public_raw(self) -> bytes:
        return self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _pem(private: Ed25519PrivateKey, secret: str) -> bytes:
    return private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.BestAvailableEncryption(secret.encode("utf-8")))


def _write_private(path: Path, data: bytes, *, replace: bool) -> None:
    """Write a key file with mode 0600: a new one exclusively, an existing one atomically."""
    target = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp") if replace else path
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if replace:
        before = path.stat()  # the key's date ("created" in the published key set) stays as it was
        os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
        os.replace(target, path)


def _key_locked(folder: Path, kid: str) -> DomainError:
    return DomainError.single("signing_key_undecryptable", N_(
        "The signing key {kid} in {folder} cannot be decrypted with the current secret. Set "
        "TRAINING_SECRET_KEY to the secret in use when the key was written (or restore the secret_key "
        "file of the data folder from the backup), then start again."), http_status=503, kid=kid, folder=str(folder))


class KeyRing:
    """The signing keys in one folder; loaded once per process, reloaded after a rotation.

    ``secret`` encrypts the private keys at rest; ``older_secrets`` are tried when it does not open a
    key (the generated secret of the data folder once TRAINING_SECRET_KEY is set): a key opened with
    one of them is re-written under ``secret``.
    """

    def __init__(self, folder: Path, secret: str, older_secrets: tuple[str, ...] = ()):
        if not secret:
            raise ValueError("a KeyRing needs a secret to encrypt its keys")
        self.folder = folder
        self._secret = secret
        self._older = tuple(s for s in older_secrets if s and s != secret)
        self._lock = threading.Lock()
        self._keys: dict[str, KeyInfo] = {}
        self._current: str | None = None
        self._stamp: int | None = None

    def _current_file(self) -> Path:
        return self.folder / "current"

    def _read_private(self, path: Path) -> Ed25519PrivateKey:
        data = path.read_bytes()
        if b"ENCRYPTED" not in data.split(b"\n", 1)[0]:
            # Written unencrypted by an older version: encrypt it now.
            private = serialization.load_pem_private_key(data, password=None)
            assert isinstance(private, Ed25519PrivateKey)
            _write_private(path, _pem(private, self._secret), replace=True)
            return private
        for number, secret in enumerate((self._secret, *self._older)):
            try:
                private = serialization.load_pem_private_key(data, password=secret.encode("utf-8"))
            except ValueError:  # wrong secret
                continue
            assert isinstance(private, Ed25519PrivateKey)
            if number:
                _write_private(path, _pem(private, self._secret), replace=True)
            return private
        raise _key_locked(self.folder, path.stem)

    def _read_keys(self) -> dict[str, KeyInfo]:
        keys: dict[str, KeyInfo] = {}
        for path in sorted(self.folder.glob("*.pem")):
            private = self._read_private(path)
            created = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
            keys[path.stem] = KeyInfo(path.stem, private.public_key(), created, private)
        return keys

    def _load(self, generate: bool = True) -> None:
        """Read the keys when the folder changed; without ``generate``, never create the first key."""
        marker = self._current_file()
        stamp = marker.stat().st_mtime_ns if marker.exists() else None
        if stamp is not None and stamp == self._stamp:
            return
        with self._lock:
            if not marker.exists():
                if not generate:
                    self._keys, self._current, self._stamp = self._read_keys(), None, None
                    return
                self._generate_locked()
            self._keys = self._read_keys()
            self._current = marker.read_text().strip()
            self._stamp = marker.stat().st_mtime_ns

    def key_ids(self) -> set[str]:
        """The ids of the keys in the folder (decrypting each: a wrong secret raises here)."""
        self._load(generate=False)
        return set(self._keys)

    def _generate_locked(self) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        private = Ed25519PrivateKey.generate()
        kid = key_id(private.public_key())
        _write_private(self.folder / f"{kid}.pem", _pem(private, self._secret), replace=False)
        tmp = self.folder / "current.tmp"
        tmp.write_text(kid)
        tmp.replace(self._current_file())
        return kid

    def rotate(self) -> str:
        """A new current key; older keys stay and keep verifying what they signed."""
        self._load()
        with self._lock:
            kid = self._generate_locked()
        self._current = self._stamp = None
        self._load()
        return kid

    @property
    def current(self) -> KeyInfo:
        self._load()
        assert self._current is not None
        return self._keys[self._current]

    def get(self, kid: str) -> KeyInfo | None:
        self._load()
        return self._keys.get(kid)

    def public_keys(self) -> list[dict]:
        self._load()
        return [
            {"kid": k.kid, "alg": ALGORITHM, "public_key": b64e(k.public_raw),
             "public_key_pem": k.public.public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
             "created": k.created, "current": k.kid == self._current}
            for k in sorted(self._keys.values(), key=lambda k: (k.created, k.kid))
        ]

    def sign(self, fields: dict) -> tuple[str, str]:
        """(token, kid) for the fields."""
        key = self.current
        payload = canonical_payload({**fields, "kid": key.kid})
        assert key.private is not None
        return b64e(payload) + "." + b64e(key.private.sign(payload)), key.kid

    def verify(self, token: str) -> dict:
        """The signed fields of a token made with one of our keys, or a DomainError."""
        return verify_token(token, lambda kid: (k.public if (k := self.get(kid)) else None))


_rings: dict[tuple[Path, str], KeyRing] = {}


def keyring() -> KeyRing:
    settings = get_settings()
    folder = settings.data_dir / "keys"
    ring = _rings.get((folder, settings.secret_key))
    if ring is None:
        generated = settings.data_dir / "secret_key"
        older = (generated.read_text().strip(),) if generated.is_file() else ()
        ring = _rings[(folder, settings.secret_key)] = KeyRing(folder, settings.secret_key, older)
    return ring


async def check_signing_keys() -> None:
    """Refuse to start when certificates in the database were signed with keys that are not in
    the key folder (or that the secret cannot open): carrying on would sign with a new key while
    every QR code printed before fails verification. A database without certificates passes (its
    first key is generated on first use), and so does one not migrated yet (no certificate table)."""
    if not await Certificate.table_exists().run():
        return
    rows = await Certificate.select(Certificate.key_id).distinct().where(Certificate.key_id != "").run()
    used = {row["key_id"] for row in rows}
    ring = keyring()
    missing = sorted(used - ring.key_ids())
    if missing:
        raise DomainError.single("signing_keys_missing", N_(
            "Certificates in the database were signed with the keys {kids}, which are not in the key "
            "folder {folder}. Starting would sign with a new key, and the QR codes printed before would "
            "fail verification. Copy the keys/ folder from the backup into {folder} (with the secret_key "
            "file or the TRAINING_SECRET_KEY in use when the keys were written), then start again."),
            http_status=503, kids=", ".join(missing), folder=str(ring.folder))


def _nfc(value):
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def canonical_payload(fields: dict) -> bytes:
    clean = {k: _nfc(v) for k, v in fields.items() if v not in (None, "")}
    return json.dumps(clean, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _bad_token() -> DomainError:
    return DomainError.single("invalid_token", N_(
        "The code on this certificate is damaged or was not issued by this system: "
        "scan the QR code again or type the certificate number."), "qr_token", http_status=400)


def verify_token(token: str, public_key_for) -> dict:
    """Check a token with ``public_key_for(kid) -> Ed25519PublicKey | None``; return its fields.

    A truncated, altered or foreign-key token raises the same clear error: nothing in it is
    trusted before the signature checks out.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise _bad_token()
    body, sig = token.split(".")
    try:
        payload, signature = b64d(body), b64d(sig)
        fields = json.loads(payload.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _bad_token() from None
    if not isinstance(fields, dict) or not isinstance(fields.get("kid"), str) or len(signature) != 64:
        raise _bad_token()
    public = public_key_for(fields["kid"])
    if public is None:
        raise _bad_token()
    try:
        public.verify(signature, payload)
    except InvalidSignature:
        raise _bad_token() from None
    return fields
