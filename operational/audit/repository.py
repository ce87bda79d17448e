"""The only SQL of the audit log: chain head, appends, filtered reads and ordered streams."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, insert, select, text
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from operational.audit.chain import GENESIS_HASH
from operational.audit.models import AuditCheckpoint, AuditEntry

CHAIN_LOCK = 72_130_101
"""``pg_advisory_xact_lock`` key serializing appends and checkpoints (also in ``audit_lock_head()``)."""
PURGE_LOCK = 72_130_102

STREAM_BATCH = 2_000

ENTRY_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.occurred_at,
    AuditEntry.actor_id,
    AuditEntry.actor_name,
    AuditEntry.source_ip,
    AuditEntry.action,
    AuditEntry.resource,
    AuditEntry.institution_code,
    AuditEntry.result,
    AuditEntry.request_id,
    AuditEntry.details,
    AuditEntry.prev_hash,
    AuditEntry.entry_hash,
)


@dataclass(frozen=True)
class EventFilter:
    """Which entries a reader asks for; ``institution_codes`` None means the whole district."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    actor: str | None = None
    action: str | None = None
    institution_code: str | None = None
    result: str | None = None
    institution_codes: frozenset[str] | None = None


def lock_purge(session: Session) -> None:
    """Hold the purge lock until the caller's transaction ends (one purge at a time; appends go on)."""
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PURGE_LOCK})


def lock_chain_head(session: Session) -> tuple[int, str]:
    """Take the chain lock, then ``(seq, entry_hash)`` of the last entry (or of the last purge point).

    One round trip: the database function ``audit_lock_head`` reads the head after the lock, with a
    fresh snapshot, so it sees the append committed by the previous lock holder.
    """
    row = session.execute(text("SELECT head_seq, head_hash FROM audit_lock_head()")).one()
    return (row.head_seq, row.head_hash) if row.head_seq is not None else (0, GENESIS_HASH)


_INSERT = insert(AuditEntry.__table__)


def insert_entry(session: Session, values: dict[str, Any]) -> None:
    """Append one fully computed entry."""
    session.execute(_INSERT, values)


def entry_at(session: Session, seq: int) -> Row[Any] | None:
    """The entry with this ``seq`` (all chain columns), if present."""
    return session.execute(select(*ENTRY_COLUMNS).where(AuditEntry.seq == seq)).first()


def first_seq(session: Session) -> int | None:
    """The lowest ``seq`` still stored."""
    return session.execute(select(func.min(AuditEntry.seq))).scalar_one()


def stream_entries(session: Session, *, from_seq: int = 0, to_seq: int | None = None) -> Iterator[Row[Any]]:
    """Entries with ``from_seq <= seq [<= to_seq]`` in ``seq`` order, fetched in batches (server cursor)."""
    query = select(*ENTRY_COLUMNS).where(AuditEntry.seq >= from_seq).order_by(AuditEntry.seq)
    if to_seq is not None:
        query = query.where(AuditEntry.seq <= to_seq)
    result = session.execute(query.execution_options(yield_per=STREAM_BATCH))
    try:
        yield from result
    finally:
        result.close()


def _filtered(query: Select[Any], where: EventFilter) -> Select[Any]:
    if where.since is not None:
        query = query.where(AuditEntry.occurred_at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.occurred_at < where.until)
    if where.actor:
        query = query.where((AuditEntry.actor_id == where.actor) | (AuditEntry.actor_name == where.actor))
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.institution_code:
        query = query.where(AuditEntry.institution_code == where.institution_code)
    if where.result:
        query = query.where(AuditEntry.result == where.result)
    if where.institution_codes is not None:
        query = query.where(AuditEntry.institution_code.in_(sorted(where.institution_codes)))
    return query


def list_entries(
    session: Session, where: EventFilter, *, limit: int, before_seq: int | None = None
) -> Sequence[Row[Any]]:
    """One page of matching entries, newest first, below ``before_seq`` (keyset pagination)."""
    query = _filtered(select(*ENTRY_COLUMNS), where).order_by(AuditEntry.seq.desc()).limit(limit)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    return session.execute(query).all()


def stream_filtered(session: Session, where: EventFilter) -> Iterator[Row[Any]]:
    """Every matching entry in ``seq`` order, fetched in batches (for exports)."""
    query = _filtered(select(*ENTRY_COLUMNS), where).order_by(AuditEntry.seq)
    result = session.execute(query.execution_options(yield_per=STREAM_BATCH))
    try:
        yield from result
    finally:
        result.close()


def list_checkpoints(session: Session) -> Sequence[AuditCheckpoint]:
    """Every checkpoint, oldest first (a few per day: small)."""
    return session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()


def latest_checkpoint(session: Session) -> AuditCheckpoint | None:
    """The checkpoint covering the highest ``seq``."""
    return session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.up_to_seq.desc(), AuditCheckpoint.id.desc()).limit(1)
    ).first()


def latest_purge(session: Session) -> AuditCheckpoint | None:
    """The purge checkpoint below which entries were removed, if any purge happened."""
    return session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.kind == "purge")
        .order_by(AuditCheckpoint.up_to_seq.desc(), AuditCheckpoint.id.desc())
        .limit(1)
    ).first()


def add_checkpoint(session: Session, checkpoint: AuditCheckpoint) -> AuditCheckpoint:
    """Store a signed checkpoint."""
    session.add(checkpoint)
    session.flush()
    return checkpoint


def delete_prefix(session: Session, up_to_seq: int) -> int:
    """Remove entries with ``seq <= up_to_seq`` (the database trigger allows only a covered, old prefix)."""
    result = session.execute(text("DELETE FROM audit_log WHERE seq <= :seq"), {"seq": up_to_seq})
    return result.rowcount or 0
