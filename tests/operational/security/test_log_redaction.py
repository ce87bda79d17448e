"""Personal data never reaches the logs: the redaction filter on real logging handlers."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from operational.security.log_redaction import install_log_redaction, redact_text


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger with one stream handler carrying the redaction filter."""
    stream = io.StringIO()
    logger = logging.getLogger("tests.security.redaction")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    install_log_redaction(logger)
    yield logger, stream
    logger.removeHandler(handler)


def test_phone_in_the_message_is_masked(captured):
    logger, stream = captured
    logger.info("SMS sent to 13812341234")
    assert stream.getvalue().strip() == "SMS sent to 138****1234"


def test_phone_and_id_number_in_arguments_are_masked(captured):
    logger, stream = captured
    logger.info("patient %s phone %s", "310106199001011234", 13812341234)
    assert stream.getvalue().strip() == "patient 310***********1234 phone 138****1234"


def test_id_number_inside_a_dict_argument_is_masked(captured):
    logger, stream = captured
    logger.info("payload %s", {"id_number": "11010519491231002X"})
    assert "11010519491231002X" not in stream.getvalue()
    assert "110***********002X" in stream.getvalue()


def test_phone_in_an_exception_traceback_is_masked(captured):
    logger, stream = captured
    try:
        raise ValueError("no patient with phone 13912345678")
    except ValueError:
        logger.exception("lookup failed")
    assert "13912345678" not in stream.getvalue()
    assert "139****5678" in stream.getvalue()


def test_formatted_phone_with_country_code_is_masked():
    assert redact_text("call +86 138-1234-5678 now") == "call +86138****5678 now"


def test_longer_digit_runs_such_as_order_numbers_are_left_alone():
    assert (
        redact_text("order 2024013812341234567 and amount 13812")
        == "order 2024013812341234567 and amount 13812"
    )


def test_install_is_idempotent_per_handler():
    logger = logging.getLogger("tests.security.idempotent")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        assert install_log_redaction(logger) == 1
        assert install_log_redaction(logger) == 0
        assert len(handler.filters) == 1
    finally:
        logger.removeHandler(handler)
