"""Fixtures for the warehouse read layer: an isolated HEALTHOPS_VAR and warehouse path per test."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def warehouse_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the test's warehouse lives (not created yet); HEALTHOPS_* point into tmp_path."""
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))
    path = tmp_path / "var" / "warehouse.duckdb"
    monkeypatch.setenv("HEALTHOPS_WAREHOUSE", str(path))
    return path
