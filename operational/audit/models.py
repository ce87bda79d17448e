"""ORM models of the audit log and its signed checkpoints (migration ``audit_0001_audit_log``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Index, LargeBinary, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from operational.common.db import Base


class AuditEntry(Base):
    """One audited event; ``entry_hash`` chains it to the entry before (see ``chain.py``)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(128))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str | None] = mapped_column(Text)
    institution_code: Mapped[str | None] = mapped_column(String(32))
    result: Mapped[str] = mapped_column(String(32))
    request_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_occurred_at", "occurred_at"),
        Index("ix_audit_log_actor_id", "actor_id"),
        Index("ix_audit_log_institution_code", "institution_code"),
    )


class AuditCheckpoint(Base):
    """An SM2 signature over the chain head at some moment (``kind`` is ``periodic`` or ``purge``)."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    up_to_seq: Mapped[int] = mapped_column(BigInteger)
    up_to_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    public_key_fingerprint: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("kind IN ('periodic', 'purge')", name="kind"),
        Index("ix_audit_checkpoints_up_to_seq", "up_to_seq"),
    )
