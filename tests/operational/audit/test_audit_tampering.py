"""Tampering an attacker with superuser rights could do, and what the database refuses outright."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from operational.audit.checkpoints import create_checkpoint
from operational.audit.verify import verify_chain
from operational.security.sm2 import generate_keypair
from tests.operational.audit.factories import as_superuser_attacker, record_events, rehash_from


def test_edited_field_is_reported_as_tampered_at_that_seq(db_session: Session) -> None:
    seqs = record_events(db_session, 6)
    with as_superuser_attacker(db_session):
        db_session.execute(text("UPDATE audit_log SET result = 'failure' WHERE seq = :seq"), {"seq": seqs[3]})

    report = verify_chain(db_session)

    assert not report.ok
    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("tampered", seqs[3])
    assert "篡改" in report.problem.description


def test_deleted_middle_row_is_reported_as_deleted_at_its_seq(db_session: Session) -> None:
    seqs = record_events(db_session, 6)
    with as_superuser_attacker(db_session):
        db_session.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": seqs[2]})

    report = verify_chain(db_session)

    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("deleted", seqs[2])
    assert "删除" in report.problem.description


def test_deleted_tail_is_detected_by_the_last_checkpoint(db_session: Session) -> None:
    seqs = record_events(db_session, 6)
    create_checkpoint(db_session)
    with as_superuser_attacker(db_session):
        db_session.execute(text("DELETE FROM audit_log WHERE seq >= :seq"), {"seq": seqs[4]})

    report = verify_chain(db_session)

    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("truncated", seqs[4])


def test_edit_hidden_by_rehashing_the_rest_is_caught_by_the_checkpoint(db_session: Session) -> None:
    seqs = record_events(db_session, 6)
    create_checkpoint(db_session)
    with as_superuser_attacker(db_session):
        db_session.execute(
            text("UPDATE audit_log SET actor_name = '他人' WHERE seq = :seq"), {"seq": seqs[1]}
        )
        rehash_from(db_session, seqs[1])

    report = verify_chain(db_session)

    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("tampered", seqs[-1])
    assert "检查点" in report.problem.description


def test_deleted_row_hidden_by_renumbering_breaks_the_link_to_the_entry_before(db_session: Session) -> None:
    seqs = record_events(db_session, 5)
    with as_superuser_attacker(db_session):
        db_session.execute(text("DELETE FROM audit_log WHERE seq = :seq"), {"seq": seqs[2]})
        db_session.execute(text("UPDATE audit_log SET seq = seq - 1 WHERE seq > :seq"), {"seq": seqs[2]})
        rehash_from(db_session, seqs[2], relink=False)

    report = verify_chain(db_session)

    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("reordered", seqs[2])


def test_checkpoint_signed_by_another_key_is_reported(db_session: Session) -> None:
    record_events(db_session, 3)
    create_checkpoint(db_session, keypair=generate_keypair())

    report = verify_chain(db_session)

    assert report.problem is not None
    assert report.problem.kind == "bad-checkpoint-signature"


def test_altered_checkpoint_no_longer_matches_its_signature(db_session: Session) -> None:
    seqs = record_events(db_session, 4)
    checkpoint = create_checkpoint(db_session)
    assert checkpoint is not None
    with as_superuser_attacker(db_session, "audit_checkpoints"):
        db_session.execute(
            text("UPDATE audit_checkpoints SET up_to_seq = :seq WHERE id = :id"),
            {"seq": seqs[1], "id": checkpoint.id},
        )
    db_session.expire_all()

    report = verify_chain(db_session)

    assert report.problem is not None
    assert (report.problem.kind, report.problem.seq) == ("bad-checkpoint-signature", seqs[1])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET result = 'failure' WHERE seq = :seq",
        "DELETE FROM audit_log WHERE seq = :seq",
        "TRUNCATE audit_log",
    ],
    ids=["update", "delete", "truncate"],
)
def test_database_refuses_changes_to_the_log(db_session: Session, statement: str) -> None:
    seqs = record_events(db_session, 1)

    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text(statement), {"seq": seqs[0]})


def test_database_refuses_changes_to_checkpoints(db_session: Session) -> None:
    record_events(db_session, 1)
    checkpoint = create_checkpoint(db_session)
    assert checkpoint is not None

    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text("DELETE FROM audit_checkpoints WHERE id = :id"), {"id": checkpoint.id})
