"""Ed25519 keys and the compact signed token printed in each certificate's QR code.

Keys live in the database (``certificates.tables.SigningKey``), so every server of one database signs
with the same current key and verifies with every earlier one (ADR 0040). The private keys are sealed
with AES-GCM under a key derived (HKDF-SHA256) from the secret, TRAINING_SECRET_KEY, so a dump of the
database alone cannot sign: every server of one database must share TRAINING_SECRET_KEY (a server whose
secret does not open the stored keys refuses to start and says so). The first key is generated on first
use; ``training certificates rotate-key`` adds a new current key and keeps the old ones, so
certificates signed before a rotation still verify. Each process keeps the keys in memory and reads the
table again when it signs a batch, when a token names a key it does not know, and for the published
key set (``/.well-known/certificate-keys``).

Keys kept by older versions in ``<data folder>/keys/`` (encrypted PKCS#8 PEM files, ``current`` naming
the signing key) are imported into the database at start-up by ``check_signing_keys``, which then
refuses to go on when certificates in the database name keys that are not there: a lost key must be
restored from the backup, never silently replaced by a new one.

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
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from certificates.tables import Certificate, SigningKey
from training.core.config import get_settings
from training.core.db import as_utc, engine, write_transaction
from training.core.errors import DomainError
from training.core.i18n import N_

ALGORITHM = "Ed25519"
MAX_TOKEN_LENGTH = 2000
SEAL_VERSION = "v1"
# Any constant shared by every server: the advisory lock that serialises key generation on PostgreSQL.
KEY_LOCK = 0x7369676E696E67  # "signing"


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


# --- sealing private keys with the secret --------------------------------------------------------------

def _cipher(secret: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"training certificate signing keys v1").derive(secret.encode("utf-8"))
    return AESGCM(key)


def seal(private: Ed25519PrivateKey, secret: str, kid: str) -> str:
    """The private key encrypted under the secret, bound to its kid: ``v1.<base64url(nonce + ciphertext)>``."""
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    nonce = os.urandom(12)
    return f"{SEAL_VERSION}.{b64e(nonce + _cipher(secret).encrypt(nonce, raw, kid.encode('ascii')))}"


def unseal(sealed: str, secret: str, kid: str) -> Ed25519PrivateKey | None:
    """The private key, or None when this secret does not open it."""
    version, _sep, body = sealed.partition(".")
    if version != SEAL_VERSION:
        return None
    blob = b64d(body)
    try:
        raw = _cipher(secret).decrypt(blob[:12], blob[12:], kid.encode("ascii"))
    except InvalidTag:
        return None
    return Ed25519PrivateKey.from_private_bytes(raw)


def _key_locked(kid: str) -> DomainError:
    return DomainError.single("signing_key_undecryptable", N_(
        "The signing key {kid} stored in the database cannot be decrypted with this server's secret. Every "
        "server of one database must use the same TRAINING_SECRET_KEY: set the one the other servers use (the "
        "one in use when the key was written), then start again."), http_status=503, kid=kid)


def _file_locked(folder: Path, kid: str) -> DomainError:
    return DomainError.single("signing_key_undecryptable", N_(
        "The signing key {kid} in {folder} cannot be decrypted with the current secret. Set "
        "TRAINING_SECRET_KEY to the secret in use when the key was written (or restore the secret_key "
        "file of the data folder from the backup), then start again."), http_status=503, kid=kid, folder=str(folder))


# --- the keys of the database, cached in each process ------------------------------------------------------

async def _take_key_lock() -> None:
    """Serialise key writes (inside a write transaction): an advisory lock on PostgreSQL; SQLite's
    BEGIN IMMEDIATE already holds the database's write lock."""
    if engine().engine_type == "postgres":
        await SigningKey.raw("SELECT pg_advisory_xact_lock({})", KEY_LOCK).run()


async def _store_key(private: Ed25519PrivateKey, secret: str, created: dt.datetime, current: bool) -> str:
    """Store a key sealed under ``secret`` (caller holds the write transaction and the key lock)."""
    kid = key_id(private.public_key())
    if current:
        await SigningKey.update({SigningKey.is_current: False}).where(SigningKey.is_current.eq(True)).run()
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    await SigningKey.insert(SigningKey(kid=kid, public_key=b64e(raw_public), created_at=created,
                                       private_key=seal(private, secret, kid), is_current=current)).run()
    return kid


class KeyRing:
    """The signing keys of the database, opened with ``secret``; ``older_secrets`` are tried when it does
    not open a key (the generated secret of the data folder once TRAINING_SECRET_KEY is set): a key opened
    with one of them is sealed again under ``secret``."""

    def __init__(self, secret: str, older_secrets: tuple[str, ...] = ()):
        if not secret:
            raise ValueError("a KeyRing needs a secret to open its keys")
        self._secret = secret
        self._older = tuple(s for s in older_secrets if s and s != secret)
        self._keys: dict[str, KeyInfo] = {}
        self._sealed: dict[str, str] = {}
        self._current: str | None = None

    async def _open(self, row: dict) -> Ed25519PrivateKey:
        for number, secret in enumerate((self._secret, *self._older)):
            private = unseal(row["private_key"], secret, row["kid"])
            if private is None:
                continue
            if number:  # opened with an older secret: seal it under the current one
                sealed = seal(private, self._secret, row["kid"])
                await SigningKey.update({SigningKey.private_key: sealed}).where(SigningKey.kid == row["kid"]).run()
                row["private_key"] = sealed
            return private
        raise _key_locked(row["kid"])

    async def refresh(self) -> None:
        """Read the table again (a handful of rows); open only the keys not seen before."""
        rows = await SigningKey.select().order_by(SigningKey.id).run()
        keys: dict[str, KeyInfo] = {}
        current = None
        for row in rows:
            known = self._keys.get(row["kid"])
            if known is None or self._sealed.get(row["kid"]) != row["private_key"]:
                private = await self._open(row)
                created = as_utc(row["created_at"]).date().isoformat()
                known = KeyInfo(row["kid"], private.public_key(), created, private)
            keys[row["kid"]] = known
            self._sealed[row["kid"]] = row["private_key"]
            if row["is_current"]:
                current = row["kid"]
        self._keys, self._current = keys, current

    async def _generate(self, only_if_none: bool) -> str:
        async with write_transaction():
            await _take_key_lock()
            if only_if_none:
                row = await SigningKey.select(SigningKey.kid).where(SigningKey.is_current.eq(True)).first().run()
                if row is not None:  # another process made the first key meanwhile
                    return row["kid"]
            kid = await _store_key(Ed25519PrivateKey.generate(), self._secret, dt.datetime.now(dt.UTC), current=True)
        await self.refresh()
        return kid

    async def ready(self) -> KeyRing:
        """The keys as the database has them now, with a current key (the first one generated on first use)."""
        await self.refresh()
        if self._current is None:
            await self._generate(only_if_none=True)
        return self

    async def rotate(self) -> str:
        """A new current key, for every server; older keys stay and keep verifying what they signed."""
        return await self._generate(only_if_none=False)

    async def key_ids(self) -> set[str]:
        """The ids of the keys in the database (opening each: a wrong secret raises here)."""
        await self.refresh()
        return set(self._keys)

    @property
    def current(self) -> KeyInfo:
        """The current key as last read (call ``ready`` first)."""
        assert self._current is not None, "KeyRing.ready() reads the keys before signing"
        return self._keys[self._current]

    async def public_keys(self) -> list[dict]:
        await self.refresh()
        return [
            {"kid": k.kid, "alg": ALGORITHM, "public_key": b64e(k.public_raw),
             "public_key_pem": k.public.public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
             "created": k.created, "current": k.kid == self._current}
            for k in sorted(self._keys.values(), key=lambda k: (k.created, k.kid))
        ]

    def sign(self, fields: dict) -> tuple[str, str]:
        """(token, kid) for the fields, with the current key as last read (call ``ready`` first)."""
        key = self.current
        payload = canonical_payload({**fields, "kid": key.kid})
        assert key.private is not None
        return b64e(payload) + "." + b64e(key.private.sign(payload)), key.kid

    async def verify(self, token: str) -> dict:
        """The signed fields of a token made with one of our keys, or a DomainError. A key this process has
        not seen yet (made by a rotation on another server) is read from the database once."""
        unknown: list[str] = []

        def public_key_for(kid: str) -> Ed25519PublicKey | None:
            found = self._keys.get(kid)
            if found is None:
                unknown.append(kid)
            return found.public if found else None

        try:
            return verify_token(token, public_key_for)
        except DomainError:
            if not unknown:
                raise
        await self.refresh()
        return verify_token(token, lambda kid: (k.public if (k := self._keys.get(kid)) else None))


_rings: dict[tuple[str, str], KeyRing] = {}


def _older_secrets() -> tuple[str, ...]:
    generated = get_settings().data_dir / "secret_key"
    return (generated.read_text().strip(),) if generated.is_file() else ()


def keyring() -> KeyRing:
    """This process's key ring for the database and secret in use."""
    settings = get_settings()
    ring = _rings.get((settings.database_url, settings.secret_key))
    if ring is None:
        ring = _rings[(settings.database_url, settings.secret_key)] = KeyRing(settings.secret_key, _older_secrets())
    return ring


async def signing_keyring() -> KeyRing:
    """The key ring, read again from the database, with a current key: what signing starts with."""
    return await keyring().ready()


# --- keys of older versions, on disk ---------------------------------------------------------------------

def _read_key_file(path: Path, secrets: tuple[str, ...]) -> Ed25519PrivateKey:
    data = path.read_bytes()
    if b"ENCRYPTED" not in data.split(b"\n", 1)[0]:  # written unencrypted by an older version
        private = serialization.load_pem_private_key(data, password=None)
        assert isinstance(private, Ed25519PrivateKey)
        return private
    for secret in secrets:
        try:
            private = serialization.load_pem_private_key(data, password=secret.encode("utf-8"))
        except ValueError:  # wrong secret
            continue
        assert isinstance(private, Ed25519PrivateKey)
        return private
    raise _file_locked(path.parent, path.stem)


async def import_disk_keys(folder: Path, secret: str, older_secrets: tuple[str, ...] = ()) -> list[str]:
    """Copy the keys of ``folder`` (``<kid>.pem`` files and ``current``, as older versions kept them) into
    the database, once: keys already there are skipped without being opened. The folder's current key
    becomes current only when the database has none. Returns the kids imported."""
    paths = sorted(folder.glob("*.pem")) if folder.is_dir() else []
    if not paths:
        return []
    marker = folder / "current"
    disk_current = marker.read_text().strip() if marker.is_file() else None
    imported: list[str] = []
    async with write_transaction():
        await _take_key_lock()
        stored = {r["kid"] for r in await SigningKey.select(SigningKey.kid).run()}
        has_current = await SigningKey.exists().where(SigningKey.is_current.eq(True)).run()
        todo = [p for p in paths if p.stem not in stored]
        todo.sort(key=lambda p: (p.stem == disk_current, p.stat().st_mtime))  # the current one last
        for path in todo:
            private = _read_key_file(path, (secret, *older_secrets))
            created = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
            make_current = not has_current and path.stem == disk_current
            imported.append(await _store_key(private, secret, created, current=make_current))
    return imported


async def check_signing_keys() -> None:
    """At start-up (server and CLI): import the keys an older version kept in the data folder, open every
    key of the database with the secret (a server whose TRAINING_SECRET_KEY differs from the other
    servers' stops here, with a clear message), and refuse to go on when certificates name keys that are
    not in the database: carrying on would sign with a new key while every QR code printed before fails
    verification. A database not migrated yet passes."""
    if not await SigningKey.table_exists().run():
        return
    settings = get_settings()
    await import_disk_keys(settings.data_dir / "keys", settings.secret_key, _older_secrets())
    ring = keyring()
    kids = await ring.key_ids()
    rows = await Certificate.select(Certificate.key_id).distinct().where(Certificate.key_id != "").run()
    missing = sorted({row["key_id"] for row in rows} - kids)
    if missing:
        raise DomainError.single("signing_keys_missing", N_(
            "Certificates in the database were signed with the keys {kids}, which are not in the database's "
            "signing keys. Starting would sign with a new key, and the QR codes printed before would fail "
            "verification. Restore the signing_key table (or the keys/ folder of an older version, with the "
            "TRAINING_SECRET_KEY in use when the keys were written) from the backup, then start again."),
            http_status=503, kids=", ".join(missing))


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
        _verify_key(public.public_bytes_raw()).verify(payload, signature)
    except BadSignatureError:
        raise _bad_token() from None
    return fields


@lru_cache(maxsize=64)
def _verify_key(raw_public: bytes) -> VerifyKey:
    """libsodium's verifier of an Ed25519 public key: the same check as ``Ed25519PublicKey.verify`` (and
    stricter on malformed signatures), in half the time; the public verification does one per request."""
    return VerifyKey(raw_public)
