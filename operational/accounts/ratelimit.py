"""Per-key rate limiting: an in-process token bucket keyed by API-key id.

Each worker process keeps its own buckets, so with N workers a key gets at most N times its limit;
that bound is accepted for the embedded default (a shared limiter would need Redis or similar).
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated_at: dt.datetime


class TokenBucketLimiter:
    """Allows ``per_minute`` requests in a burst, refilled at ``per_minute / 60`` per second."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str, *, per_minute: int, now: dt.datetime) -> float:
        """Take one token for ``key``; returns 0 if allowed, else the seconds until one is available."""
        rate = per_minute / 60.0
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(tokens=float(per_minute), updated_at=now)
            elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
            bucket.tokens = min(float(per_minute), bucket.tokens + elapsed * rate)
            bucket.updated_at = max(now, bucket.updated_at)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate if rate > 0 else math.inf


api_key_limiter = TokenBucketLimiter()
