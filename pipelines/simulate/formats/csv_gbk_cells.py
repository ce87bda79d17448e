"""Cell and line formatting of vendor C's CSV extracts: Excel-style local times, quoting, GBK bytes."""

from __future__ import annotations

import datetime as dt

LOCAL_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai, no daylight saving
EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # Excel's day 0 (1900 date system, after its leap-year bug)


def excel_time(value: dt.datetime | None, serial: bool) -> str:
    """Naive UTC -> local Excel-style text (``2026/9/5 8:03:00``) or an Excel serial number."""
    if value is None:
        return ""
    local = value + LOCAL_OFFSET
    if serial:
        return f"{(local - EXCEL_EPOCH) / dt.timedelta(days=1):.10f}"
    return f"{local.year}/{local.month}/{local.day} {local.hour}:{local.minute:02d}:{local.second:02d}"


def excel_date(value: dt.date | None, serial: bool) -> str:
    """A calendar date as ``1990/1/1`` or its Excel serial day number."""
    if value is None:
        return ""
    if serial:
        return str((value - EXCEL_EPOCH.date()).days)
    return f"{value.year}/{value.month}/{value.day}"


def quote(cell: str) -> str:
    """RFC 4180 quoting, only where needed (as Excel writes)."""
    if any(ch in cell for ch in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def encode_line(cells: list[str]) -> bytes:
    """One CRLF-terminated CSV line in GBK; a rare character outside GBK keeps its GB 18030 bytes."""
    text = ",".join(quote(c) for c in cells) + "\r\n"
    try:
        return text.encode("gbk")
    except UnicodeEncodeError:
        return text.encode("gb18030")
