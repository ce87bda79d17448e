"""Fixtures for the dashboards: an isolated HEALTHOPS_VAR and a screen-ready warehouse."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from operational.common import db
from tests.operational.postgres import migrated_database
from tests.operational.staff import signed_in_token
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


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboards' own database: their sign-ins commit users and audit entries for real, which
    must not leak into the operational tests' shared database (they count users and audit rows)."""
    with migrated_database(tmp_path_factory.mktemp("dashboards-pg")) as url:
        yield url


def committed_token(*grants: tuple[str, str | None]) -> str:
    """A session token of a new user holding ``grants``, committed so the app's own sessions see it."""
    with db.new_session() as session:
        token = signed_in_token(session, f"screen_{uuid.uuid4().hex[:10]}", *grants)
        session.commit()
    return token


@pytest.fixture
def reader_token(database_url: str) -> str:
    """A signed-in 区卫健委管理员: who the big screen is for."""
    return committed_token(("区卫健委管理员", None))
