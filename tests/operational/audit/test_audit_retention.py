"""Retention: only old, checkpointed prefixes go, and the remaining chain still verifies."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from operational.audit.checkpoints import create_checkpoint, purge_expired
from operational.audit.models import AuditCheckpoint, AuditEntry
from operational.audit.service import record_event
from operational.audit.verify import verify_chain
from operational.common.errors import Conflict
from tests.operational.audit.factories import as_superuser_attacker, head_seq, record_backdated, record_events

NOW = dt.datetime.now(dt.UTC)
LONG_AGO = NOW - dt.timedelta(days=300)


def _stored(session: Session) -> int:
    return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def test_purge_removes_the_old_prefix_and_the_rest_still_verifies(empty_log_session: Session) -> None:
    record_backdated(empty_log_session, 10, occurred_at=LONG_AGO)
    create_checkpoint(empty_log_session)
    record_events(empty_log_session, 5)

    result = purge_expired(empty_log_session, now=NOW)
    report = verify_chain(empty_log_session)

    assert (result.removed, result.up_to_seq) == (10, 10)
    assert report.ok, report.problem
    assert (report.first_seq, report.last_seq) == (11, 15)


def test_purge_keeps_entries_younger_than_the_retention_period(empty_log_session: Session) -> None:
    record_backdated(empty_log_session, 10, occurred_at=NOW - dt.timedelta(days=170))
    create_checkpoint(empty_log_session)

    result = purge_expired(empty_log_session, now=NOW)

    assert result.removed == 0
    assert _stored(empty_log_session) == 10


def test_purge_stops_at_the_last_checkpoint_inside_the_old_entries(empty_log_session: Session) -> None:
    record_backdated(empty_log_session, 4, occurred_at=LONG_AGO)
    create_checkpoint(empty_log_session)
    record_backdated(empty_log_session, 3, occurred_at=LONG_AGO)

    result = purge_expired(empty_log_session, now=NOW)

    assert (result.removed, result.up_to_seq) == (4, 4)
    assert verify_chain(empty_log_session).ok


def test_chain_continues_from_the_purge_point_after_everything_was_purged(empty_log_session: Session) -> None:
    record_backdated(empty_log_session, 5, occurred_at=LONG_AGO)
    checkpoint = create_checkpoint(empty_log_session)
    assert checkpoint is not None
    purge_expired(empty_log_session, now=NOW)

    record_event(empty_log_session, action="auth.login", actor_name="wang")
    entry = empty_log_session.get(AuditEntry, head_seq(empty_log_session))

    assert entry is not None
    assert (entry.seq, entry.prev_hash) == (6, checkpoint.up_to_hash)
    assert verify_chain(empty_log_session).ok


def test_purge_refuses_to_destroy_a_tampered_prefix(empty_log_session: Session) -> None:
    record_backdated(empty_log_session, 5, occurred_at=LONG_AGO)
    create_checkpoint(empty_log_session)
    with as_superuser_attacker(empty_log_session):
        empty_log_session.execute(text("UPDATE audit_log SET actor_name = 'x' WHERE seq = 2"))

    with pytest.raises(Conflict, match="拒绝清理"):
        purge_expired(empty_log_session, now=NOW)
    assert _stored(empty_log_session) == 5


def test_database_refuses_to_delete_young_entries_even_under_a_purge_checkpoint(
    empty_log_session: Session,
) -> None:
    record_events(empty_log_session, 3)
    # An intruder inside the application writes a purge checkpoint covering everything.
    empty_log_session.add(
        AuditCheckpoint(
            kind="purge",
            up_to_seq=3,
            up_to_hash="0" * 64,
            created_at=NOW,
            signature=b"forged",
            public_key_fingerprint="0" * 64,
        )
    )
    empty_log_session.flush()

    with pytest.raises(DBAPIError, match="append-only"), empty_log_session.begin_nested():
        empty_log_session.execute(text("DELETE FROM audit_log WHERE seq <= 3"))
