"""Reading stored security events (the only SQL of the firewall domain besides the batch insert)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.firewall.models import SecurityEvent


def list_events(
    session: Session,
    *,
    limit: int,
    attack_type: str | None = None,
    source_ip: str | None = None,
    since: dt.datetime | None = None,
) -> list[SecurityEvent]:
    """The most recent events, newest first, optionally filtered."""
    query = select(SecurityEvent).order_by(SecurityEvent.security_event_id.desc()).limit(limit)
    if attack_type:
        query = query.where(SecurityEvent.attack_type == attack_type)
    if source_ip:
        query = query.where(SecurityEvent.source_ip == source_ip)
    if since:
        query = query.where(SecurityEvent.occurred_at >= since)
    return list(session.scalars(query))


def count_by_attack_type(session: Session) -> dict[str, int]:
    """Stored events per attack type."""
    rows = session.execute(
        select(SecurityEvent.attack_type, func.count()).group_by(SecurityEvent.attack_type)
    ).all()
    return {attack_type: count for attack_type, count in rows}
