"""Second factor: TOTP (RFC 6238, 30-second steps, 6 digits) for privileged roles.

A code is accepted within one step of clock drift and only once (the last used step is stored).
"""

from __future__ import annotations

import datetime as dt

import pyotp

ISSUER = "静安区卫健委监管平台"
STEP_SECONDS = 30


def new_secret() -> str:
    """A new base32 TOTP secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, *, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def current_code(secret: str, *, now: dt.datetime) -> str:
    """The code an authenticator shows at ``now`` (for tests and the CLI)."""
    return pyotp.TOTP(secret).at(now)


def matching_step(secret: str, code: str | None, *, now: dt.datetime, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (±1 step), if valid and newer than ``last_step``; else None."""
    if not code or not code.strip().isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = int(now.timestamp()) // STEP_SECONDS
    for candidate in (step, step - 1, step + 1):
        if last_step is not None and candidate <= last_step:
            continue
        if totp.verify(code.strip(), for_time=candidate * STEP_SECONDS, valid_window=0):
            return candidate
    return None
