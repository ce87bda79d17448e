"""In-process rate limiting: token buckets keyed by client IP, API-key hash or endpoint, and bans.

Everything here runs on the event loop without awaiting, so no lock is needed. Each uvicorn worker
keeps its own buckets (limits are per worker; with N workers a client gets up to N times the rate).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from operational.firewall.policy import RateLimit

Clock = Callable[[], float]


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class TokenBuckets:
    """Token buckets by key; ``take`` returns 0 when allowed, else the seconds until a token is back."""

    clock: Clock = time.monotonic
    max_keys: int = 200_000
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)

    def take(self, key: tuple[str, str], limit: RateLimit) -> float:
        """Spend one token of ``key`` under ``limit``; the wait in seconds when none is left (0 if allowed)."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._prune(now)
            bucket = self._buckets[key] = _Bucket(limit.capacity, now)
        else:
            bucket.tokens = min(
                limit.capacity, bucket.tokens + (now - bucket.updated) * limit.refill_per_second
            )
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / limit.refill_per_second

    def _prune(self, now: float) -> None:
        # Buckets idle for a minute or more are full again or nearly so: forgetting them is harmless.
        stale = [key for key, bucket in self._buckets.items() if now - bucket.updated > 60.0]
        for key in stale:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()


@dataclass
class BanList:
    """IPs banned for a while after too many refusals (CC protection)."""

    window_seconds: float
    ban_seconds: float
    clock: Clock = time.monotonic
    max_keys: int = 100_000
    _strikes: dict[tuple[str, str], deque[float]] = field(default_factory=dict)
    _banned: dict[str, float] = field(default_factory=dict)

    def banned_for(self, ip: str) -> float:
        """Seconds left of ``ip``'s ban (0 when not banned)."""
        until = self._banned.get(ip)
        if until is None:
            return 0.0
        left = until - self.clock()
        if left <= 0:
            del self._banned[ip]
            return 0.0
        return left

    def strike(self, ip: str, kind: str, threshold: int) -> bool:
        """Count one refusal of ``kind`` against ``ip``; True when this strike bans it."""
        if threshold <= 0:
            return False
        now = self.clock()
        key = (ip, kind)
        strikes = self._strikes.get(key)
        if strikes is None:
            if len(self._strikes) >= self.max_keys:
                self._strikes.clear()
            strikes = self._strikes[key] = deque()
        strikes.append(now)
        while strikes and now - strikes[0] > self.window_seconds:
            strikes.popleft()
        if len(strikes) >= threshold:
            self._banned[ip] = now + self.ban_seconds
            del self._strikes[key]
            return True
        return False


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
