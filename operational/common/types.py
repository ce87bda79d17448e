"""Request field types shared by every domain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator


def _iso_only(value: Any) -> Any:
    """Refuse numbers: pydantic would read ``0.5`` as a Unix time, which no caller of ours means."""
    if isinstance(value, int | float) or (
        isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit()
    ):
        raise ValueError("时间须为 ISO 8601 格式，如 2026-11-23T08:00:00+08:00")
    return value


IsoDatetime = Annotated[dt.datetime, BeforeValidator(_iso_only)]
"""A timestamp given as ISO 8601 text (with or without offset), never as a number."""
