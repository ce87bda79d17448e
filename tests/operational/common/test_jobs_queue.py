"""The queue protocol on real PostgreSQL: enqueue, dedupe, claim order, locking, leases, admin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.orm import Session

from operational.common import db
from operational.common.jobs import (
    claim,
    complete,
    enqueue,
    enqueue_many,
    get_job,
    list_dead,
    queue_stats,
    reclaim_expired,
    requeue_dead,
)
from operational.common.jobs.admin import JobNotFound, purge_finished
from operational.common.jobs.models import Job

Committed = Callable[[Callable[[Session], Any]], Any]


def _count(queue: str) -> int:
    with db.new_session() as session:
        return session.execute(text("SELECT count(*) FROM jobs WHERE queue = :q"), {"q": queue}).scalar_one()


def test_the_migration_matches_the_orm_model(database_url: str) -> None:
    with db.get_engine().connect() as connection:
        context = MigrationContext.configure(connection)
        differences = [d for d in compare_metadata(context, Job.metadata) if "jobs" in repr(d)]
    assert differences == []


def test_enqueue_in_a_rolled_back_transaction_leaves_no_job(queue: str) -> None:
    with db.new_session() as session:
        enqueue(session, queue=queue, payload={"n": 1})
        session.rollback()
    assert _count(queue) == 0


def test_enqueue_commits_with_the_callers_transaction(queue: str) -> None:
    with db.new_session() as session:
        job_id = enqueue(session, queue=queue, payload={"message_id": 7})
        assert _count(queue) == 0  # not visible to others before the commit
        session.commit()
    assert _count(queue) == 1
    with db.new_session() as session:
        assert get_job(session, job_id).payload == {"message_id": 7}


def test_the_same_dedupe_key_returns_the_existing_job(queue: str, committed: Committed) -> None:
    first = committed(lambda s: enqueue(s, queue=queue, payload={"n": 1}, dedupe_key="msg-1"))
    second = committed(lambda s: enqueue(s, queue=queue, payload={"n": 2}, dedupe_key="msg-1"))
    assert second == first
    assert _count(queue) == 1


def test_a_dedupe_key_is_unique_per_queue_only(queue: str, committed: Committed) -> None:
    first = committed(lambda s: enqueue(s, queue=queue, payload={}, dedupe_key="k"))
    other = committed(lambda s: enqueue(s, queue=queue + ".other", payload={}, dedupe_key="k"))
    assert other != first


def test_enqueue_many_inserts_every_payload_in_order(queue: str, committed: Committed) -> None:
    ids = committed(lambda s: enqueue_many(s, queue=queue, payloads=[{"n": n} for n in range(2500)]))
    assert len(ids) == 2500
    with db.new_session() as session:
        payloads = session.execute(
            text("SELECT payload FROM jobs WHERE id = ANY(:ids) ORDER BY id"), {"ids": ids}
        ).scalars()
        assert [payload["n"] for payload in payloads] == list(range(2500))


def test_enqueue_many_skips_dedupe_keys_already_queued(queue: str, committed: Committed) -> None:
    committed(lambda s: enqueue(s, queue=queue, payload={"n": 0}, dedupe_key="k0"))
    ids = committed(
        lambda s: enqueue_many(
            s, queue=queue, payloads=[{"n": 0}, {"n": 1}, {"n": 2}], dedupe_keys=["k0", "k1", None]
        )
    )
    assert len(ids) == 2
    assert _count(queue) == 3


def test_a_naive_run_at_is_refused(queue: str, db_session: Session) -> None:
    with pytest.raises(ValueError, match="timezone"):
        enqueue(db_session, queue=queue, payload={}, run_at=dt.datetime(2030, 1, 1))


def test_claim_takes_higher_priority_first_then_earlier_jobs(queue: str, committed: Committed) -> None:
    low = committed(lambda s: enqueue(s, queue=queue, payload={}, priority=0))
    high = committed(lambda s: enqueue(s, queue=queue, payload={}, priority=5))
    later_low = committed(lambda s: enqueue(s, queue=queue, payload={}, priority=0))
    jobs = committed(lambda s: claim(s, queues=[queue], worker_id="w", limit=3))
    assert [job.id for job in jobs] == [high, low, later_low]


def test_batch_claim_takes_at_most_the_limit(queue: str, committed: Committed) -> None:
    committed(lambda s: enqueue_many(s, queue=queue, payloads=[{}] * 7))
    first = committed(lambda s: claim(s, queues=[queue], worker_id="w", limit=5))
    second = committed(lambda s: claim(s, queues=[queue], worker_id="w", limit=5))
    assert (len(first), len(second)) == (5, 2)


def test_claim_counts_an_attempt_and_records_the_lease(queue: str, committed: Committed) -> None:
    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}))
    [job] = committed(lambda s: claim(s, queues=[queue], worker_id="worker-a", lease_seconds=60))
    with db.new_session() as session:
        view = get_job(session, job_id)
    assert (job.attempts, view.status, view.locked_by) == (1, "running", "worker-a")


def test_claim_skips_rows_another_transaction_is_claiming(queue: str, committed: Committed) -> None:
    committed(lambda s: enqueue_many(s, queue=queue, payloads=[{"n": n} for n in range(4)]))
    with db.new_session() as first, db.new_session() as second:
        taken_first = claim(first, queues=[queue], worker_id="a", limit=2)
        taken_second = claim(second, queues=[queue], worker_id="b", limit=4)  # must not wait for `first`
        first.commit()
        second.commit()
    assert len(taken_first) == 2 and len(taken_second) == 2
    assert not {job.id for job in taken_first} & {job.id for job in taken_second}


def test_a_job_is_not_claimed_before_its_run_at(queue: str, committed: Committed) -> None:
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    committed(lambda s: enqueue(s, queue=queue, payload={}, run_at=later))
    assert committed(lambda s: claim(s, queues=[queue], worker_id="w")) == []


def test_an_expired_lease_is_reclaimed_as_a_retry(queue: str, committed: Committed) -> None:
    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}))
    committed(lambda s: claim(s, queues=[queue], worker_id="crashed", lease_seconds=0.01))
    with db.new_session() as session:
        session.execute(text("SELECT pg_sleep(0.05)"))
    assert committed(reclaim_expired) >= 1
    with db.new_session() as session:
        view = get_job(session, job_id)
    assert (view.status, view.locked_by) == ("failed", None)
    assert "lease expired" in (view.last_error or "")


def test_an_expired_lease_with_no_attempt_left_is_dead(queue: str, committed: Committed) -> None:
    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}, max_attempts=1))
    committed(lambda s: claim(s, queues=[queue], worker_id="crashed", lease_seconds=0.01))
    with db.new_session() as session:
        session.execute(text("SELECT pg_sleep(0.05)"))
    committed(reclaim_expired)
    with db.new_session() as session:
        assert get_job(session, job_id).status == "dead"


def test_complete_by_a_worker_that_lost_the_lease_changes_nothing(queue: str, committed: Committed) -> None:
    committed(lambda s: enqueue(s, queue=queue, payload={}))
    [stale] = committed(lambda s: claim(s, queues=[queue], worker_id="slow", lease_seconds=0.01))
    with db.new_session() as session:
        session.execute(text("SELECT pg_sleep(0.05)"))
    committed(reclaim_expired)
    [fresh] = committed(lambda s: claim(s, queues=[queue], worker_id="fast"))
    assert committed(lambda s: complete(s, stale)) is False
    assert committed(lambda s: complete(s, fresh)) is True


def test_requeue_dead_puts_only_the_named_jobs_back(queue: str, committed: Committed) -> None:
    ids = committed(lambda s: enqueue_many(s, queue=queue, payloads=[{}] * 3))
    committed(lambda s: s.execute(text("UPDATE jobs SET status = 'dead' WHERE id = ANY(:ids)"), {"ids": ids}))
    assert committed(lambda s: requeue_dead(s, queue, [ids[0]])) == 1
    dead = committed(lambda s: list_dead(s, queue))
    assert sorted(job.id for job in dead) == sorted(ids[1:])


def test_queue_stats_counts_jobs_by_status(queue: str, committed: Committed) -> None:
    committed(lambda s: enqueue_many(s, queue=queue, payloads=[{}] * 3))
    committed(lambda s: claim(s, queues=[queue], worker_id="w", limit=1))
    stats = committed(queue_stats)[queue]
    assert (stats["queued"], stats["running"], stats["dead"]) == (2, 1, 0)


def test_purge_finished_deletes_only_old_succeeded_jobs(queue: str, committed: Committed) -> None:
    ids = committed(lambda s: enqueue_many(s, queue=queue, payloads=[{}] * 2))
    committed(
        lambda s: s.execute(
            text(
                "UPDATE jobs SET status = 'succeeded', finished_at = now() - interval '8 days' WHERE id = :id"
            ),
            {"id": ids[0]},
        )
    )
    assert committed(lambda s: purge_finished(s, older_than=dt.timedelta(days=7), queue=queue)) == 1
    assert _count(queue) == 1


def test_get_job_of_an_unknown_id_raises_job_not_found(db_session: Session) -> None:
    with pytest.raises(JobNotFound) as caught:
        get_job(db_session, -1)
    assert caught.value.message == "任务不存在"
