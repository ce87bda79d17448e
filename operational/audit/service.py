"""Recording audit events and reading them back (the entry point every domain calls).

``record_event`` appends in the caller's transaction: the entry is committed, or rolled back,
with the change it documents. Appends serialize on a transaction-level advisory lock so the
chain stays gap-free and in order across workers; the lock is released at commit, so callers
should record the event near the end of their transaction. Requires READ COMMITTED (the
default): the head is read after the lock is taken, with a fresh snapshot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from operational.audit import repository
from operational.audit.chain import entry_hash, normalize_details, normalize_ip, normalize_text
from operational.audit.repository import EventFilter
from operational.common.request_id import current_request_id

MAX_PAGE_SIZE = 500


def record_event(
    session: Session,
    *,
    action: str,
    result: str = "success",
    actor_id: str | None = None,
    actor_name: str | None = None,
    source_ip: str | None = None,
    resource: str | None = None,
    institution_code: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one event to the audit log in the caller's transaction.

    Parameters
    ----------
    action
        What happened, a dotted English name (``auth.login``, ``user.role.grant``,
        ``patient.read``, ``audit.export``).
    result
        ``success``, ``failure`` or ``denied``.
    actor_id, actor_name, source_ip
        Who did it and from where (the principal's user id, username and client address).
    resource
        What was touched (``patient:JA01:12345``, ``user:42``), never the personal data itself.
    institution_code
        The institution whose data was touched (drives scoped reading of the log).
    details
        Extra facts (counts, filters, reasons) as JSON; never personal data in clear.
    """
    fields = {
        "actor_id": normalize_text(actor_id, 64),
        "actor_name": normalize_text(actor_name, 128),
        "source_ip": normalize_ip(source_ip),
        "action": normalize_text(action, 64) or "",
        "resource": normalize_text(resource, 4_000),
        "institution_code": normalize_text(institution_code, 32),
        "result": normalize_text(result, 32) or "",
        "request_id": normalize_text(current_request_id(), 64),
        "details": normalize_details(details),
    }
    last_seq, last_hash = repository.lock_chain_head(session)
    # Taken under the lock, so occurred_at follows seq order.
    occurred_at = dt.datetime.now(dt.UTC)
    seq = last_seq + 1
    digest = entry_hash(seq=seq, occurred_at=occurred_at, prev_hash=last_hash, **fields)
    repository.insert_entry(
        session,
        {"seq": seq, "occurred_at": occurred_at, "prev_hash": last_hash, "entry_hash": digest, **fields},
    )


def list_events(
    session: Session, *, where: EventFilter, limit: int = 100, before_seq: int | None = None
) -> tuple[Sequence[Row[Any]], int | None]:
    """One page of entries, newest first, and the ``before_seq`` of the next page (None at the end)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = repository.list_entries(session, where, limit=limit + 1, before_seq=before_seq)
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].seq
    return rows, None
