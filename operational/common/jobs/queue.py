"""Enqueue, claim, complete and fail jobs: the queue protocol on PostgreSQL.

Every function runs in the caller's session and never commits, so ``enqueue`` joins the caller's
transaction (a message row and its delivery job commit together or not at all) and a worker can
commit a handler's own writes together with the job's completion. Workers claim with
``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent workers never wait for or take each other's jobs,
and hold a lease they renew; a job whose lease passes is handed back by ``reclaim_expired``.
A ``NOTIFY`` on ``CHANNEL`` (delivered at commit) wakes idle workers at once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from operational.common.jobs.retry import (
    DEFAULT_POLICY,
    PermanentFailure,
    RetryLater,
    RetryPolicy,
    error_text,
)

CHANNEL = "healthops_jobs"
DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_LEASE_SECONDS = 300.0
_BULK_CHUNK = 10_000


@dataclass(frozen=True)
class ClaimedJob:
    """A job leased to a worker: what a handler may see of it."""

    id: int
    queue: str
    payload: dict[str, Any]
    attempts: int
    """This claim included (1 on the first run)."""
    max_attempts: int
    queued_at: dt.datetime
    locked_by: str


def _json(payload: Mapping[str, Any]) -> str:
    return orjson.dumps(payload).decode()


_INSERT_ONE = text(
    """
    WITH inserted AS (
        INSERT INTO jobs (queue, payload, run_at, dedupe_key, max_attempts, priority)
        VALUES (:queue, CAST(:payload AS jsonb), COALESCE(CAST(:run_at AS timestamptz), now()),
                :dedupe_key, :max_attempts, :priority)
        ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
        RETURNING id
    )
    SELECT id, pg_notify(:channel, :queue) FROM inserted
    """
)

_EXISTING = text("SELECT id FROM jobs WHERE queue = :queue AND dedupe_key = :dedupe_key")


def enqueue(
    session: Session,
    *,
    queue: str,
    payload: Mapping[str, Any],
    run_at: dt.datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    priority: int = 0,
) -> int:
    """Add a job to ``queue`` in the caller's transaction and return its id.

    ``run_at`` (timezone-aware) delays it; ``dedupe_key`` makes the call idempotent: if the queue
    already holds a job with that key (in any status), no job is added and the existing id is
    returned. Higher ``priority`` runs first. Workers are notified when the transaction commits.
    """
    _check_run_at(run_at)
    parameters = {
        "queue": queue,
        "payload": _json(payload),
        "run_at": run_at,
        "dedupe_key": dedupe_key,
        "max_attempts": max_attempts,
        "priority": priority,
        "channel": CHANNEL,
    }
    job_id = session.execute(_INSERT_ONE, parameters).scalar()
    if job_id is None:
        job_id = session.execute(_EXISTING, {"queue": queue, "dedupe_key": dedupe_key}).scalar_one()
    return int(job_id)


_INSERT_MANY = text(
    """
    INSERT INTO jobs (queue, payload, run_at, dedupe_key, max_attempts, priority)
    SELECT :queue, CAST(t.payload AS jsonb), COALESCE(CAST(:run_at AS timestamptz), now()),
           t.dedupe_key, :max_attempts, :priority
    FROM unnest(CAST(:payloads AS text[]), CAST(:dedupe_keys AS text[]))
         WITH ORDINALITY AS t(payload, dedupe_key, position)
    ORDER BY t.position
    ON CONFLICT (queue, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
    RETURNING id
    """
)


def enqueue_many(
    session: Session,
    *,
    queue: str,
    payloads: Sequence[Mapping[str, Any]],
    dedupe_keys: Sequence[str | None] | None = None,
    run_at: dt.datetime | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    priority: int = 0,
) -> list[int]:
    """Add many jobs to ``queue`` with one ``INSERT`` per 10,000, in the caller's transaction.

    Returns the ids of the jobs created, in order; a payload whose ``dedupe_keys`` entry already
    exists in the queue (or repeats an earlier entry) is skipped.
    """
    _check_run_at(run_at)
    if dedupe_keys is not None and len(dedupe_keys) != len(payloads):
        raise ValueError("dedupe_keys must have one entry per payload")
    ids: list[int] = []
    for start in range(0, len(payloads), _BULK_CHUNK):
        chunk = payloads[start : start + _BULK_CHUNK]
        keys = list(dedupe_keys[start : start + _BULK_CHUNK]) if dedupe_keys else [None] * len(chunk)
        parameters = {
            "queue": queue,
            "payloads": [_json(payload) for payload in chunk],
            "dedupe_keys": keys,
            "run_at": run_at,
            "max_attempts": max_attempts,
            "priority": priority,
        }
        ids.extend(session.execute(_INSERT_MANY, parameters).scalars())
    if ids:
        session.execute(text("SELECT pg_notify(:channel, :queue)"), {"channel": CHANNEL, "queue": queue})
    return ids


def _check_run_at(run_at: dt.datetime | None) -> None:
    if run_at is not None and run_at.tzinfo is None:
        raise ValueError("run_at must be timezone-aware")


_CLAIM = text(
    """
    WITH picked AS (
        SELECT id FROM jobs
        WHERE queue = ANY(:queues) AND status IN ('queued', 'failed') AND run_at <= now()
        ORDER BY priority DESC, run_at, id
        LIMIT :limit
        FOR UPDATE SKIP LOCKED
    )
    UPDATE jobs AS j
    SET status = 'running', attempts = j.attempts + 1, locked_by = :worker, locked_at = now(),
        lease_expires_at = now() + make_interval(secs => :lease)
    FROM picked
    WHERE j.id = picked.id
    RETURNING j.id, j.queue, j.payload, j.attempts, j.max_attempts, j.queued_at, j.priority, j.run_at
    """
)


def claim(
    session: Session,
    *,
    queues: Sequence[str],
    worker_id: str,
    limit: int = 1,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> list[ClaimedJob]:
    """Lease up to ``limit`` due jobs of ``queues`` (highest priority, then earliest ``run_at``).

    Rows other transactions hold are skipped, not waited for. The caller commits at once so the
    lease is visible; each claim counts as an attempt.
    """
    parameters = {"queues": list(queues), "worker": worker_id, "limit": limit, "lease": lease_seconds}
    rows = session.execute(_CLAIM, parameters).all()
    # RETURNING does not keep the CTE's order: restore it so a batch runs highest priority first.
    rows.sort(key=lambda row: (-row.priority, row.run_at, row.id))
    return [
        ClaimedJob(row.id, row.queue, row.payload, row.attempts, row.max_attempts, row.queued_at, worker_id)
        for row in rows
    ]


def seconds_until_due(session: Session, *, queues: Sequence[str]) -> float | None:
    """Seconds until the earliest waiting job of ``queues`` is due (<= 0: now; ``None``: none waits)."""
    return session.execute(
        text(
            "SELECT EXTRACT(EPOCH FROM min(run_at) - now())::float8 FROM jobs"
            " WHERE queue = ANY(:queues) AND status IN ('queued', 'failed')"
        ),
        {"queues": list(queues)},
    ).scalar()


_COMPLETE = text(
    """
    UPDATE jobs SET status = 'succeeded', finished_at = now(), locked_by = NULL, locked_at = NULL,
                    lease_expires_at = NULL
    WHERE id = :id AND status = 'running' AND locked_by = :worker
    """
)


def complete(session: Session, job: ClaimedJob) -> bool:
    """Mark ``job`` succeeded; ``False`` if this worker no longer holds it (its lease was reclaimed)."""
    return session.execute(_COMPLETE, {"id": job.id, "worker": job.locked_by}).rowcount == 1


_RESCHEDULE = text(
    """
    UPDATE jobs AS j
    SET status = CASE WHEN v.dead THEN 'dead' WHEN :counts THEN 'failed' ELSE 'queued' END,
        attempts = CASE WHEN :counts THEN j.attempts ELSE j.attempts - 1 END,
        run_at = CASE WHEN v.dead THEN j.run_at ELSE v.retry_at END,
        finished_at = CASE WHEN v.dead THEN now() END,
        last_error = :error, locked_by = NULL, locked_at = NULL, lease_expires_at = NULL
    FROM (
        SELECT id, now() + make_interval(secs => :delay) AS retry_at,
               (:permanent
                OR (:counts AND attempts >= max_attempts)
                OR (CAST(:give_up AS double precision) IS NOT NULL
                    AND now() + make_interval(secs => :delay)
                        > queued_at + make_interval(secs => CAST(:give_up AS double precision)))) AS dead
        FROM jobs WHERE id = :id
    ) AS v
    WHERE j.id = v.id AND j.status = 'running' AND j.locked_by = :worker
    RETURNING j.status
    """
)


def fail(
    session: Session, job: ClaimedJob, exc: BaseException, policy: RetryPolicy = DEFAULT_POLICY
) -> str | None:
    """Record that ``job`` raised ``exc``; return its new status (``None`` if the lease was lost).

    ``RetryLater`` re-queues it after the requested delay without using an attempt; a
    ``PermanentFailure`` makes it dead at once; any other exception retries after the policy's
    back-off while attempts and the ``give_up_after`` deadline allow, else the job is dead.
    """
    if isinstance(exc, RetryLater):
        delay, counts = exc.delay, False
    else:
        delay, counts = policy.delay(job.attempts), True
    give_up = policy.give_up_after.total_seconds() if policy.give_up_after is not None else None
    parameters = {
        "id": job.id,
        "worker": job.locked_by,
        "delay": delay,
        "counts": counts,
        "permanent": isinstance(exc, PermanentFailure),
        "give_up": give_up,
        "error": error_text(exc),
    }
    return session.execute(_RESCHEDULE, parameters).scalar()


_RECLAIM = text(
    """
    UPDATE jobs
    SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' END,
        finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
        run_at = now(),
        last_error = 'lease expired: worker ' || coalesce(locked_by, '?') || ' stopped renewing it',
        locked_by = NULL, locked_at = NULL, lease_expires_at = NULL
    WHERE status = 'running' AND lease_expires_at < now()
    """
)


def reclaim_expired(session: Session) -> int:
    """Hand back every running job whose lease has passed (dead if it has no attempt left)."""
    return session.execute(_RECLAIM).rowcount


def extend_leases(session: Session, *, worker_id: str, lease_seconds: float) -> int:
    """Renew the lease of every job ``worker_id`` holds; return how many it holds."""
    return session.execute(
        text(
            "UPDATE jobs SET lease_expires_at = now() + make_interval(secs => :lease)"
            " WHERE status = 'running' AND locked_by = :worker"
        ),
        {"worker": worker_id, "lease": lease_seconds},
    ).rowcount


def release(session: Session, jobs: Sequence[ClaimedJob]) -> int:
    """Give back claimed jobs that never started (a stopping worker), without using an attempt."""
    if not jobs:
        return 0
    return session.execute(
        text(
            "UPDATE jobs SET status = 'queued', attempts = attempts - 1, locked_by = NULL,"
            " locked_at = NULL, lease_expires_at = NULL"
            " WHERE id = ANY(:ids) AND status = 'running' AND locked_by = :worker"
        ),
        {"ids": [job.id for job in jobs], "worker": jobs[0].locked_by},
    ).rowcount
