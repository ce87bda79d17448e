"""The chain as written by ``record_event``: linked, hashed, verifiable, stable through jsonb."""

from __future__ import annotations

import datetime as dt
import uuid
from itertools import pairwise

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.audit.chain import entry_hash
from operational.audit.checkpoints import create_checkpoint
from operational.audit.models import AuditCheckpoint, AuditEntry
from operational.audit.repository import ENTRY_COLUMNS
from operational.audit.service import record_event
from operational.audit.verify import verify_chain
from tests.operational.audit.factories import head_seq, record_events


def test_many_events_verify_as_an_intact_chain(db_session: Session) -> None:
    seqs = record_events(db_session, 150)
    create_checkpoint(db_session)
    seqs += record_events(db_session, 150, institution_code="JA02")

    report = verify_chain(db_session)

    assert report.ok, report.problem
    assert report.entries_checked >= 300
    assert report.last_seq == seqs[-1]
    assert report.checkpoints_checked >= 1


def test_seqs_are_consecutive_and_each_entry_links_to_the_one_before(db_session: Session) -> None:
    seqs = record_events(db_session, 5)
    rows = db_session.execute(
        select(AuditEntry.seq, AuditEntry.prev_hash, AuditEntry.entry_hash)
        .where(AuditEntry.seq >= seqs[0])
        .order_by(AuditEntry.seq)
    ).all()

    assert [row.seq for row in rows] == list(range(seqs[0], seqs[0] + 5))
    assert all(later.prev_hash == earlier.entry_hash for earlier, later in pairwise(rows))


def test_stored_hash_is_sm3_of_the_entry_as_read_back(db_session: Session) -> None:
    record_event(db_session, action="patient.read", actor_id="u-7", resource="patient:JA03:9")
    row = db_session.execute(select(*ENTRY_COLUMNS).where(AuditEntry.seq == head_seq(db_session))).one()
    fields = row._asdict()
    stored = fields.pop("entry_hash")

    assert entry_hash(**fields) == stored
    assert len(stored) == 64


def test_request_id_and_time_are_recorded(db_session: Session) -> None:
    before = dt.datetime.now(dt.UTC)
    record_event(db_session, action="auth.login", actor_name="zhang")
    row = db_session.get(AuditEntry, head_seq(db_session))

    assert row is not None
    assert row.request_id is None  # outside a request
    assert before <= row.occurred_at <= dt.datetime.now(dt.UTC)
    assert row.result == "success"


def test_awkward_details_hash_the_same_after_the_jsonb_round_trip(db_session: Session) -> None:
    record_event(
        db_session,
        action="patient.export",
        actor_name="李四\x00",
        source_ip="::FFFF:10.0.0.1",
        details={
            "day": dt.date(2025, 6, 1),
            "id": uuid.UUID(int=7),
            "big": 1e20,
            "tiny": 1e-7,
            "share": 0.1,
            "codes": {"JA02", "JA01"},
            "nested": {"b": [1, 2.5, None, True], "a": "静安"},
            "bad": float("nan"),
        },
    )
    db_session.expire_all()

    report = verify_chain(db_session, since_seq=head_seq(db_session))

    assert report.ok, report.problem
    assert report.entries_checked == 1


def test_verification_from_a_seq_checks_only_the_entries_from_there(db_session: Session) -> None:
    seqs = record_events(db_session, 10)

    report = verify_chain(db_session, since_seq=seqs[5])

    assert report.ok, report.problem
    assert report.first_seq == seqs[5]
    assert report.entries_checked == 5


def test_checkpoint_signs_the_head_and_is_not_repeated_without_new_entries(db_session: Session) -> None:
    seqs = record_events(db_session, 3)

    first = create_checkpoint(db_session)
    second = create_checkpoint(db_session)

    assert isinstance(first, AuditCheckpoint)
    assert first.up_to_seq == seqs[-1]
    assert first.up_to_hash == db_session.get(AuditEntry, seqs[-1]).entry_hash
    assert second is None
