"""Appends from many connections at once serialize into one gap-free, valid chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from operational.audit.models import AuditEntry
from operational.audit.service import record_event
from operational.audit.verify import verify_chain

THREADS = 8
EVENTS_PER_THREAD = 40


def test_concurrent_appends_keep_a_gap_free_valid_chain(fresh_database_url: str) -> None:
    engine = create_engine(fresh_database_url, pool_size=THREADS)

    def append(worker: int) -> None:
        for index in range(EVENTS_PER_THREAD):
            with Session(engine) as session, session.begin():
                record_event(
                    session, action="test.concurrent", actor_id=f"worker-{worker}", details={"i": index}
                )

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            list(pool.map(append, range(THREADS)))
        with Session(engine) as session:
            seqs = session.scalars(select(AuditEntry.seq).order_by(AuditEntry.seq)).all()
            report = verify_chain(session)
    finally:
        engine.dispose()

    assert seqs == list(range(1, THREADS * EVENTS_PER_THREAD + 1))
    assert report.ok, report.problem
    assert report.entries_checked == THREADS * EVENTS_PER_THREAD
