"""Line-level checks of vendor C's GBK CSV extracts, before polars parses the good text.

A GBK text line can be split on the byte ``\\n`` safely: GBK trail bytes are 0x40-0xFE, never
0x0A. Decoding uses GB 18030, the national superset of GBK: every valid GBK byte sequence decodes
the same, and the rare name characters a GBK export carries in GB 18030 bytes are not lost.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import polars as pl

from pipelines.sources.landing import ParseResult

ENCODING = "gb18030"
_UNDECODED = re.compile("[\udc80-\udcff]")  # how surrogateescape marks an undecodable byte


@dataclass
class CheckedText:
    """The header cells and the lines that passed decoding and the column-count check.

    ``lines`` has columns ``line`` (1-based line number in the file) and ``text``.
    """

    header: list[str]
    lines: pl.DataFrame


def split_cells(line: str) -> list[str]:
    """The cells of one CSV line (RFC 4180 quoting)."""
    if '"' not in line:
        return line.split(",")
    return next(csv.reader([line]))


def _decoded_lines(data: bytes, file_name: str, entity: str, result: ParseResult) -> list[tuple[int, str]]:
    """(line number, text) of every line that decodes; the others are quarantined.

    One decode call for the whole file: ``surrogateescape`` turns each undecodable byte into a
    lone surrogate, which marks its line as bad and still gives back the original bytes.
    """
    text = data.decode(ENCODING, errors="surrogateescape")
    lines = text.split("\n")
    bad: set[int] = set()
    index, scanned = 0, 0
    for match in _UNDECODED.finditer(text):  # walk forward, counting newlines only once
        index += text.count("\n", scanned, match.start())
        scanned = match.start()
        bad.add(index)
    for index in sorted(bad):
        raw = lines[index].encode(ENCODING, errors="surrogateescape")
        result.quarantine(
            source_file=file_name, source_position=index + 1, entity=entity,
            reason="GBK 解码失败", raw=raw.decode(ENCODING, errors="replace"),
        )  # fmt: skip
    return [(index + 1, line) for index, line in enumerate(lines) if index not in bad]


def check_lines(data: bytes, *, file_name: str, entity: str, result: ParseResult) -> CheckedText | None:
    """Decode ``data`` line by line and keep lines with the header's number of columns.

    Bad lines are quarantined with their 1-based line number (the header is line 1). Returns None
    (after quarantining the file) when there is no usable header.
    """
    numbered = _decoded_lines(data, file_name, entity, result)
    if not numbered or numbered[0][0] != 1 or not numbered[0][1].strip():
        result.quarantine(
            source_file=file_name, source_position=1, entity=entity, reason="文件缺少表头或表头无法解码"
        )
        return None
    header = [cell.strip() for cell in split_cells(numbered[0][1].rstrip("\r"))]
    frame = pl.DataFrame(numbered[1:], schema={"line": pl.Int64, "text": pl.String}, orient="row")
    text = pl.col("text").str.strip_suffix("\r")
    frame = frame.with_columns(text).filter(pl.col("text").str.strip_chars() != "")
    # Counting commas is exact for unquoted lines; the few quoted ones go through the csv module.
    frame = frame.with_columns(
        pl.col("text").str.count_matches(",", literal=True).add(1).alias("columns"),
        pl.col("text").str.contains('"', literal=True).alias("quoted"),
    )
    quoted = frame.filter(pl.col("quoted"))
    if quoted.height:
        counts = pl.Series([len(split_cells(t)) for t in quoted["text"]], dtype=pl.UInt32)
        frame = frame.with_columns(
            pl.when(pl.col("quoted"))
            .then(pl.lit(0, dtype=pl.UInt32))
            .otherwise(pl.col("columns"))
            .alias("columns")
        )
        frame = frame.update(
            quoted.with_columns(counts.alias("columns")).select("line", "columns"), on="line"
        )
    expected = len(header)
    for line, text_, count in (
        frame.filter(pl.col("columns") != expected).select("line", "text", "columns").iter_rows()
    ):
        result.quarantine(
            source_file=file_name, source_position=line, entity=entity,
            reason=f"列数不符: 期望 {expected} 列, 实际 {count} 列", raw=text_,
        )  # fmt: skip
    return CheckedText(
        header=header, lines=frame.filter(pl.col("columns") == expected).select("line", "text")
    )
