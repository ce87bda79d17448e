"""What an adapter returns and how it reaches the lake.

An adapter turns one partition of one source (one institution, one day) into a :class:`ParseResult`:
landed rows per entity plus quarantined records. :func:`write_result` writes them as Parquet under
``<lake>/landing/<source>/<entity>/institution_code=<code>/partition_date=<day>/data.parquet`` and
``<lake>/quarantine/<source>/institution_code=<code>/partition_date=<day>/data.parquet``,
replacing that partition's earlier files, so re-running a partition is idempotent.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from operational.security.masking import redact_excerpt
from pipelines.sources.schema import QUARANTINE
from warehouse.paths import lake_dir

DISTRICT = "district"  # partition folder name for district-wide feeds (WeChat)


@dataclass(frozen=True)
class QuarantinedRecord:
    """One record that could not be landed, and why (reason in Chinese)."""

    source_file: str
    source_position: int
    entity: str
    reason: str
    raw: str = ""


@dataclass
class ParseResult:
    """Landed rows per entity and quarantined records for one source partition."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    quarantined: list[QuarantinedRecord] = field(default_factory=list)

    def add(self, entity: str, row: dict) -> None:
        self.rows.setdefault(entity, []).append(row)

    def quarantine(
        self, *, source_file: str, source_position: int, entity: str, reason: str, raw: str = ""
    ) -> None:
        self.quarantined.append(QuarantinedRecord(source_file, source_position, entity, reason, raw))


def to_frame(rows: list[dict], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows as a DataFrame with exactly ``schema``'s columns (missing keys become NULL)."""
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row"
    )


def partition_dir(
    layer: str, source: str, entity: str | None, institution_code: str | None, day: dt.date
) -> Path:
    parts = [lake_dir(), layer, source] + ([entity] if entity else [])
    parts += [f"institution_code={institution_code or DISTRICT}", f"partition_date={day.isoformat()}"]
    return Path(*parts)


def _write_atomically(frame: pl.DataFrame, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / "data.parquet.tmp"
    frame.write_parquet(tmp)
    os.replace(tmp, directory / "data.parquet")


def write_result(
    result: ParseResult,
    *,
    source: str,
    institution_code: str | None,
    day: dt.date,
    schemas: dict[str, dict[str, pl.DataType]],
) -> dict[str, int]:
    """Write every entity (an empty file when there are no rows) and the quarantine; return counts."""
    counts: dict[str, int] = {}
    lineage = {"source": source, "institution_code": institution_code, "partition_date": day}
    for entity, schema in schemas.items():
        rows = [{**row, **lineage} for row in result.rows.get(entity, [])]
        frame = to_frame(rows, schema)
        _write_atomically(frame, partition_dir("landing", source, entity, institution_code, day))
        counts[entity] = frame.height
    quarantine_rows = [
        {
            **lineage,
            "source_file": q.source_file,
            "source_position": q.source_position,
            "entity": q.entity,
            "reason": q.reason,
            "raw_excerpt": redact_excerpt(q.raw),
        }
        for q in result.quarantined
    ]
    _write_atomically(
        to_frame(quarantine_rows, QUARANTINE),
        partition_dir("quarantine", source, None, institution_code, day),
    )
    counts["quarantined"] = len(quarantine_rows)
    return counts
