"""Every setting of the service, read from environment variables with safe defaults: the one place.

Each setting is one function (or a field of ``Settings``) whose docstring names the variable and its
default. No other module of ``training``, ``certificates`` or ``admin`` reads ``os.environ``; every
variable is listed in README.md ("Configuration"), and ``tests/unit/test_one_place.py`` fails when the two
drift apart.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    base_url: str
    default_language: str

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))


def _secret_key(data_dir: Path) -> str:
    """TRAINING_SECRET_KEY, or a random key generated once into the data folder."""
    env = os.environ.get("TRAINING_SECRET_KEY")
    if env:
        return env
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


_DATA_DIRS: dict[tuple[str, str], Path] = {}
_SETTINGS: dict[tuple, Settings] = {}


def _data_dir() -> Path:
    raw = os.environ.get("TRAINING_DATA_DIR") or ""
    cwd = "" if raw else os.getcwd()
    found = _DATA_DIRS.get((raw, cwd))
    if found is None:
        found = _DATA_DIRS[(raw, cwd)] = Path(raw or Path(cwd) / "data").resolve()
    return found


def get_settings() -> Settings:
    """DATABASE_URL (default ``sqlite:///<data folder>/training.sqlite``), TRAINING_DATA_DIR (default
    ``./data``), TRAINING_SECRET_KEY, TRAINING_BASE_URL and TRAINING_DEFAULT_LANGUAGE (default ``vi``).

    Read at every call, so tests and restarts see changes; the result is kept per value of the variables
    (and of the generated ``secret_key`` file's modification time): the public verification asks for it on
    every request."""
    # TRAINING_DATA_DIR, or ./data under the working directory: never inside the installed package,
    # where an upgrade or a reinstall would delete the database, the keys and the PDFs.
    data_dir = _data_dir()
    env_secret = os.environ.get("TRAINING_SECRET_KEY") or ""
    stamp = None
    if not env_secret:
        try:
            stamp = (data_dir / "secret_key").stat().st_mtime_ns
        except OSError:
            stamp = None
    key = (data_dir, os.environ.get("DATABASE_URL") or "", env_secret, stamp, base_url(), default_language())
    found = _SETTINGS.get(key)
    if found is None:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'training.sqlite'}"
        found = Settings(data_dir=data_dir, database_url=database_url, secret_key=_secret_key(data_dir),
                         base_url=base_url(), default_language=default_language())
        if stamp is not None or env_secret:  # a key just generated is kept from the next call on
            _SETTINGS[key] = found
    return found


# --- security settings (one function each; read at every use, so tests and restarts see changes) ---

def default_language() -> str:
    """TRAINING_DEFAULT_LANGUAGE: the language when the request names none (default ``vi``)."""
    return os.environ.get("TRAINING_DEFAULT_LANGUAGE", "vi")


def time_zone() -> str:
    """TRAINING_TIME_ZONE: the time zone dates and times are shown and typed in, in the admin
    (default ``Asia/Ho_Chi_Minh``); the database keeps timestamps in UTC."""
    return os.environ.get("TRAINING_TIME_ZONE", "Asia/Ho_Chi_Minh")


def base_url() -> str:
    """TRAINING_BASE_URL: the address users reach the service at (default http://127.0.0.1:8000).
    An ``https://`` address turns on Secure cookies and HSTS."""
    return os.environ.get("TRAINING_BASE_URL", "http://127.0.0.1:8000").rstrip("/")


def behind_https() -> bool:
    """True when TRAINING_BASE_URL starts with ``https://``."""
    return base_url().lower().startswith("https://")


def hsts_max_age() -> int:
    """TRAINING_HSTS_MAX_AGE: seconds browsers keep to HTTPS after a visit (default 31536000, one
    year); sent only when TRAINING_BASE_URL is https. 0 tells browsers to forget it."""
    return int(os.environ.get("TRAINING_HSTS_MAX_AGE", "31536000"))


def trusted_proxies() -> list:
    """TRAINING_TRUSTED_PROXIES: comma-separated addresses or CIDR networks of reverse proxies whose
    ``X-Forwarded-For`` is believed (default none: the socket peer is the client)."""
    import ipaddress

    networks = []
    for item in os.environ.get("TRAINING_TRUSTED_PROXIES", "").split(","):
        if item.strip():
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
    return networks


def session_hours() -> float:
    """TRAINING_SESSION_HOURS: a session (admin or learner) ends this many hours after sign-in
    (default 8); the admin's is extended by 20 minutes at a time while it is in use."""
    return float(os.environ.get("TRAINING_SESSION_HOURS", "8"))


def session_max_hours() -> float:
    """TRAINING_SESSION_MAX_HOURS: no session outlives this many hours after sign-in, however active
    (default 12)."""
    return float(os.environ.get("TRAINING_SESSION_MAX_HOURS", "12"))


def login_max_failures() -> int:
    """TRAINING_LOGIN_RATE_LIMIT: failed sign-ins allowed per username and per client address within
    the window (default 10); successful sign-ins are not counted."""
    return max(1, int(os.environ.get("TRAINING_LOGIN_RATE_LIMIT", "10")))


def login_window_minutes() -> float:
    """TRAINING_LOGIN_WINDOW_MINUTES: how long a failed sign-in counts (default 15)."""
    return float(os.environ.get("TRAINING_LOGIN_WINDOW_MINUTES", "15"))


_SECRET_CACHE: dict = {}


def secret_key() -> str:
    """TRAINING_SECRET_KEY (or the key generated into the data folder, TRAINING_DATA_DIR), read once per
    value."""
    cache_key = (os.environ.get("TRAINING_SECRET_KEY"), os.environ.get("TRAINING_DATA_DIR"))
    if cache_key not in _SECRET_CACHE:
        _SECRET_CACHE[cache_key] = get_settings().secret_key
    return _SECRET_CACHE[cache_key]


def activation_days() -> int:
    """TRAINING_ACTIVATION_DAYS: how many days an account invitation's activation code works (default 14;
    at least 1). A password reset code works 60 minutes (``training.auth.codes``)."""
    raw = os.environ.get("TRAINING_ACTIVATION_DAYS", "")
    try:
        return max(1, int(raw)) if raw.strip() else 14
    except ValueError:
        raise ValueError(f"TRAINING_ACTIVATION_DAYS must be a whole number of days, not {raw!r}") from None


DEFAULT_TOKEN_DAYS = 90


def token_days() -> int:
    """TRAINING_TOKEN_DAYS: how many days a new API token works (default 90; at least 1)."""
    raw = os.environ.get("TRAINING_TOKEN_DAYS", "")
    try:
        return max(1, int(raw)) if raw.strip() else DEFAULT_TOKEN_DAYS
    except ValueError:
        raise ValueError(f"TRAINING_TOKEN_DAYS must be a whole number of days, not {raw!r}") from None


# --- service settings ---

def access_log() -> bool:
    """TRAINING_ACCESS_LOG: ``1`` logs every request line (default off: verification URLs carry the QR
    token, which includes the holder's name, and the log costs ~15% of the public page's throughput)."""
    return os.environ.get("TRAINING_ACCESS_LOG") == "1"


def log_format() -> str:
    """TRAINING_LOG_FORMAT: ``json`` writes every log line as one JSON object with the request id
    (default ``text``, the usual one-line text)."""
    return "json" if os.environ.get("TRAINING_LOG_FORMAT", "").strip().lower() == "json" else "text"


def metrics_allow() -> list:
    """TRAINING_METRICS_ALLOW: comma-separated addresses or CIDR networks that may read ``/metrics``
    (default ``127.0.0.1,::1``); the client address is the one ``TRAINING_TRUSTED_PROXIES`` decides."""
    import ipaddress

    raw = os.environ.get("TRAINING_METRICS_ALLOW", "").strip() or "127.0.0.1,::1"
    return [ipaddress.ip_network(item.strip(), strict=False) for item in raw.split(",") if item.strip()]


def ready_timeout() -> float:
    """TRAINING_READY_TIMEOUT: seconds ``/health/ready`` waits for the database to accept a write before
    it answers 503 (default 2)."""
    return max(0.1, float(os.environ.get("TRAINING_READY_TIMEOUT", "2")))


def metrics_multiprocess_dir() -> str | None:
    """PROMETHEUS_MULTIPROC_DIR (prometheus_client's own variable, not a setting of the service): the
    folder where the uvicorn workers of one ``training serve --workers N`` add up their metrics;
    ``training serve`` sets it (``use_metrics_multiprocess_dir``) before its workers start."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def use_metrics_multiprocess_dir(path: str) -> None:
    """Set PROMETHEUS_MULTIPROC_DIR for the worker processes started after this call."""
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path


def public_rate_limit() -> int:
    """TRAINING_PUBLIC_RATE_LIMIT: requests per minute and client address on the public verification
    endpoints (default 120; 0 turns the limit off, e.g. for a load test)."""
    return int(os.environ.get("TRAINING_PUBLIC_RATE_LIMIT", "120"))


def pdf_workers() -> int:
    """TRAINING_PDF_WORKERS: worker processes that render big batches of certificate PDFs
    (default min(2, CPUs); at least 1)."""
    return max(1, int(os.environ.get("TRAINING_PDF_WORKERS", min(2, os.cpu_count() or 1))))


def sqlite_synchronous() -> str:
    """TRAINING_SQLITE_SYNCHRONOUS: ``FULL`` (default) or ``NORMAL``, SQLite's ``synchronous`` on every
    connection of the service (``training.core.sqlite_engine``). FULL syncs the write-ahead log at every commit:
    an acknowledged write survives a power cut. NORMAL syncs at checkpoints only: less time inside the write
    lock per commit (ADR 0046 measures it), but the last commits before a power cut or an OS crash may be lost
    (a crash of the service alone loses nothing). Ignored on PostgreSQL."""
    value = os.environ.get("TRAINING_SQLITE_SYNCHRONOUS", "FULL").strip().upper()
    if value not in ("FULL", "NORMAL"):
        raise ValueError(f"TRAINING_SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {value!r}")
    return value
def db_pool_size() -> int:
    """TRAINING_DB_POOL_SIZE: PostgreSQL connections each server process (each worker) may hold
    (default 10; at least 1). Keep servers × workers × pool ≤ max_connections − reserve: see ADR 0040."""
    return max(1, int(os.environ.get("TRAINING_DB_POOL_SIZE", "10")))


def classification() -> str:
    """TRAINING_CLASSIFICATION: the score thresholds of Xuất sắc, Giỏi, Khá, Trung bình on the 10-point
    scale, comma-separated (default ``9,8,6.5,5``); ``training.classes.policy`` parses and applies them."""
    return os.environ.get("TRAINING_CLASSIFICATION", "9,8,6.5,5")


def use_piccolo_conf() -> None:
    """Point Piccolo at ``piccolo_conf`` (PICCOLO_CONF) unless the environment names another module:
    Piccolo's own variable, not a setting of the service."""
    os.environ.setdefault("PICCOLO_CONF", "piccolo_conf")


# --- notifications (ADR 0037) ---

def smtp_url() -> str:
    """TRAINING_SMTP_URL: the mail server messages are sent through, e.g.
    ``smtp://user:pass@mail.example.vn:587?starttls=1`` or ``smtps://user:pass@mail.example.vn:465``
    (``cafile=PATH`` in the query trusts a private certificate authority). Empty (the default): emails
    wait in the outbox."""
    return os.environ.get("TRAINING_SMTP_URL", "").strip()


def smtp_from() -> str:
    """TRAINING_SMTP_FROM: the From address of emails (default ``no-reply@`` the host of
    TRAINING_BASE_URL)."""
    from urllib.parse import urlparse

    host = urlparse(base_url()).hostname or "localhost"
    return os.environ.get("TRAINING_SMTP_FROM", "").strip() or f"no-reply@{host}"


def sms_webhook_url() -> str:
    """TRAINING_SMS_WEBHOOK_URL: the province's SMS/Zalo gateway, which receives one JSON POST per
    message (body in ADR 0037). Empty (the default): SMS wait in the outbox."""
    return os.environ.get("TRAINING_SMS_WEBHOOK_URL", "").strip()


def sms_webhook_token() -> str:
    """TRAINING_SMS_WEBHOOK_TOKEN: sent to the gateway as ``Authorization: Bearer …`` (default none)."""
    return os.environ.get("TRAINING_SMS_WEBHOOK_TOKEN", "").strip()


def _number(name: str, default: float, minimum: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return max(minimum, float(raw)) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None


def notify_timeout() -> float:
    """TRAINING_NOTIFY_TIMEOUT: seconds one delivery may take (SMTP or gateway) before it counts as
    failed (default 15)."""
    return _number("TRAINING_NOTIFY_TIMEOUT", 15.0, 0.1)


def notify_max_attempts() -> int:
    """TRAINING_NOTIFY_MAX_ATTEMPTS: deliveries tried before a message is marked failed (default 6)."""
    return int(_number("TRAINING_NOTIFY_MAX_ATTEMPTS", 6, 1))


def notify_retry_seconds() -> float:
    """TRAINING_NOTIFY_RETRY_SECONDS: the wait after the first failed try, doubled after each further one
    (default 60)."""
    return _number("TRAINING_NOTIFY_RETRY_SECONDS", 60.0, 0)


def notify_retry_max_seconds() -> float:
    """TRAINING_NOTIFY_RETRY_MAX_SECONDS: the longest wait between two tries (default 3600)."""
    return _number("TRAINING_NOTIFY_RETRY_MAX_SECONDS", 3600.0, 0)


def notify_claim_seconds() -> float:
    """TRAINING_NOTIFY_CLAIM_SECONDS: how long a sender owns the messages it took; a message still
    ``sending`` after this (its sender was killed) is tried again (default 300; at least twice
    TRAINING_NOTIFY_TIMEOUT)."""
    return max(_number("TRAINING_NOTIFY_CLAIM_SECONDS", 300.0, 1), 2 * notify_timeout())


def notify_sender() -> bool:
    """TRAINING_NOTIFY_SENDER: ``0`` stops ``training serve`` from delivering messages in the background
    (default ``1``: every worker of every server delivers; the claim keeps each message to one)."""
    return os.environ.get("TRAINING_NOTIFY_SENDER", "1").strip() != "0"


def notify_interval() -> float:
    """TRAINING_NOTIFY_INTERVAL: seconds between two passes of the background sender (default 30)."""
    return _number("TRAINING_NOTIFY_INTERVAL", 30.0, 0.5)
