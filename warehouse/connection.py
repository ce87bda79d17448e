"""Read-only connections to the DuckDB warehouse.

The pipeline rebuilds the warehouse into a new file and swaps it in with ``os.replace``. A reader
that kept one connection open would keep reading the old, unlinked file forever, so every query
opens its own short-lived read-only connection (a few milliseconds) and closes it at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.paths import warehouse_path

MISSING_MESSAGE_ZH = "数据仓库尚未生成，请先运行 healthops pipeline"
UNREADABLE_MESSAGE_ZH = "数据仓库暂时无法读取，请稍后重试"


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be read; ``message_zh`` is what an end user is shown."""

    def __init__(self, message_zh: str, *, path: Path) -> None:
        super().__init__(f"{message_zh} ({path})")
        self.message_zh = message_zh
        self.path = path


class WarehouseMissing(WarehouseUnavailable):
    """The warehouse file does not exist yet (the pipeline has never completed a build)."""

    def __init__(self, path: Path) -> None:
        super().__init__(MISSING_MESSAGE_ZH, path=path)


def warehouse_exists(path: Path | None = None) -> bool:
    """Whether the warehouse file is present (it may still lack tables)."""
    return (path or warehouse_path()).is_file()


@contextmanager
def connect(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a read-only connection for one unit of work and always close it.

    Raises :class:`WarehouseMissing` when the file does not exist and
    :class:`WarehouseUnavailable` when DuckDB cannot open it (e.g. a half-written file).
    """
    target = path or warehouse_path()
    if not target.is_file():
        raise WarehouseMissing(target)
    try:
        con = duckdb.connect(str(target), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseUnavailable(UNREADABLE_MESSAGE_ZH, path=target) from exc
    try:
        yield con
    finally:
        con.close()
