"""Daily partitions shared by every ingest asset: one partition = one local (Shanghai) delivery day."""

from __future__ import annotations

import datetime as dt

import dagster as dg

# The district's feeds start no earlier than this; Dagster enumerates partitions from here.
FIRST_DAY = "2024-01-01"

daily_partitions = dg.DailyPartitionsDefinition(start_date=FIRST_DAY, timezone="Asia/Shanghai", end_offset=1)


def partition_days(context: dg.AssetExecutionContext) -> list[dt.date]:
    """The days a run covers: one partition, or every day of a single-run backfill range."""
    return [dt.date.fromisoformat(key) for key in context.partition_keys]
