"""Build the warehouse beside the one being read, then swap it in atomically.

DuckDB allows one writer or many readers per file, and the big screen and the API read all day.
So dbt writes into ``warehouse.build.duckdb`` (a copy of the current warehouse, so a partial
selection keeps the other tables) and only a successful build replaces ``warehouse.duckdb`` with
``os.replace``: readers see the old warehouse or the new one, never a half-built one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.paths import lake_dir, warehouse_path


def build_path() -> Path:
    return warehouse_path().with_name(warehouse_path().stem + ".build.duckdb")


def dbt_environment() -> dict[str, str]:
    """Environment variables the dbt profile and sources read (see dbt/profiles.yml)."""
    return {"HEALTHOPS_DBT_PATH": str(build_path()), "HEALTHOPS_LAKE": str(lake_dir())}


@contextmanager
def building_warehouse() -> Iterator[Path]:
    """Yield the build file path; on normal exit swap it into place, on error leave the old one."""
    target, build = warehouse_path(), build_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    build.unlink(missing_ok=True)
    Path(str(build) + ".wal").unlink(missing_ok=True)
    if target.exists():
        shutil.copyfile(target, build)
    yield build
    os.replace(build, target)
