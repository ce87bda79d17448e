"""Workers on real PostgreSQL: throughput without loss or duplicates, retries, dead letters, wake-up."""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from operational.common import db
from operational.common.jobs import (
    ClaimedJob,
    JobFailed,
    JobRegistry,
    JobView,
    PermanentFailure,
    RetryLater,
    RetryPolicy,
    Worker,
    claim,
    enqueue,
    enqueue_many,
    get_job,
    list_dead,
    requeue_dead,
)

Committed = Callable[[Callable[[Session], Any]], Any]
FAST_RETRY = RetryPolicy(base_delay=0.05, factor=2.0, jitter=0.0)


def _job(job_id: int) -> JobView:
    with db.new_session() as session:
        return get_job(session, job_id)


def _run_until(worker: Worker, done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "timed out"
        worker.run_until_idle()
        time.sleep(0.02)


def _raising(exc: Exception) -> Callable[[Session, dict], None]:
    def handler(session: Session, payload: dict) -> None:
        raise exc

    return handler


def _in_background(worker: Worker) -> threading.Thread:
    thread = threading.Thread(target=worker.run_forever, daemon=True)
    thread.start()
    return thread


def test_an_enqueued_job_is_run_with_its_payload_and_succeeds(queue: str, committed: Committed) -> None:
    seen: list[dict] = []
    jobs = JobRegistry()
    jobs.handler(queue)(lambda session, payload: seen.append(payload))
    job_id = committed(lambda s: enqueue(s, queue=queue, payload={"phone_hash": "ab", "n": 1}))
    assert Worker([queue], registry=jobs).run_until_idle() == 1
    assert seen == [{"phone_hash": "ab", "n": 1}]
    assert _job(job_id).status == "succeeded"


def test_two_workers_run_2000_jobs_each_exactly_once(queue: str, committed: Committed) -> None:
    runs: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()

    def record(session: Session, payload: dict) -> None:
        with lock:
            runs[payload["n"]] += 1

    jobs = JobRegistry()
    jobs.handler(queue)(record)
    committed(lambda s: enqueue_many(s, queue=queue, payloads=[{"n": n} for n in range(2000)]))
    workers = [Worker([queue], registry=jobs, concurrency=2, batch_size=20) for _ in range(2)]
    threads = [threading.Thread(target=worker.run_until_idle) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(runs) == set(range(2000))
    assert max(runs.values()) == 1
    assert all(worker.succeeded > 0 for worker in workers)
    with db.new_session() as session:
        statuses = session.execute(
            text("SELECT status, count(*) FROM jobs WHERE queue = :q GROUP BY status"), {"q": queue}
        ).all()
    assert dict(statuses) == {"succeeded": 2000}


def test_a_failing_job_is_retried_with_growing_back_off(queue: str, committed: Committed) -> None:
    attempts_at: list[float] = []
    jobs = JobRegistry()

    @jobs.handler(queue, retry=FAST_RETRY)
    def flaky(session: Session, payload: dict) -> None:
        attempts_at.append(time.monotonic())
        if len(attempts_at) < 4:
            raise JobFailed("gateway returned 503")

    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}, max_attempts=5))
    _run_until(Worker([queue], registry=jobs), lambda: _job(job_id).status == "succeeded")
    gaps = [later - earlier for earlier, later in itertools.pairwise(attempts_at)]
    assert len(attempts_at) == 4
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2


def test_a_job_failing_every_attempt_ends_dead_with_its_error(queue: str, committed: Committed) -> None:
    jobs = JobRegistry()

    @jobs.handler(queue, retry=FAST_RETRY)
    def broken(session: Session, payload: dict) -> None:
        raise JobFailed("template not approved")

    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}, max_attempts=3))
    _run_until(Worker([queue], registry=jobs), lambda: _job(job_id).status == "dead")
    view = _job(job_id)
    assert view.attempts == 3
    assert view.last_error == "JobFailed: template not approved"
    assert [job.id for job in committed(lambda s: list_dead(s, queue))] == [job_id]


def test_a_requeued_dead_job_runs_again(queue: str, committed: Committed) -> None:
    fixed = threading.Event()
    jobs = JobRegistry()

    @jobs.handler(queue, retry=FAST_RETRY)
    def until_fixed(session: Session, payload: dict) -> None:
        if not fixed.is_set():
            raise JobFailed("peer down")

    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}, max_attempts=1))
    worker = Worker([queue], registry=jobs)
    worker.run_until_idle()
    assert _job(job_id).status == "dead"
    fixed.set()
    assert committed(lambda s: requeue_dead(s, queue)) == 1
    worker.run_until_idle()
    assert (_job(job_id).status, _job(job_id).attempts) == ("succeeded", 1)


def test_a_permanent_failure_is_dead_at_once(queue: str, committed: Committed) -> None:
    jobs = JobRegistry()
    jobs.handler(queue)(_raising(PermanentFailure("bad payload")))
    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}, max_attempts=10))
    Worker([queue], registry=jobs).run_until_idle()
    assert (_job(job_id).status, _job(job_id).attempts) == ("dead", 1)


def test_retry_later_reschedules_without_using_an_attempt(queue: str, committed: Committed) -> None:
    jobs = JobRegistry()
    jobs.handler(queue)(_raising(RetryLater(3600, "carrier throttling")))
    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}, max_attempts=1))
    Worker([queue], registry=jobs).run_until_idle()
    view = _job(job_id)
    assert (view.status, view.attempts) == ("queued", 0)
    assert view.run_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=59)


def test_a_job_past_its_retry_deadline_is_dead_before_max_attempts(queue: str, committed: Committed) -> None:
    jobs = JobRegistry()
    webhook_like = RetryPolicy(base_delay=0.05, jitter=0.0, give_up_after=dt.timedelta(seconds=0.3))

    @jobs.handler(queue, retry=webhook_like)
    def always_down(session: Session, payload: dict) -> None:
        raise JobFailed("HTTP 503")

    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}, max_attempts=1000))
    _run_until(Worker([queue], registry=jobs), lambda: _job(job_id).status == "dead")
    assert 2 <= _job(job_id).attempts < 10


def test_last_error_keeps_no_personal_data(queue: str, committed: Committed) -> None:
    jobs = JobRegistry()

    @jobs.handler(queue)
    def leaky(session: Session, payload: dict) -> None:
        raise ValueError("张三 13812345678 号码无效")

    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}, max_attempts=1))
    Worker([queue], registry=jobs).run_until_idle()
    error = _job(job_id).last_error or ""
    assert error.startswith("ValueError at ")
    assert "13812345678" not in error and "张三" not in error


def test_a_failed_handlers_writes_are_rolled_back(queue: str, committed: Committed) -> None:
    jobs = JobRegistry()
    follow_up = queue + ".follow_up"

    @jobs.handler(queue)
    def writes_then_fails(session: Session, payload: dict) -> None:
        enqueue(session, queue=follow_up, payload={})
        raise JobFailed("after writing")

    committed(lambda s: enqueue(s, queue=queue, payload={}, max_attempts=1))
    Worker([queue], registry=jobs).run_until_idle()
    with db.new_session() as session:
        count = session.execute(text("SELECT count(*) FROM jobs WHERE queue = :q"), {"q": follow_up})
        assert count.scalar_one() == 0


def test_a_handler_can_take_the_job_itself(queue: str, committed: Committed) -> None:
    seen: list[ClaimedJob] = []
    jobs = JobRegistry()
    jobs.handler(queue, takes_job=True)(lambda session, job: seen.append(job))
    job_id = committed(lambda s: enqueue(s, queue=queue, payload={"x": 1}))
    Worker([queue], registry=jobs).run_until_idle()
    assert [(job.id, job.attempts, job.payload) for job in seen] == [(job_id, 1, {"x": 1})]


def test_a_crashed_workers_job_is_reclaimed_and_run_by_another(queue: str, committed: Committed) -> None:
    ran: list[int] = []
    jobs = JobRegistry()
    jobs.handler(queue)(lambda session, payload: ran.append(payload["n"]))
    job_id = committed(lambda s: enqueue(s, queue=queue, payload={"n": 1}))
    # A worker claims the job, then dies without finishing or renewing its lease.
    committed(lambda s: claim(s, queues=[queue], worker_id="crashed", lease_seconds=1.0))
    survivor = Worker([queue], registry=jobs, lease_seconds=0.3)
    survivor.run_until_idle()
    assert ran == []  # the lease still holds
    time.sleep(1.05)
    survivor.run_until_idle()
    assert ran == [1]
    assert (_job(job_id).status, _job(job_id).attempts) == ("succeeded", 2)


def test_an_idle_worker_wakes_on_notify_long_before_its_poll(queue: str, committed: Committed) -> None:
    done = threading.Event()
    jobs = JobRegistry()
    jobs.handler(queue)(lambda session, payload: done.set())
    worker = Worker([queue], registry=jobs, poll_interval=30.0)
    thread = _in_background(worker)
    try:
        time.sleep(0.5)  # let it go idle and LISTEN
        started = time.monotonic()
        committed(lambda s: enqueue(s, queue=queue, payload={}))
        assert done.wait(5.0)
        assert time.monotonic() - started < 1.0
    finally:
        worker.stop()
        thread.join(5.0)


def test_a_scheduled_job_runs_at_its_run_at_not_before(queue: str, committed: Committed) -> None:
    ran_at: list[dt.datetime] = []
    jobs = JobRegistry()
    jobs.handler(queue)(lambda session, payload: ran_at.append(dt.datetime.now(dt.UTC)))
    run_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.7)
    committed(lambda s: enqueue(s, queue=queue, payload={}, run_at=run_at))
    worker = Worker([queue], registry=jobs, poll_interval=30.0)
    thread = _in_background(worker)
    try:
        deadline = time.monotonic() + 5.0
        while not ran_at and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.stop()
        thread.join(5.0)
    assert len(ran_at) == 1
    assert run_at <= ran_at[0] < run_at + dt.timedelta(seconds=1.0)


def test_stop_ends_run_forever_after_the_running_job(queue: str, committed: Committed) -> None:
    started, finished = threading.Event(), threading.Event()
    jobs = JobRegistry()

    @jobs.handler(queue)
    def slow(session: Session, payload: dict) -> None:
        started.set()
        time.sleep(0.3)
        finished.set()

    job_id = committed(lambda s: enqueue(s, queue=queue, payload={}))
    worker = Worker([queue], registry=jobs)
    thread = _in_background(worker)
    assert started.wait(5.0)
    worker.stop()
    thread.join(5.0)
    assert not thread.is_alive()
    assert finished.is_set() and _job(job_id).status == "succeeded"


def test_a_worker_refuses_queues_without_a_handler() -> None:
    with pytest.raises(ValueError, match="no handler"):
        Worker(["nobody.handles.this"], registry=JobRegistry())


def test_a_queue_takes_only_one_handler() -> None:
    jobs = JobRegistry()
    jobs.handler("q")(lambda session, payload: None)
    with pytest.raises(ValueError, match="already has a handler"):
        jobs.handler("q")(lambda session, payload: None)
