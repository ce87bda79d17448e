"""Settings of the operational service, read once from the environment (``get_settings()``).

Every knob a deployment may turn lives here with its embedded default, so the service runs on a
fresh machine with nothing configured and production changes only environment variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from warehouse.paths import var_dir


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    return default if raw is None or raw == "" else raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """The operational service's configuration (see README, section Configuration)."""

    database_url: str | None
    """``DATABASE_URL``; unset means the embedded PostgreSQL under ``var/pg``."""
    object_store_url: str | None
    """``OBJECT_STORE_URL``; unset means the local directory ``var/objects``."""
    var: Path
    session_minutes: int
    """Idle lifetime of a login session (``HEALTHOPS_SESSION_MINUTES``)."""
    password_max_age_days: int
    """Forced password change after this many days (``HEALTHOPS_PASSWORD_MAX_AGE_DAYS``)."""
    password_expiry_enabled: bool
    """Whether the periodic forced change is on (``HEALTHOPS_PASSWORD_EXPIRY``)."""
    lockout_failures: int
    """Failed logins before the account locks (``HEALTHOPS_LOCKOUT_FAILURES``)."""
    lockout_minutes: int
    """Cool-down of a locked account (``HEALTHOPS_LOCKOUT_MINUTES``)."""
    captcha_after_failures: int
    """Failed logins after which a captcha is required (``HEALTHOPS_CAPTCHA_AFTER``)."""
    audit_retention_days: int
    """Audit entries are kept at least this long (``HEALTHOPS_AUDIT_RETENTION_DAYS``, >= 180)."""

    @property
    def objects_dir(self) -> Path:
        """The local object-store root of the embedded default."""
        return self.var / "objects"

    @property
    def pg_dir(self) -> Path:
        """The data directory of the embedded PostgreSQL."""
        return self.var / "pg"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process (cached; tests call ``get_settings.cache_clear()``)."""
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or None,
        object_store_url=os.environ.get("OBJECT_STORE_URL") or None,
        var=var_dir(),
        session_minutes=_int("HEALTHOPS_SESSION_MINUTES", 30),
        password_max_age_days=_int("HEALTHOPS_PASSWORD_MAX_AGE_DAYS", 90),
        password_expiry_enabled=_bool("HEALTHOPS_PASSWORD_EXPIRY", True),
        lockout_failures=_int("HEALTHOPS_LOCKOUT_FAILURES", 5),
        lockout_minutes=_int("HEALTHOPS_LOCKOUT_MINUTES", 15),
        captcha_after_failures=_int("HEALTHOPS_CAPTCHA_AFTER", 3),
        audit_retention_days=max(180, _int("HEALTHOPS_AUDIT_RETENTION_DAYS", 180)),
    )
