"""SM2-signed checkpoints of the chain head, and retention (purging expired prefixes).

A checkpoint signs the canonical statement (UTF-8 lines)::

    healthops-audit-checkpoint/v1
    <kind>            periodic | purge
    <up_to_seq>
    <up_to_hash>      entry_hash of entry up_to_seq
    <created_at>      UTC, microseconds

with the platform's SM2 key (GB/T 32918.2; ``operational.security.sm2``). A periodic checkpoint
lets verification detect a deleted tail and a chain recomputed from some point on (SM3 is unkeyed;
the signature is not). A purge checkpoint records where the stored chain now starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.audit import repository
from operational.audit.chain import canonical_time
from operational.audit.models import AuditCheckpoint, AuditEntry
from operational.common.db import new_session
from operational.common.errors import Conflict
from operational.common.settings import get_settings
from operational.security.crypto import sm3_hex
from operational.security.keys import get_key_provider
from operational.security.sm2 import Sm2KeyPair, public_key_hex, sign, verify

STATEMENT_VERSION = "healthops-audit-checkpoint/v1"
LEGAL_MINIMUM_DAYS = 180
"""The database trigger refuses to delete younger entries, whatever the settings say."""


def checkpoint_statement(*, kind: str, up_to_seq: int, up_to_hash: str, created_at: dt.datetime) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    lines = (STATEMENT_VERSION, kind, str(up_to_seq), up_to_hash, canonical_time(created_at))
    return "\n".join(lines).encode("utf-8")


def key_fingerprint(public_pem: bytes) -> str:
    """SM3 of the raw public key ``x || y``: names the key that signed a checkpoint."""
    return sm3_hex(bytes.fromhex(public_key_hex(public_pem)))


def platform_keypair() -> Sm2KeyPair:
    """The platform's SM2 signing key pair (from the key provider)."""
    return get_key_provider().signing_keypair()


def signature_valid(checkpoint: AuditCheckpoint, public_pem: bytes) -> bool:
    """Whether ``checkpoint`` was signed, as it stands, by the key ``public_pem``."""
    if checkpoint.public_key_fingerprint != key_fingerprint(public_pem):
        return False
    statement = checkpoint_statement(
        kind=checkpoint.kind,
        up_to_seq=checkpoint.up_to_seq,
        up_to_hash=checkpoint.up_to_hash,
        created_at=checkpoint.created_at,
    )
    return verify(public_pem, statement, bytes(checkpoint.signature))


def _signed(kind: str, up_to_seq: int, up_to_hash: str, keypair: Sm2KeyPair) -> AuditCheckpoint:
    created_at = dt.datetime.now(dt.UTC)
    statement = checkpoint_statement(
        kind=kind, up_to_seq=up_to_seq, up_to_hash=up_to_hash, created_at=created_at
    )
    return AuditCheckpoint(
        kind=kind,
        up_to_seq=up_to_seq,
        up_to_hash=up_to_hash,
        created_at=created_at,
        signature=sign(keypair.private_pem, statement),
        public_key_fingerprint=key_fingerprint(keypair.public_pem),
    )


def create_checkpoint(session: Session, *, keypair: Sm2KeyPair | None = None) -> AuditCheckpoint | None:
    """Sign the current chain head in the caller's transaction; None when nothing new since the last one."""
    head_seq, head_hash = repository.lock_chain_head(session)
    latest = repository.latest_checkpoint(session)
    if head_seq == 0 or (latest is not None and latest.up_to_seq >= head_seq):
        return None
    checkpoint = _signed("periodic", head_seq, head_hash, keypair or platform_keypair())
    return repository.add_checkpoint(session, checkpoint)


def run_checkpoint_job() -> int | None:
    """Job-runner entry point: checkpoint the head in its own transaction; the seq covered, or None.

    Schedule it every few minutes: a deleted tail is detectable only up to the last checkpoint.
    """
    with new_session() as session, session.begin():
        checkpoint = create_checkpoint(session)
        return checkpoint.up_to_seq if checkpoint is not None else None


@dataclass(frozen=True)
class PurgeResult:
    """What a purge removed: ``removed`` entries, those with ``seq <= up_to_seq``."""

    removed: int
    up_to_seq: int | None


def _purge_boundary(session: Session, *, after_seq: int, cutoff: dt.datetime) -> AuditCheckpoint | None:
    """The highest periodic checkpoint above ``after_seq`` whose whole prefix is older than ``cutoff``."""
    candidates = session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.kind == "periodic", AuditCheckpoint.up_to_seq > after_seq)
        .order_by(AuditCheckpoint.up_to_seq.desc())
    ).all()
    for checkpoint in candidates:
        newest = session.execute(
            select(func.max(AuditEntry.occurred_at)).where(AuditEntry.seq <= checkpoint.up_to_seq)
        ).scalar_one()
        if newest is not None and newest < cutoff:
            return checkpoint
    return None


def purge_expired(
    session: Session, *, now: dt.datetime, keypair: Sm2KeyPair | None = None, public_pem: bytes | None = None
) -> PurgeResult:
    """Remove the longest prefix of entries older than the retention period that ends at a checkpoint.

    Only whole prefixes ending at a periodic checkpoint go, and only after that prefix verifies:
    a purge never destroys evidence of tampering (it raises ``Conflict`` instead). A signed purge
    checkpoint is recorded first, so the remaining chain still verifies from its hash, and the
    database trigger refuses any deletion not covered by one or younger than 180 days.
    """
    from operational.audit.verify import verify_chain

    days = max(LEGAL_MINIMUM_DAYS, get_settings().audit_retention_days)
    cutoff = now - dt.timedelta(days=days)
    keypair = keypair or platform_keypair()
    repository.lock_purge(session)
    base = repository.latest_purge(session)
    boundary = _purge_boundary(session, after_seq=base.up_to_seq if base else 0, cutoff=cutoff)
    if boundary is None:
        return PurgeResult(removed=0, up_to_seq=None)
    report = verify_chain(session, to_seq=boundary.up_to_seq, public_pem=public_pem or keypair.public_pem)
    if not report.ok:
        assert report.problem is not None
        raise Conflict(f"审计日志校验未通过，已拒绝清理：{report.problem.description}")
    repository.add_checkpoint(session, _signed("purge", boundary.up_to_seq, boundary.up_to_hash, keypair))
    removed = repository.delete_prefix(session, boundary.up_to_seq)
    return PurgeResult(removed=removed, up_to_seq=boundary.up_to_seq)
