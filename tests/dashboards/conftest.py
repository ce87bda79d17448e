"""Fixtures for the dashboards: an isolated HEALTHOPS_VAR and a screen-ready warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.warehouse.warehouse_factory import build_screen_warehouse


@pytest.fixture
def warehouse_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the test's warehouse lives (not created yet); HEALTHOPS_* point into tmp_path."""
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))
    path = tmp_path / "var" / "warehouse.duckdb"
    monkeypatch.setenv("HEALTHOPS_WAREHOUSE", str(path))
    return path


@pytest.fixture(scope="session")
def built_screen_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built once per session (the screen only reads it)."""
    return build_screen_warehouse(tmp_path_factory.mktemp("screen") / "warehouse.duckdb")


@pytest.fixture
def screen_warehouse(built_screen_warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Every code the big screen reads, for 26 institutions, ending 2025-06-29."""
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("HEALTHOPS_WAREHOUSE", str(built_screen_warehouse))
    return built_screen_warehouse
