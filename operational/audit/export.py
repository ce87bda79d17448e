"""Streaming exports of the audit log (CSV for people and spreadsheets, JSON for machines).

Both carry every chain field, ``prev_hash`` and ``entry_hash`` included, so the receiving security
platform can recompute each hash (``docs/security/audit.md``). ``occurred_at`` is written in the
canonical UTC form and ``details`` as canonical JSON, exactly as hashed.

CSV starts with a UTF-8 BOM so Excel shows Chinese correctly. A cell starting with ``= + - @ '``
or a tab / carriage return gets one leading ``'`` so that a spreadsheet never runs it as a formula
(an attacker chooses, say, the user name of a failed login); a verifier drops a leading ``'``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from sqlalchemy.engine import Row

from operational.audit.chain import canonical_json, canonical_time

ExportFormat = Literal["csv", "json"]
COLUMNS = (
    "seq",
    "occurred_at",
    "actor_id",
    "actor_name",
    "source_ip",
    "action",
    "resource",
    "institution_code",
    "result",
    "request_id",
    "details",
    "prev_hash",
    "entry_hash",
)
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
_BATCH = 500
_FORMULA_START = ("=", "+", "-", "@", "'", "\t", "\r")


def entry_record(row: Row[Any]) -> dict[str, Any]:
    """One entry as an export record (time and details in their canonical, hashed form)."""
    record = {column: getattr(row, column) for column in COLUMNS}
    record["occurred_at"] = canonical_time(row.occurred_at)
    return record


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_chunks(rows: Iterable[Row[Any]]) -> Iterator[bytes]:
    """CSV bytes (BOM, header, then rows) in chunks of a few hundred rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield "\ufeff".encode() + buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for count, row in enumerate(rows, start=1):
        record = entry_record(row)
        if record["details"] is not None:
            record["details"] = canonical_json(record["details"])
        writer.writerow([_csv_cell(record[column]) for column in COLUMNS])
        if count % _BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def json_chunks(rows: Iterable[Row[Any]]) -> Iterator[bytes]:
    """A JSON array of records, streamed a few hundred records at a time."""
    parts: list[str] = ["["]
    for count, row in enumerate(rows, start=1):
        parts.append(("," if count > 1 else "") + "\n" + canonical_json(entry_record(row)))
        if count % _BATCH == 0:
            yield "".join(parts).encode("utf-8")
            parts = []
    parts.append("\n]\n")
    yield "".join(parts).encode("utf-8")


def export_chunks(rows: Iterable[Row[Any]], fmt: ExportFormat) -> Iterator[bytes]:
    """The export of ``rows`` in ``fmt``, as byte chunks."""
    return csv_chunks(rows) if fmt == "csv" else json_chunks(rows)


def parse_csv_export(data: bytes) -> list[dict[str, str]]:
    """Read back a CSV export (BOM and formula guards removed): what a receiving platform does."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [{key: value.removeprefix("'") for key, value in row.items()} for row in reader]


def parse_json_export(data: bytes) -> list[dict[str, Any]]:
    """Read back a JSON export."""
    return json.loads(data)
