"""The operational database: URL handling and migrations on real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from operational.common import db


def test_postgres_urls_get_the_psycopg_driver() -> None:
    assert db.sqlalchemy_url("postgresql://u@h:5432/d") == "postgresql+psycopg://u@h:5432/d"
    assert db.sqlalchemy_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"


def test_a_non_postgres_url_is_refused() -> None:
    with pytest.raises(ValueError, match="PostgreSQL"):
        db.sqlalchemy_url("sqlite:///x.db")


def test_migrating_twice_is_harmless(db_session: Session, database_url: str) -> None:
    db.migrate()
    tables = inspect(db.get_engine()).get_table_names()
    assert "alembic_version" in tables
    assert db_session.execute(text("SELECT 1")).scalar_one() == 1
