"""The worker's periodic audit checkpoint, on its own database (it commits and signs for real)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational import worker
from operational.audit.models import AuditCheckpoint
from operational.audit.service import record_event
from operational.audit.verify import verify_chain
from operational.common import db
from operational.common.jobs import Worker
from operational.common.jobs.models import Job
from tests.operational.postgres import temporary_database


@pytest.fixture
def own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Session]:
    """A database of this test alone, which the process engine (and so the worker) uses meanwhile."""
    with temporary_database(tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        db.forget_engine()
        db.migrate()
        try:
            with db.new_session() as session:
                yield session
        finally:
            db.get_engine().dispose()
            monkeypatch.undo()
            db.forget_engine()


def test_scheduling_a_slot_twice_queues_one_job(own_database: Session) -> None:
    now = dt.datetime(2026, 11, 23, 8, 3, tzinfo=dt.UTC)
    first = worker.schedule_audit_checkpoint(own_database, now=now)
    again = worker.schedule_audit_checkpoint(own_database, now=now + dt.timedelta(minutes=5))
    assert first == again
    job = own_database.get(Job, first)
    assert job is not None and job.run_at == dt.datetime(2026, 11, 23, 8, 10, tzinfo=dt.UTC)


def test_the_checkpoint_job_signs_the_head_and_queues_the_next_slot(own_database: Session) -> None:
    record_event(own_database, action="test.worker", actor_id="tester")
    # A slot that is already due, as after the worker was down for a while.
    worker.schedule_audit_checkpoint(own_database, now=dt.datetime.now(dt.UTC) - worker.CHECKPOINT_EVERY * 2)
    own_database.commit()
    Worker(queues=[worker.CHECKPOINT_QUEUE], concurrency=1).run_until_idle()
    own_database.expire_all()
    assert own_database.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1
    pending = own_database.scalars(
        select(Job).where(Job.queue == worker.CHECKPOINT_QUEUE, Job.status == "queued")
    )
    assert [job.run_at > dt.datetime.now(dt.UTC) for job in pending] == [True]
    assert verify_chain(own_database).ok
