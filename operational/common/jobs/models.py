"""The ``jobs`` table: one row per unit of background work, from enqueue to success or dead letter."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, SmallInteger, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from operational.common.db import Base

STATUSES = ("queued", "running", "failed", "succeeded", "dead")
"""``queued`` waits for ``run_at``; ``running`` is leased by a worker; ``failed`` failed and waits for its
retry at ``run_at``; ``succeeded`` and ``dead`` (retries exhausted) are final."""

CLAIMABLE = ("queued", "failed")

Timestamp = TIMESTAMP(timezone=True)


class Job(Base):
    """A background job of one queue (see docs/operations/jobs.md)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    queue: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(Text, server_default="queued")
    priority: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    """Higher runs first among due jobs of the same queues."""
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    """Claims so far (a claim counts as an attempt, so a job that kills its worker still ends dead)."""
    max_attempts: Mapped[int] = mapped_column(Integer, server_default="5")
    run_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    """Not before: the schedule of a new job, the back-off of a failed one."""
    locked_by: Mapped[str | None] = mapped_column(Text)
    locked_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    """A running job whose lease passes is given back to the queue (its worker is presumed dead)."""
    last_error: Mapped[str | None] = mapped_column(Text)
    """Exception type and location (message only from trusted exception types): no personal data."""
    dedupe_key: Mapped[str | None] = mapped_column(Text)
    """Unique per queue when set: enqueueing the same key again returns the existing job."""
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    queued_at: Mapped[dt.datetime] = mapped_column(Timestamp, server_default=func.now())
    """When the job (re-)entered the queue; a retry policy's ``give_up_after`` counts from here."""
    finished_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)

    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES!r}", name="status"),
        CheckConstraint("max_attempts >= 1", name="max_attempts"),
        # The claim query walks this partial index: only waiting jobs are in it, so it stays small
        # however many finished jobs the table keeps.
        Index(
            "ix_jobs_claimable",
            "queue",
            text("priority DESC"),
            "run_at",
            "id",
            postgresql_where=text("status IN ('queued', 'failed')"),
        ),
        Index("ix_jobs_lease", "lease_expires_at", postgresql_where=text("status = 'running'")),
        Index("ix_jobs_queue_status", "queue", "status", "finished_at"),
        Index(
            "uq_jobs_queue_dedupe_key",
            "queue",
            "dedupe_key",
            unique=True,
            postgresql_where=text("dedupe_key IS NOT NULL"),
        ),
    )
