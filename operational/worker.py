"""The background worker process: every registered job handler, and the periodic jobs.

``python -m operational.worker`` (started by ``healthops serve``) runs the Postgres job runner of
``operational.common.jobs``. Periodic work is itself a job that schedules its successor: one job
per time slot, made unique by a dedupe key, so any number of workers (and restarts) never run a
slot twice and never skip the schedule.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm import Session

from operational.audit.checkpoints import create_checkpoint
from operational.common import db
from operational.common.jobs import Worker, enqueue, job_handler
from operational.common.logging_setup import configure_logging

logger = logging.getLogger(__name__)

CHECKPOINT_QUEUE = "audit.checkpoint"
CHECKPOINT_EVERY = dt.timedelta(minutes=10)


def _slot_start(moment: dt.datetime, every: dt.timedelta) -> dt.datetime:
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    return epoch + ((moment - epoch) // every) * every


def schedule_audit_checkpoint(session: Session, *, now: dt.datetime) -> int:
    """Enqueue the checkpoint of the slot after ``now`` (idempotent per slot); returns the job id."""
    run_at = _slot_start(now, CHECKPOINT_EVERY) + CHECKPOINT_EVERY
    return enqueue(
        session, queue=CHECKPOINT_QUEUE, payload={}, run_at=run_at, dedupe_key=f"slot:{run_at.isoformat()}"
    )


@job_handler(CHECKPOINT_QUEUE)
def checkpoint_audit_log(session: Session, payload: dict[str, Any]) -> None:
    """Sign the audit chain's head (SM2), then schedule the next slot in the same transaction."""
    checkpoint = create_checkpoint(session)
    if checkpoint is not None:
        logger.info("audit checkpoint signed up to seq %s", checkpoint.up_to_seq)
    schedule_audit_checkpoint(session, now=dt.datetime.now(dt.UTC))


def start_schedules() -> None:
    """Make sure every periodic job has its next slot queued (a no-op when it already has)."""
    with db.new_session() as session:
        schedule_audit_checkpoint(session, now=dt.datetime.now(dt.UTC))
        session.commit()


def main() -> None:
    """Migrate, queue the periodic jobs, and run every registered handler until SIGTERM/SIGINT."""
    configure_logging()
    db.migrate()
    start_schedules()
    Worker(concurrency=2).run_forever()


if __name__ == "__main__":
    main()
