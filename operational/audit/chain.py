"""The SM3 hash chain: canonical form of an entry, its hash, and normalization of what gets hashed.

Every entry's ``entry_hash`` is ``SM3(canonical(entry fields, prev_hash))`` and its ``prev_hash`` is
the ``entry_hash`` of the entry before (:data:`GENESIS_HASH` for the first one). The canonical form
is the compact JSON array (UTF-8, keys sorted, no spaces)::

    ["healthops-audit/v1", seq, occurred_at, actor_id, actor_name, source_ip, action, resource,
     institution_code, result, request_id, details, prev_hash]

with ``occurred_at`` in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00``. Values are normalized before
they are stored (:func:`normalize_details`) so that what PostgreSQL gives back hashes the same.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import math
from typing import Any

from operational.security.crypto import sm3_hex

CHAIN_VERSION = "healthops-audit/v1"
GENESIS_HASH = "0" * 64
"""``prev_hash`` of the very first entry."""

# Floats at or above this magnitude come back from jsonb's numeric as integers.
_FLOAT_AS_INT_FROM = 1e16


def canonical_time(value: dt.datetime) -> str:
    """``value`` in UTC with microseconds (PostgreSQL ``timestamptz`` keeps exactly that)."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    """Compact, key-sorted JSON with non-ASCII text kept as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def entry_hash(
    *,
    seq: int,
    occurred_at: dt.datetime,
    actor_id: str | None,
    actor_name: str | None,
    source_ip: str | None,
    action: str,
    resource: str | None,
    institution_code: str | None,
    result: str,
    request_id: str | None,
    details: dict[str, Any] | None,
    prev_hash: str,
) -> str:
    """The SM3 hash (hex) of one entry's canonical form, chained to ``prev_hash``."""
    fields = [
        CHAIN_VERSION,
        seq,
        canonical_time(occurred_at),
        actor_id,
        actor_name,
        source_ip,
        action,
        resource,
        institution_code,
        result,
        request_id,
        details,
        prev_hash,
    ]
    return sm3_hex(canonical_json(fields).encode("utf-8"))


def _normalize_value(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return int(value) if abs(value) >= _FLOAT_AS_INT_FROM else value
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_normalize_value(str(key)): _normalize_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [_normalize_value(item) for item in items]
    return _normalize_value(str(value))


def normalize_details(details: dict[str, Any] | None) -> dict[str, Any] | None:
    """``details`` as plain JSON that survives a round trip through ``jsonb`` unchanged.

    Non-JSON values (dates, UUIDs, enums) become strings, sets sorted lists, non-finite floats
    strings, huge floats integers (as ``numeric`` returns them), and NUL characters are dropped
    (PostgreSQL text cannot hold them).
    """
    if details is None:
        return None
    return _normalize_value(dict(details))


def normalize_text(value: str | None, max_length: int) -> str | None:
    """A text field as stored: NULs dropped, cut to the column's length; empty means None.

    (So that an empty CSV cell is unambiguous: it always was a null.)
    """
    if value is None:
        return None
    return value.replace("\x00", "")[:max_length] or None


def normalize_ip(value: str | None) -> str | None:
    """A source address in its compressed standard form (an unparsable one is kept, cut to 64)."""
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return normalize_text(value, 64)
