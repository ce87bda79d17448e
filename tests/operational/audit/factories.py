"""Builders for audit tests: events, back-dated entries, and the attacker's superuser edits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from operational.audit import repository
from operational.audit.chain import entry_hash
from operational.audit.models import AuditEntry
from operational.audit.service import record_event

TEST_ACTION = "test.audit_event"


def head_seq(session: Session) -> int:
    """The highest stored seq (0 when the log is empty)."""
    return session.execute(select(func.coalesce(func.max(AuditEntry.seq), 0))).scalar_one()


def record_events(session: Session, count: int, *, institution_code: str | None = "JA01") -> list[int]:
    """Record ``count`` events through the real service; return their seqs."""
    seqs = []
    for index in range(count):
        record_event(
            session,
            action=TEST_ACTION,
            actor_id="u-1001",
            actor_name="审计测试员",
            source_ip="10.1.2.3",
            resource=f"patient:{institution_code}:{index}",
            institution_code=institution_code,
            details={"index": index},
        )
        seqs.append(head_seq(session))
    return seqs


def record_backdated(session: Session, count: int, *, occurred_at: dt.datetime) -> list[int]:
    """Append ``count`` correctly chained entries dated ``occurred_at`` (as if written back then)."""
    seqs = []
    for index in range(count):
        last_seq, last_hash = repository.lock_chain_head(session)
        fields = {
            "actor_id": "u-1001",
            "actor_name": "历史记录",
            "source_ip": "10.1.2.3",
            "action": TEST_ACTION,
            "resource": f"patient:JA01:{index}",
            "institution_code": "JA01",
            "result": "success",
            "request_id": None,
            "details": {"index": index},
        }
        seq = last_seq + 1
        digest = entry_hash(seq=seq, occurred_at=occurred_at, prev_hash=last_hash, **fields)
        repository.insert_entry(
            session,
            {"seq": seq, "occurred_at": occurred_at, "prev_hash": last_hash, "entry_hash": digest, **fields},
        )
        seqs.append(seq)
    return seqs


@contextmanager
def as_superuser_attacker(session: Session, table: str = "audit_log") -> Iterator[None]:
    """Switch the append-only triggers off around an edit, as someone with superuser rights could."""
    session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    try:
        yield
    finally:
        session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def rehash_from(session: Session, seq: int, *, relink: bool = True) -> None:
    """Recompute every hash from ``seq`` on, as an attacker hiding an edit would (SM3 needs no key).

    With ``relink`` each ``prev_hash`` is pointed at the entry now before it, too; without, the
    stored ``prev_hash`` values are kept.
    """
    rows = session.execute(
        select(*repository.ENTRY_COLUMNS).where(AuditEntry.seq >= seq).order_by(AuditEntry.seq)
    ).all()
    previous = session.execute(select(AuditEntry.entry_hash).where(AuditEntry.seq == seq - 1)).scalar_one()
    for row in rows:
        fields = row._asdict()
        fields.pop("entry_hash")
        if relink:
            fields["prev_hash"] = previous
        previous = entry_hash(**fields)
        session.execute(
            text("UPDATE audit_log SET prev_hash = :prev, entry_hash = :hash WHERE seq = :seq"),
            {"prev": fields["prev_hash"], "hash": previous, "seq": row.seq},
        )
