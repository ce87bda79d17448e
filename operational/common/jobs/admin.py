"""Looking after queues: statistics, the dead-letter list, re-queueing and purging finished jobs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from operational.common.errors import NotFound
from operational.common.jobs.models import STATUSES
from operational.common.jobs.queue import CHANNEL


class JobNotFound(NotFound):
    """No job has this id."""

    code = "job_not_found"
    default_message = "任务不存在"


@dataclass(frozen=True)
class JobView:
    """A job as administrators see it."""

    id: int
    queue: str
    status: str
    payload: dict[str, Any]
    priority: int
    attempts: int
    max_attempts: int
    run_at: dt.datetime
    locked_by: str | None
    last_error: str | None
    dedupe_key: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


_COLUMNS = (
    "id, queue, status, payload, priority, attempts, max_attempts, run_at, locked_by, last_error,"
    " dedupe_key, created_at, finished_at"
)


def get_job(session: Session, job_id: int) -> JobView:
    """The job ``job_id``; ``JobNotFound`` if there is none."""
    row = session.execute(text(f"SELECT {_COLUMNS} FROM jobs WHERE id = :id"), {"id": job_id}).first()
    if row is None:
        raise JobNotFound(details={"job_id": job_id})
    return JobView(**row._asdict())


def list_dead(
    session: Session, queue: str, *, limit: int = 100, before_id: int | None = None
) -> list[JobView]:
    """Dead jobs of ``queue``, newest first, ``limit`` at a time (page on with ``before_id``)."""
    rows = session.execute(
        text(
            f"SELECT {_COLUMNS} FROM jobs WHERE queue = :queue AND status = 'dead'"
            " AND (CAST(:before AS bigint) IS NULL OR id < :before) ORDER BY id DESC LIMIT :limit"
        ),
        {"queue": queue, "before": before_id, "limit": limit},
    )
    return [JobView(**row._asdict()) for row in rows]


def requeue_dead(session: Session, queue: str, ids: Sequence[int] | None = None) -> int:
    """Put dead jobs of ``queue`` (all of them, or only ``ids``) back, with fresh attempts; return how many.

    The retry deadline of a re-queued job counts from now. Workers are notified at commit.
    """
    count = session.execute(
        text(
            "UPDATE jobs SET status = 'queued', attempts = 0, run_at = now(), queued_at = now(),"
            " finished_at = NULL"
            " WHERE queue = :queue AND status = 'dead'"
            " AND (CAST(:ids AS bigint[]) IS NULL OR id = ANY(CAST(:ids AS bigint[])))"
        ),
        {"queue": queue, "ids": list(ids) if ids is not None else None},
    ).rowcount
    if count:
        session.execute(text("SELECT pg_notify(:channel, :queue)"), {"channel": CHANNEL, "queue": queue})
    return count


def queue_stats(session: Session) -> dict[str, dict[str, int]]:
    """Job counts by queue and status (every status present, zeros included)."""
    stats: dict[str, dict[str, int]] = {}
    rows = session.execute(text("SELECT queue, status, count(*) FROM jobs GROUP BY queue, status"))
    for queue, status, count in rows:
        stats.setdefault(queue, dict.fromkeys(STATUSES, 0))[status] = count
    return stats


def purge_finished(
    session: Session, *, older_than: dt.timedelta, queue: str | None = None, include_dead: bool = False
) -> int:
    """Delete succeeded (and, if asked, dead) jobs finished more than ``older_than`` ago.

    A purged job's ``dedupe_key`` becomes free again.
    """
    statuses = ["succeeded", "dead"] if include_dead else ["succeeded"]
    return session.execute(
        text(
            "DELETE FROM jobs WHERE status = ANY(:statuses)"
            " AND finished_at < now() - make_interval(secs => :seconds)"
            " AND (CAST(:queue AS text) IS NULL OR queue = :queue)"
        ),
        {"statuses": statuses, "seconds": older_than.total_seconds(), "queue": queue},
    ).rowcount
