"""Tables of the firewall domain."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from operational.common.db import Base


class SecurityEvent(Base):
    """One request the firewall refused: who, what kind of attack, where, by which rule."""

    __tablename__ = "security_events"
    __table_args__ = (
        Index("ix_security_events_occurred_at", "occurred_at"),
        Index("ix_security_events_source_ip", "source_ip"),
        Index("ix_security_events_attack_type", "attack_type"),
    )

    security_event_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    source_ip: Mapped[str] = mapped_column(String(64))
    attack_type: Mapped[str] = mapped_column(String(32))
    rule_id: Mapped[str] = mapped_column(String(64))
    endpoint_rule: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    url_path: Mapped[str] = mapped_column(String(256))
    location: Mapped[str] = mapped_column(String(128))
    """Where the rule fired (``query:q``, ``body:name``, ``header:user-agent``…), never the value."""
    status_code: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(64))
