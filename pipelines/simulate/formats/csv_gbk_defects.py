"""The broken CSV rows vendor C's extract sometimes contains, for the simulator.

:func:`break_row` takes the cells of an intact row and returns the bytes actually written, the
DEFECTS ``kind`` and a short English detail (the writer prefixes file and line number).
"""

from __future__ import annotations

import numpy as np

from pipelines.simulate.formats.csv_gbk_cells import encode_line

DEFECT_KINDS = ("bad_encoding", "wrong_columns", "bad_date")
_DATE_COLUMNS = ("预约时间", "就诊时间", "挂号时间", "更新时间")
_BAD_DATES = ("2026/13/45 8:00:00", "待定", "0000-00-00 00:00:00", "2026/9/31 25:61:00", "#VALUE!")


def _bad_encoding(cells: list[str], columns: tuple[str, ...], rng: np.random.Generator) -> tuple[bytes, str]:
    # A fixed-width export cut the patient name in the middle of a double-byte character,
    # leaving a GBK lead byte right before the comma; or a stray 0xFF from a broken pipe.
    data = encode_line(cells)
    name = cells[columns.index("患者姓名")].rstrip()
    if name and rng.random() < 0.5:
        encoded = name.encode("gbk", errors="replace")
        return data.replace(
            b"," + encoded + b",", b"," + encoded[:-1] + b",", 1
        ), "patient name cut mid-character"
    cut = data.index(b",") + 1
    return data[:cut] + b"\xff\xfe" + data[cut:], "stray 0xFF 0xFE bytes"


def _wrong_columns(cells: list[str], columns: tuple[str, ...], rng: np.random.Generator) -> tuple[bytes, str]:
    if rng.random() < 0.5:
        dropped = int(rng.integers(1, len(cells)))
        return encode_line(cells[:dropped] + cells[dropped + 1 :]), f"column {columns[dropped]} missing"
    # An unquoted comma in the department name splits it into two columns.
    position = columns.index("科室名称")
    line = encode_line(cells[:position] + [cells[position].rstrip(), "门诊"] + cells[position + 1 :])
    return line, "unquoted comma in 科室名称"


def _bad_date(cells: list[str], columns: tuple[str, ...], rng: np.random.Generator) -> tuple[bytes, str]:
    candidates = [i for i, column in enumerate(columns) if column in _DATE_COLUMNS]
    position = candidates[int(rng.integers(0, len(candidates)))]
    bad = _BAD_DATES[int(rng.integers(0, len(_BAD_DATES)))]
    broken = list(cells)
    broken[position] = bad
    return encode_line(broken), f"unparseable date {bad!r} in {columns[position]}"


def break_row(
    cells: list[str], columns: tuple[str, ...], kind: str, rng: np.random.Generator
) -> tuple[bytes, str, str]:
    """Damage one row: returns (line bytes, DEFECTS kind, detail)."""
    if kind == "bad_encoding":
        data, detail = _bad_encoding(cells, columns, rng)
        if data == encode_line(cells):  # the name was not found as a whole cell: fall back to a stray byte
            cut = data.index(b",") + 1
            data, detail = data[:cut] + b"\xff\xfe" + data[cut:], "stray 0xFF 0xFE bytes"
        return data, "bad_encoding", detail
    breaker = _wrong_columns if kind == "wrong_columns" else _bad_date
    data, detail = breaker(cells, columns, rng)
    return data, "malformed", detail
