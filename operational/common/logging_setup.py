"""Logging of the operational service: every line carries the request id, none carries personal data.

``configure_logging()`` runs at start-up (API lifespan, worker ``main``), never at import: it adds
a handler to the root logger (if it has none) whose format shows ``[request_id]``, and attaches the
request-id and personal-data redaction filters to every root handler, uvicorn's included.
"""

from __future__ import annotations

import logging

from operational.common.request_id import current_request_id
from operational.security.log_redaction import install_log_redaction

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being handled (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add ``record.request_id``; never drops the record."""
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Root handler with the request-id format, plus the request-id and redaction filters (idempotent)."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
        root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(existing, RequestIdFilter) for existing in handler.filters):
            handler.addFilter(RequestIdFilter())
    install_log_redaction()
