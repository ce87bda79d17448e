"""Log lines carry the request id and never a phone or ID number."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from operational.common.logging_setup import LOG_FORMAT, RequestIdFilter
from operational.security.log_redaction import PersonalDataRedactionFilter


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the service's loggers write, through the handler filters ``configure_logging`` installs."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(PersonalDataRedactionFilter())
    logger = logging.getLogger("operational.test_logging")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)


def test_a_log_line_written_during_a_request_carries_its_id_and_no_phone(
    api: TestClient, log_lines: io.StringIO
) -> None:
    router = APIRouter()

    @router.get("/api/v1/test-logging")
    def noisy() -> dict[str, str]:
        logging.getLogger("operational.test_logging").info("caller 13812345678 asked")
        return {"ok": "yes"}

    api.app.include_router(router)  # type: ignore[attr-defined]
    response = api.get("/api/v1/test-logging", headers={"X-Request-ID": "trace-log-0001"})
    assert response.status_code == 200
    line = log_lines.getvalue()
    assert "[trace-log-0001] caller 138****5678 asked" in line
    assert "13812345678" not in line


def test_records_outside_a_request_show_a_dash() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    RequestIdFilter().filter(record)
    assert record.request_id == "-"
