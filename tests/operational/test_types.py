"""Shared request field types."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import TypeAdapter, ValidationError

from operational.common.types import IsoDatetime

ISO = TypeAdapter(IsoDatetime)


def test_iso_text_is_read_with_its_offset() -> None:
    value = ISO.validate_python("2026-11-23T08:00:00+08:00")
    assert value == dt.datetime(2026, 11, 23, 0, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize("number", ["0.5", "1700000000", 12, -3.5])
def test_numbers_are_not_taken_for_unix_times(number: object) -> None:
    with pytest.raises(ValidationError, match="ISO 8601"):
        ISO.validate_python(number)
