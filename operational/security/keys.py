"""Key material for the embedded default.

Production injects keys through the environment (``HEALTHOPS_PATIENT_KEY`` for the district's
HMAC-SM3 patient-key secret, ``HEALTHOPS_DATA_KEY`` for SM4 data-at-rest), both hex. On a fresh
machine the embedded default generates them once under ``var/keys`` (mode 0600) so that `make run`
needs nothing configured, and every later run derives the same patient keys.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

from warehouse.paths import keys_dir


def _load_or_create(name: str, env_var: str, length: int) -> bytes:
    from_env = os.environ.get(env_var)
    if from_env:
        key = bytes.fromhex(from_env)
        if len(key) != length:
            raise ValueError(f"{env_var} must be {length} bytes of hex, got {len(key)}")
        return key
    path = keys_dir() / f"{name}.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_hex(length))
        tmp.chmod(0o600)
        os.replace(tmp, path)
    return bytes.fromhex(path.read_text().strip())


@lru_cache(maxsize=None)
def patient_key_secret() -> bytes:
    """The district secret for HMAC-SM3 patient keys (32 bytes)."""
    return _load_or_create("patient-hmac-sm3", "HEALTHOPS_PATIENT_KEY", 32)


@lru_cache(maxsize=None)
def data_key() -> bytes:
    """The SM4 key (16 bytes) that encrypts raw source bytes at rest."""
    return _load_or_create("data-sm4", "HEALTHOPS_DATA_KEY", 16)
