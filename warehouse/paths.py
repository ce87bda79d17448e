"""Where the platform keeps its runtime state.

Everything lives under one directory (``HEALTHOPS_VAR``, default ``var/`` at the repository root),
so deleting it resets the platform. Functions, not constants: tests point ``HEALTHOPS_VAR``
elsewhere before calling them.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """Root of all runtime state (``HEALTHOPS_VAR`` or ``<repo>/var``)."""
    return Path(os.environ.get("HEALTHOPS_VAR", REPO_ROOT / "var")).resolve()


def sources_dir() -> Path:
    """What the hospitals and the WeChat platform send us (written by the simulator)."""
    return var_dir() / "sources"


def truth_dir() -> Path:
    """The simulator's canonical records; only tests read them, never the pipelines."""
    return var_dir() / "sim" / "truth"


def lake_dir() -> Path:
    """Object-store root of the data lake: raw bytes, landed Parquet and quarantine."""
    return Path(os.environ.get("HEALTHOPS_LAKE", var_dir() / "lake")).resolve()


def warehouse_path() -> Path:
    """The DuckDB warehouse file (``HEALTHOPS_WAREHOUSE`` or ``var/warehouse.duckdb``)."""
    return Path(os.environ.get("HEALTHOPS_WAREHOUSE", var_dir() / "warehouse.duckdb")).resolve()


def dagster_home() -> Path:
    """The Dagster instance directory (``DAGSTER_HOME`` or ``var/dagster``)."""
    return Path(os.environ.get("DAGSTER_HOME", var_dir() / "dagster")).resolve()


def keys_dir() -> Path:
    """Local key material for the embedded default (production injects keys by environment)."""
    return var_dir() / "keys"


def dbt_project_dir() -> Path:
    """The dbt project shipped with the repository."""
    return REPO_ROOT / "dbt"
