"""Configuration from environment variables, with safe defaults.

Every variable is documented in README.md ("Configuration").
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


def get_settings() -> Settings:
    # TRAINING_DATA_DIR, or ./data under the working directory: never inside the installed package,
    # where an upgrade or a reinstall would delete the database, the keys and the PDFs.
    data_dir = Path(os.environ.get("TRAINING_DATA_DIR") or Path.cwd() / "data").resolve()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'training.sqlite'}"
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=_secret_key(data_dir),
        base_url=os.environ.get("TRAINING_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        default_language=os.environ.get("TRAINING_DEFAULT_LANGUAGE", "vi"),
    )


DEFAULT_TOKEN_DAYS = 90


def token_days() -> int:
    """TRAINING_TOKEN_DAYS: how many days a new API token works (default 90; at least 1)."""
    raw = os.environ.get("TRAINING_TOKEN_DAYS", "")
    try:
        return max(1, int(raw)) if raw.strip() else DEFAULT_TOKEN_DAYS
    except ValueError:
        raise ValueError(f"TRAINING_TOKEN_DAYS must be a whole number of days, not {raw!r}") from None
