"""Fixtures for the operational service.

* ``database_url`` (session, from tests/conftest.py): a fresh PostgreSQL database migrated to
  every head; ``DATABASE_URL`` points at it for the whole session.
* ``db_session``: a session inside a transaction rolled back after the test (commits inside the
  code under test become savepoints), so tests never see each other's rows.
* ``api``: a test client of a fresh app whose requests use that same session.
* ``warehouse_file`` / ``filled_warehouse`` / ``client``: the warehouse-reading endpoints.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from operational.app import create_app
from operational.common import db
from operational.common.settings import get_settings
from tests.operational.staff import signed_in_headers
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
def client(api: TestClient, db_session: Session) -> TestClient:
    """A client signed in as a 区卫健委管理员 (district-wide indicator reader)."""
    api.headers.update(signed_in_headers(db_session, "district_reader", ("区卫健委管理员", None)))
    return api


@pytest.fixture(scope="session", autouse=True)
def operational_var(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Runtime state (keys, objects) of the operational tests in a throw-away folder, not the repo's var/."""
    path = tmp_path_factory.mktemp("operational-var")
    previous = os.environ.get("HEALTHOPS_VAR")
    os.environ["HEALTHOPS_VAR"] = str(path)
    get_settings.cache_clear()
    yield path
    if previous is None:
        os.environ.pop("HEALTHOPS_VAR", None)
    else:
        os.environ["HEALTHOPS_VAR"] = previous
    get_settings.cache_clear()


@pytest.fixture
def db_session(database_url: str) -> Iterator[Session]:
    """A session in an outer transaction that is rolled back after the test."""
    connection = db.get_engine().connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def api(db_session: Session) -> Iterator[TestClient]:
    """A client of a fresh app whose request sessions are the test's rolled-back session."""

    def same_session() -> Iterator[Session]:
        yield db_session
        db_session.commit()

    app = create_app(bootstrap_admin=False)
    app.dependency_overrides[db.get_session] = same_session
    with TestClient(app, client=("127.0.0.1", 50000)) as test_client:
        yield test_client
