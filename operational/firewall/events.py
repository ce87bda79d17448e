"""Block events: logged, counted in memory and written to Postgres by a background batch writer.

The request path only appends to a bounded queue; a daemon thread inserts batches into
security_events. When the database is down the counters keep counting, the batch is dropped and a
warning is logged (at most once a minute), so an outage never slows or fails requests.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy import Engine

logger = logging.getLogger("healthops.firewall")

_LONG_NUMBER = re.compile(r"\d{6,}[\dXx]?")  # ID-card, phone and record numbers in paths
_MAX_PATH = 200


def safe_path(path: str) -> str:
    """``path`` fit for logs: long digit runs masked, truncated; the query is never included."""
    path = _LONG_NUMBER.sub("***", path)
    return path if len(path) <= _MAX_PATH else path[:_MAX_PATH] + "…"


@dataclass(frozen=True)
class BlockEvent:
    """One refused request (no payload: only where the rule fired)."""

    occurred_at: dt.datetime
    source_ip: str
    attack_type: str
    rule_id: str
    endpoint_rule: str
    method: str
    url_path: str
    location: str
    status_code: int
    request_id: str | None


class FirewallStats:
    """Counters of one worker: requests inspected, blocks by attack type, rule and IP."""

    def __init__(self, max_ips: int = 10_000) -> None:
        self._lock = threading.Lock()
        self.max_ips = max_ips
        self.inspected = 0
        self.blocked = 0
        self.by_type: Counter[str] = Counter()
        self.by_rule: Counter[str] = Counter()
        self.by_ip: Counter[str] = Counter()
        self.persisted = 0
        self.persist_failures = 0
        self.dropped = 0

    def count_block(self, event: BlockEvent) -> None:
        """Count ``event``."""
        with self._lock:
            self.blocked += 1
            self.by_type[event.attack_type] += 1
            self.by_rule[event.rule_id] += 1
            if event.source_ip in self.by_ip or len(self.by_ip) < self.max_ips:
                self.by_ip[event.source_ip] += 1

    def snapshot(self, top: int = 20) -> dict[str, Any]:
        """The counters as plain data (top ``top`` IPs)."""
        with self._lock:
            return {
                "inspected": self.inspected,
                "blocked": self.blocked,
                "by_attack_type": dict(self.by_type),
                "by_rule": dict(self.by_rule),
                "top_ips": dict(self.by_ip.most_common(top)),
                "persisted": self.persisted,
                "persist_failures": self.persist_failures,
                "dropped": self.dropped,
            }


class EventWriter:
    """A daemon thread inserting queued events into security_events in batches."""

    def __init__(
        self,
        stats: FirewallStats,
        *,
        engine: Callable[[], Engine] | None = None,
        batch_size: int = 200,
        max_queue: int = 20_000,
    ) -> None:
        self.stats = stats
        self.engine = engine
        self.batch_size = batch_size
        self._queue: queue.Queue[BlockEvent] = queue.Queue(maxsize=max_queue)
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._last_warning = 0.0

    def submit(self, event: BlockEvent) -> None:
        """Queue ``event`` without waiting (dropped and counted when the queue is full)."""
        self._ensure_started()
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            with self.stats._lock:
                self.stats.dropped += 1

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued event has been handled; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self._queue.unfinished_tasks

    def _ensure_started(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="firewall-events", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            deadline = time.monotonic() + 0.5
            while len(batch) < self.batch_size:
                try:
                    batch.append(self._queue.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            try:
                self._insert(batch)
                with self.stats._lock:
                    self.stats.persisted += len(batch)
            except Exception as exc:  # noqa: BLE001 - any DB failure: keep serving, keep counting
                with self.stats._lock:
                    self.stats.persist_failures += len(batch)
                if time.monotonic() - self._last_warning > 60:
                    self._last_warning = time.monotonic()
                    logger.warning("firewall events not persisted (%d dropped): %s", len(batch), exc)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _insert(self, batch: list[BlockEvent]) -> None:
        from sqlalchemy import insert

        from operational.common.db import get_engine
        from operational.firewall.models import SecurityEvent

        with (self.engine or get_engine)().begin() as connection:
            connection.execute(insert(SecurityEvent), [asdict(event) for event in batch])


class BlockRecorder:
    """Logs, counts and queues for persistence every block."""

    def __init__(self, stats: FirewallStats, writer: EventWriter | None) -> None:
        self.stats = stats
        self.writer = writer

    def record(self, event: BlockEvent) -> None:
        """Log, count and persist (asynchronously) ``event``."""
        logger.warning(
            "firewall blocked ip=%s type=%s rule=%s endpoint=%s method=%s path=%s at=%s status=%d request=%s",
            event.source_ip,
            event.attack_type,
            event.rule_id,
            event.endpoint_rule,
            event.method,
            event.url_path,
            event.location,
            event.status_code,
            event.request_id,
        )
        self.stats.count_block(event)
        if self.writer is not None:
            self.writer.submit(event)


@lru_cache(maxsize=1)
def default_stats() -> FirewallStats:
    """The counters of this process."""
    return FirewallStats()


@lru_cache(maxsize=1)
def default_writer() -> EventWriter:
    """The event writer of this process (its thread starts with the first block)."""
    return EventWriter(default_stats())


def firewall_stats() -> dict[str, Any]:
    """This worker's firewall counters: inspected, blocked, by attack type, by rule, top IPs."""
    return default_stats().snapshot()
