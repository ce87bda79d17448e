"""Verification of the audit chain and its checkpoints (``healthops audit verify``, ``GET /audit/verify``).

Entries are streamed in ``seq`` order through a server-side cursor, so memory stays flat however
long the log. Checks, in order: every checkpoint's SM2 signature under the platform key; the
stored chain starts at seq 1 or right after a purge checkpoint; each entry's hash recomputes
(else *tampered*), seqs have no gap (else *deleted*), each ``prev_hash`` is the previous entry's
hash (else *reordered*), the chain passes through every checkpoint's hash (else *tampered*: the
chain was recomputed), and reaches every checkpoint (else *truncated*). The first problem is reported.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from operational.audit import repository
from operational.audit.chain import GENESIS_HASH, entry_hash
from operational.audit.checkpoints import platform_keypair, signature_valid
from operational.audit.models import AuditCheckpoint

ProblemKind = Literal["tampered", "deleted", "reordered", "bad-checkpoint-signature", "truncated"]


@dataclass(frozen=True)
class Problem:
    """Where the chain first fails and why (``description`` is for people, in Chinese)."""

    seq: int
    kind: ProblemKind
    description: str


@dataclass(frozen=True)
class VerificationReport:
    """The outcome of one verification run."""

    ok: bool
    entries_checked: int
    checkpoints_checked: int
    first_seq: int | None
    last_seq: int | None
    seconds: float
    problem: Problem | None = None


def _bad_signature(checkpoints: Sequence[AuditCheckpoint], public_pem: bytes) -> Problem | None:
    for checkpoint in checkpoints:
        if not signature_valid(checkpoint, public_pem):
            return Problem(
                checkpoint.up_to_seq,
                "bad-checkpoint-signature",
                f"检查点 #{checkpoint.id}（覆盖至第 {checkpoint.up_to_seq} 条）的 SM2 签名无效或非本平台密钥签署，"
                "检查点已被伪造或篡改",
            )
    return None


def _anchor(
    session: Session, checkpoints: Sequence[AuditCheckpoint], since_seq: int | None
) -> tuple[int, str]:
    """``(seq, hash)`` the first verified entry must follow: genesis, a purge point, or a stored entry."""
    first = repository.first_seq(session)
    start = 1 if first is None else first
    if since_seq is not None and since_seq > start:
        before = repository.entry_at(session, since_seq - 1)
        if before is not None:
            return before.seq, before.entry_hash
    purges = [c for c in checkpoints if c.kind == "purge" and c.up_to_seq == start - 1]
    if purges:
        return purges[-1].up_to_seq, purges[-1].up_to_hash
    purged = [c.up_to_seq for c in checkpoints if c.kind == "purge"]
    return (max(purged), "") if purged and first is None else (0, GENESIS_HASH)


def verify_chain(
    session: Session,
    *,
    since_seq: int | None = None,
    to_seq: int | None = None,
    public_pem: bytes | None = None,
) -> VerificationReport:
    """Verify the audit log (from ``since_seq``, up to ``to_seq``) against its checkpoints.

    ``public_pem`` is the trusted SM2 public key (default: the platform's). With ``since_seq``
    the entry just before it is trusted as the anchor; ``to_seq`` skips the truncation check.
    """
    started = time.perf_counter()
    checkpoints = repository.list_checkpoints(session)
    problem = _bad_signature(checkpoints, public_pem or platform_keypair().public_pem)
    checked, first, last = 0, None, None
    if problem is None:
        anchor_seq, anchor_hash = _anchor(session, checkpoints, since_seq)
        covered = {c.up_to_seq: c for c in checkpoints if c.kind == "periodic" and c.up_to_seq > anchor_seq}
        expected_seq, expected_prev = anchor_seq + 1, anchor_hash
        for row in repository.stream_entries(session, from_seq=anchor_seq + 1, to_seq=to_seq):
            problem = _check_entry(row, expected_seq, expected_prev, covered.get(row.seq))
            if problem is not None:
                break
            checked += 1
            first = row.seq if first is None else first
            last = row.seq
            expected_seq, expected_prev = row.seq + 1, row.entry_hash
        if problem is None and to_seq is None:
            problem = _truncation(checkpoints, head=expected_seq - 1)
    return VerificationReport(
        ok=problem is None,
        entries_checked=checked,
        checkpoints_checked=len(checkpoints),
        first_seq=first,
        last_seq=last,
        seconds=time.perf_counter() - started,
        problem=problem,
    )


def _check_entry(
    row: Row[Any], expected_seq: int, expected_prev: str, checkpoint: AuditCheckpoint | None
) -> Problem | None:
    if row.seq != expected_seq:
        return Problem(
            expected_seq,
            "deleted",
            f"缺少第 {expected_seq} 条审计记录（之后直接是第 {row.seq} 条），记录已被删除",
        )
    recomputed = entry_hash(
        seq=row.seq,
        occurred_at=row.occurred_at,
        actor_id=row.actor_id,
        actor_name=row.actor_name,
        source_ip=row.source_ip,
        action=row.action,
        resource=row.resource,
        institution_code=row.institution_code,
        result=row.result,
        request_id=row.request_id,
        details=row.details,
        prev_hash=row.prev_hash,
    )
    if recomputed != row.entry_hash:
        return Problem(row.seq, "tampered", f"第 {row.seq} 条审计记录的内容与其哈希不符，记录已被篡改")
    if row.prev_hash != expected_prev:
        return Problem(
            row.seq,
            "reordered",
            f"第 {row.seq} 条审计记录未链接到前一条记录，其前的记录已被删除、插入或调换",
        )
    if checkpoint is not None and checkpoint.up_to_hash != row.entry_hash:
        return Problem(
            row.seq,
            "tampered",
            f"第 {row.seq} 条审计记录与检查点 #{checkpoint.id} 签名时的哈希不符，该记录之前的链已被改写",
        )
    return None


def _truncation(checkpoints: Sequence[AuditCheckpoint], *, head: int) -> Problem | None:
    beyond = [c for c in checkpoints if c.up_to_seq > head]
    if not beyond:
        return None
    furthest = max(beyond, key=lambda c: c.up_to_seq)
    return Problem(
        head + 1,
        "truncated",
        f"审计日志末尾的记录已被删除：检查点 #{furthest.id} 覆盖至第 {furthest.up_to_seq} 条，"
        f"现存记录只到第 {head} 条",
    )
