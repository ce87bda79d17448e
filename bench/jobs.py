"""Job-queue benchmark: enqueue and processing throughput on PostgreSQL.

    uv run python bench/jobs.py           # 20,000 jobs a round
    uv run python bench/jobs.py --quick   # 4,000 jobs a round, under 30 s

Prints one figure a line as ``name: value unit``, each the median of 3 rounds on a temporary
database (the server at 127.0.0.1:5432, else an embedded one), migrated with Alembic:

* ``jobs_enqueued_per_s``: ``enqueue_many`` in batches of 1,000, one commit per batch;
* ``jobs_enqueued_one_by_one_per_s``: ``enqueue`` per job, one commit per job (an API request's path);
* ``jobs_processed_per_s``: a no-op handler, one worker with 2 threads, each job claimed in batches
  and completed in its own transaction.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROUNDS = 3


def _enqueue_bulk(queue: str, count: int) -> float:
    from operational.common.db import new_session
    from operational.common.jobs import enqueue_many

    started = time.perf_counter()
    for start in range(0, count, 1000):
        with new_session() as session:
            payloads = [{"message_id": n} for n in range(start, min(count, start + 1000))]
            enqueue_many(session, queue=queue, payloads=payloads)
            session.commit()
    return count / (time.perf_counter() - started)


def _enqueue_single(queue: str, count: int) -> float:
    from operational.common.db import new_session
    from operational.common.jobs import enqueue

    started = time.perf_counter()
    with new_session() as session:
        for n in range(count):
            enqueue(session, queue=queue, payload={"message_id": n})
            session.commit()
    return count / (time.perf_counter() - started)


def _process(queue: str, count: int) -> float:
    from operational.common.jobs import JobRegistry, Worker

    jobs = JobRegistry()
    jobs.handler(queue)(lambda session, payload: None)
    worker = Worker([queue], registry=jobs, concurrency=2, batch_size=50)
    started = time.perf_counter()
    processed = worker.run_until_idle()
    elapsed = time.perf_counter() - started
    if processed != count:
        raise SystemExit(f"processed {processed} jobs, expected {count}")
    return count / elapsed


def main() -> None:
    """Run the rounds and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer jobs a round (under 30 s)")
    args = parser.parse_args()
    count = 4_000 if args.quick else 20_000
    single = 500 if args.quick else 2_000

    from sqlalchemy import create_engine, text

    from operational.common import db
    from operational.common.settings import get_settings
    from tests.operational.postgres import temporary_database

    with tempfile.TemporaryDirectory() as tmp, temporary_database(Path(tmp)) as url:
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        db.get_engine.cache_clear()
        engine = create_engine(url)
        db.migrate(engine)
        engine.dispose()
        bulk, one_by_one, processed = [], [], []
        for round_number in range(ROUNDS):
            queue = f"bench.{round_number}"
            bulk.append(_enqueue_bulk(queue, count))
            processed.append(_process(queue, count))
            one_by_one.append(_enqueue_single(f"bench.single.{round_number}", single))
            with db.get_engine().begin() as connection:
                connection.execute(text("TRUNCATE jobs"))
        db.get_engine().dispose()
    print(f"jobs_enqueued_per_s: {statistics.median(bulk):.0f} jobs/s")
    print(f"jobs_enqueued_one_by_one_per_s: {statistics.median(one_by_one):.0f} jobs/s")
    print(f"jobs_processed_per_s: {statistics.median(processed):.0f} jobs/s")


if __name__ == "__main__":
    main()
