"""Workers: threads that claim jobs, run their queue's handler and record the outcome.

A service registers one handler per queue::

    @job_handler("sms.send", retry=RetryPolicy(base_delay=5))
    def send_sms(session: Session, payload: dict) -> None: ...

and a worker process runs ``Worker(queues=["sms.send"], concurrency=8).run_forever()``. Each thread
keeps one connection, claims up to ``batch_size`` jobs at a time and runs each in its own
transaction: the handler's writes and the job's completion commit together, so a job whose
handler only writes to the database takes effect exactly once. Effects outside the database
(an SMS, a webhook) are at least once: a worker killed after sending but before committing sends
again when the lease is reclaimed, so such handlers pass an idempotency key to the peer.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from operational.common.db import get_engine
from operational.common.jobs.queue import (
    CHANNEL,
    DEFAULT_LEASE_SECONDS,
    ClaimedJob,
    claim,
    complete,
    extend_leases,
    fail,
    reclaim_expired,
    release,
    seconds_until_due,
)
from operational.common.jobs.retry import DEFAULT_POLICY, RetryPolicy, error_text

logger = logging.getLogger(__name__)

HandlerFunction = Callable[[Session, Any], None]


@dataclass(frozen=True)
class Handler:
    """A queue's handler: ``function(session, payload)`` (or ``(session, job)`` if ``takes_job``)."""

    queue: str
    function: HandlerFunction
    policy: RetryPolicy
    takes_job: bool


class JobRegistry:
    """Which function handles which queue."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def handler(
        self, queue: str, *, retry: RetryPolicy = DEFAULT_POLICY, takes_job: bool = False
    ) -> Callable[[HandlerFunction], HandlerFunction]:
        """Decorator registering a sync function as the handler of ``queue`` (one per queue)."""

        def register(function: HandlerFunction) -> HandlerFunction:
            existing = self._handlers.get(queue)
            if existing is not None and existing.function is not function:
                raise ValueError(f"queue {queue!r} already has a handler: {existing.function.__qualname__}")
            self._handlers[queue] = Handler(queue, function, retry, takes_job)
            return function

        return register

    def get(self, queue: str) -> Handler:
        """The handler of ``queue`` (``KeyError`` if none is registered)."""
        return self._handlers[queue]

    def queues(self) -> list[str]:
        """Every queue with a handler."""
        return sorted(self._handlers)


registry = JobRegistry()
"""The process's registry, filled by ``@job_handler`` as service modules are imported."""


def job_handler(
    queue: str, *, retry: RetryPolicy = DEFAULT_POLICY, takes_job: bool = False
) -> Callable[[HandlerFunction], HandlerFunction]:
    """Register the decorated function as the handler of ``queue`` in the process registry."""
    return registry.handler(queue, retry=retry, takes_job=takes_job)


class Worker:
    """Runs the handlers of ``queues`` on ``concurrency`` threads (see the module docstring).

    ``lease_seconds`` is how long a claimed job stays ours without a heartbeat (renewed every third
    of it); ``poll_interval`` bounds the idle wait when a notification is missed.

    Job transactions commit without waiting for the WAL flush unless ``durable_commits``: a database
    crash can then forget the last few milliseconds of completions, but it forgets each one together
    with its handler's writes, so the job simply runs again after its lease, as after a worker crash.
    That keeps the guarantee (at least once; exactly once for database effects) and removes one disk
    flush per job.
    """

    def __init__(
        self,
        queues: Sequence[str] | None = None,
        *,
        concurrency: int = 1,
        registry: JobRegistry = registry,
        batch_size: int = 10,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        poll_interval: float = 1.0,
        engine: Engine | None = None,
        worker_id: str | None = None,
        durable_commits: bool = False,
    ) -> None:
        self.queues = list(queues) if queues is not None else registry.queues()
        missing = [queue for queue in self.queues if queue not in registry.queues()]
        if not self.queues or missing:
            raise ValueError(f"no handler registered for queues: {missing or '(none given)'}")
        if concurrency < 1 or batch_size < 1:
            raise ValueError("concurrency and batch_size must be at least 1")
        self.concurrency = concurrency
        self.registry = registry
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.durable_commits = durable_commits
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._engine = engine
        self._stopping = threading.Event()
        self._wakers: list[threading.Event] = []
        self._lock = threading.Lock()
        self.succeeded = 0
        self.failed = 0

    @property
    def engine(self) -> Engine:
        """The engine jobs are claimed and run on."""
        return self._engine or get_engine()

    def run_until_idle(self) -> int:
        """Run due jobs until none is left (jobs due later are not waited for); return how many ran."""
        before = self.succeeded + self.failed
        self._run(exit_when_idle=True)
        return self.succeeded + self.failed - before

    def run_forever(self) -> None:
        """Run until ``stop()`` or SIGTERM/SIGINT; a stopping worker finishes its current jobs."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, lambda *_: self.stop())
        try:
            self._run(exit_when_idle=False)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stop(self) -> None:
        """Ask the worker to stop after the jobs it is running (safe from any thread or a signal)."""
        self._stopping.set()
        for waker in self._wakers:
            waker.set()

    def _run(self, *, exit_when_idle: bool) -> None:
        self._stopping.clear()
        self._wakers = [threading.Event() for _ in range(self.concurrency)]
        self._reclaim_and_renew()
        helpers = [threading.Thread(target=self._heartbeat, name=f"{self.worker_id}-heartbeat", daemon=True)]
        if not exit_when_idle:
            helpers.append(
                threading.Thread(target=self._listen, name=f"{self.worker_id}-listen", daemon=True)
            )
        runners = [
            threading.Thread(target=self._loop, args=(waker, exit_when_idle), name=f"{self.worker_id}-{n}")
            for n, waker in enumerate(self._wakers)
        ]
        for thread in helpers + runners:
            thread.start()
        for thread in runners:
            thread.join()
        self._stopping.set()
        for thread in helpers:
            thread.join()

    def _loop(self, waker: threading.Event, exit_when_idle: bool) -> None:
        while not self._stopping.is_set():
            try:
                with self.engine.connect() as connection:
                    if not self.durable_commits:
                        connection.exec_driver_sql("SET synchronous_commit = off")
                        connection.commit()
                    session = Session(bind=connection, expire_on_commit=False)
                    if self._serve(session, waker, exit_when_idle):
                        return
            except Exception:  # a lost connection must not end the thread
                logger.exception("job worker %s: database error, retrying in 1 s", self.worker_id)
                self._stopping.wait(1.0)

    def _serve(self, session: Session, waker: threading.Event, exit_when_idle: bool) -> bool:
        """Claim and run jobs on one connection; ``True`` when the thread should end."""
        while not self._stopping.is_set():
            waker.clear()
            jobs = claim(
                session,
                queues=self.queues,
                worker_id=self.worker_id,
                limit=self.batch_size,
                lease_seconds=self.lease_seconds,
            )
            session.commit()
            if not jobs:
                if exit_when_idle:
                    return True
                waker.wait(self._idle_wait(session))
                continue
            for position, job in enumerate(jobs):
                if self._stopping.is_set():
                    release(session, jobs[position:])
                    session.commit()
                    break
                self._execute(session, job)
        return True

    def _idle_wait(self, session: Session) -> float:
        due_in = seconds_until_due(session, queues=self.queues)
        session.commit()
        if due_in is None:
            return self.poll_interval
        return min(self.poll_interval, max(0.001, due_in))

    def _execute(self, session: Session, job: ClaimedJob) -> None:
        handler = self.registry.get(job.queue)
        try:
            handler.function(session, job if handler.takes_job else job.payload)
            if complete(session, job):
                session.commit()
            else:
                session.rollback()
                logger.warning("job %s: lease lost while running, its effects were rolled back", job.id)
                return
        except Exception as exc:  # noqa: BLE001 - every handler failure is recorded on the job
            session.rollback()
            status = fail(session, job, exc, handler.policy)
            session.commit()
            logger.warning("job %s (%s) failed → %s: %s", job.id, job.queue, status, error_text(exc))
            with self._lock:
                self.failed += 1
            return
        with self._lock:
            self.succeeded += 1

    def _heartbeat(self) -> None:
        interval = max(0.05, self.lease_seconds / 3)
        while not self._stopping.wait(interval):
            try:
                self._reclaim_and_renew()
            except Exception:  # the next beat retries
                logger.exception("job worker %s: heartbeat failed", self.worker_id)

    def _reclaim_and_renew(self) -> None:
        with Session(self.engine) as session:
            extend_leases(session, worker_id=self.worker_id, lease_seconds=self.lease_seconds)
            reclaimed = reclaim_expired(session)
            session.commit()
        if reclaimed:
            logger.warning("reclaimed %d jobs whose worker stopped renewing their lease", reclaimed)
            self._wake_all()

    def _listen(self) -> None:
        conninfo = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        queues = set(self.queues)
        while not self._stopping.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._wake_all()  # notifications sent while we were not listening are lost
                    while not self._stopping.is_set():
                        for notification in connection.notifies(timeout=0.5):
                            if notification.payload in queues:
                                self._wake_all()
            except psycopg.Error:
                logger.exception("job worker %s: LISTEN connection lost, polling meanwhile", self.worker_id)
                self._stopping.wait(1.0)

    def _wake_all(self) -> None:
        for waker in self._wakers:
            waker.set()
