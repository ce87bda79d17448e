"""Knobs of the accounts domain and the clock, both FastAPI dependencies so tests can replace them.

The shared knobs (lockout, captcha, session and password-expiry settings) come from
``operational.common.settings``; the few that only this domain reads come from the environment here.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from operational.common.settings import get_settings

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The current time in UTC (the production clock)."""
    return dt.datetime.now(dt.UTC)


def get_clock() -> Clock:
    """FastAPI dependency: the clock every time-based rule reads (tests replace it)."""
    return utc_now


@dataclass(frozen=True)
class AccountsConfig:
    """Every rule's parameters, fixed for one request."""

    session_minutes: int = 30
    """Idle lifetime of a session."""
    session_absolute_hours: int = 12
    """A session ends this long after sign-in even when in use (``HEALTHOPS_SESSION_ABSOLUTE_HOURS``)."""
    password_max_age_days: int = 90
    password_expiry_enabled: bool = True
    password_history: int = 5
    """A new password may not repeat any of this many previous ones."""
    lockout_failures: int = 5
    lockout_minutes: int = 15
    captcha_after_failures: int = 3
    captcha_window_minutes: int = 30
    """Failures older than this no longer count towards the captcha requirement."""
    captcha_minutes: int = 5
    """Lifetime of one captcha challenge."""
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65_536
    argon2_parallelism: int = 4


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw else default


@lru_cache(maxsize=1)
def get_accounts_config() -> AccountsConfig:
    """The configuration of this process (cached; FastAPI dependency, tests override it)."""
    settings = get_settings()
    return AccountsConfig(
        session_minutes=settings.session_minutes,
        session_absolute_hours=_env_int("HEALTHOPS_SESSION_ABSOLUTE_HOURS", 12),
        password_max_age_days=settings.password_max_age_days,
        password_expiry_enabled=settings.password_expiry_enabled,
        lockout_failures=settings.lockout_failures,
        lockout_minutes=settings.lockout_minutes,
        captcha_after_failures=settings.captcha_after_failures,
        # argon2id defaults are RFC 9106's second recommended option (64 MiB, t=3).
        argon2_time_cost=_env_int("HEALTHOPS_ARGON2_TIME_COST", 3),
        argon2_memory_kib=_env_int("HEALTHOPS_ARGON2_MEMORY_KIB", 65_536),
        argon2_parallelism=_env_int("HEALTHOPS_ARGON2_PARALLELISM", 4),
    )
