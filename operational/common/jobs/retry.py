"""Retry policies, and the exceptions a handler raises to steer its job.

A failed job is retried after an exponential back-off with jitter (so a thousand jobs failing
together against one peer do not all come back in the same second), until it has used
``max_attempts`` claims or, when the policy says so, until ``give_up_after`` has passed since it was
queued; then it is dead (kept, listed and re-queueable by an administrator).
"""

from __future__ import annotations

import datetime as dt
import random
import re
import traceback
from dataclasses import dataclass

from operational.common.errors import DomainError

_LONG_NUMBER = re.compile(r"\d{6,}")  # phone, identity-card and card numbers
_MAX_ERROR_LENGTH = 1000


class RetryLater(Exception):
    """Raised by a handler to run the job again after ``delay`` seconds (e.g. a peer is throttling us).

    It does not count as a failed attempt, but the policy's ``give_up_after`` deadline still applies.
    ``reason`` is stored as the job's ``last_error``: keep personal data out of it.
    """

    def __init__(self, delay: float, reason: str = "retry requested by handler") -> None:
        super().__init__(reason)
        self.delay = max(0.0, float(delay))
        self.reason = reason


class JobFailed(Exception):
    """A failure whose message is safe to store (no personal data); other exceptions keep only type."""


class PermanentFailure(JobFailed):
    """A failure no retry can fix (a malformed payload): the job goes dead at once."""


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait before each retry, and when to give up.

    The delay before retry ``n`` (1 after the first failure) is ``base_delay * factor ** (n - 1)``,
    capped at ``max_delay``, then multiplied by a random factor in ``[1 - jitter, 1 + jitter]``.
    ``give_up_after`` (optional) makes the job dead once a retry would start later than that long
    after the job was queued, whatever attempts remain: webhook pushes use 24 hours.
    """

    base_delay: float = 2.0
    factor: float = 2.0
    max_delay: float = 3600.0
    jitter: float = 0.2
    give_up_after: dt.timedelta | None = None

    def delay(self, failures: int) -> float:
        """Seconds to wait before the retry that follows failure number ``failures`` (1-based)."""
        exponent = max(0, failures - 1)
        raw = min(self.max_delay, self.base_delay * self.factor ** min(exponent, 64))
        return max(0.0, raw * random.uniform(1.0 - self.jitter, 1.0 + self.jitter))

    def gives_up(self, *, queued_at: dt.datetime, retry_at: dt.datetime) -> bool:
        """Whether a retry at ``retry_at`` would fall past the ``give_up_after`` deadline."""
        return self.give_up_after is not None and retry_at > queued_at + self.give_up_after


DEFAULT_POLICY = RetryPolicy()


def error_text(exc: BaseException) -> str:
    """What ``last_error`` keeps of ``exc``: no personal data.

    Messages of our own exceptions (``JobFailed``, ``RetryLater``, domain errors) are kept, with long
    digit runs masked; any other exception keeps only its type and where it was raised, since
    library messages often quote their input (a phone number, a name).
    """
    kind = type(exc).__name__
    if isinstance(exc, RetryLater):
        message = exc.reason
    elif isinstance(exc, JobFailed | DomainError):
        message = str(exc)
    else:
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{_short_path(frames[-1].filename)}:{frames[-1].lineno}" if frames else "unknown"
        return f"{kind} at {where}"[:_MAX_ERROR_LENGTH]
    return f"{kind}: {_LONG_NUMBER.sub('…', message)}"[:_MAX_ERROR_LENGTH]


def _short_path(filename: str) -> str:
    for marker in ("/operational/", "/site-packages/", "/tests/"):
        if marker in filename:
            return marker.strip("/") + "/" + filename.split(marker, 1)[1]
    return filename.rsplit("/", 1)[-1]
