"""Fixtures for the operational API: an isolated HEALTHOPS_VAR, a contract warehouse, a test client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from operational.app import create_app
from tests.warehouse.warehouse_factory import WarehouseBuilder


@pytest.fixture
def warehouse_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the test's warehouse lives (not created yet)."""
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))
    path = tmp_path / "var" / "warehouse.duckdb"
    monkeypatch.setenv("HEALTHOPS_WAREHOUSE", str(path))
    return path


@pytest.fixture
def filled_warehouse(warehouse_file: Path) -> Path:
    """Three days of appointments for the district and JA01, and a gender breakdown."""
    builder = WarehouseBuilder()
    start = dt.date(2025, 6, 1)
    builder.add_daily("ITS.PRE.appointments_today", start, [30, 33, 36])
    builder.add_daily("ITS.PRE.appointments_today", start, [10, 11, 12], institution_code="JA01")
    for member, value in (("男", 46), ("女", 54)):
        builder.add(
            "PUB.USERS.verified_cumulative", "cumulative", start, value, dimension="gender", member=member
        )
    return builder.write(warehouse_file)


@pytest.fixture
def client() -> Iterator[TestClient]:
    """A client of a freshly built app."""
    with TestClient(create_app()) as test_client:
        yield test_client
