"""A throw-away PostgreSQL database for a test session.

Uses the server at 127.0.0.1:5432 (trust auth, as on these machines and CI) when it answers, else
an embedded ``pgserver`` under a temporary directory. The database is created fresh, migrated to
every head with Alembic, and dropped at the end.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from operational.common import db
from operational.common.db import sqlalchemy_url

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin_url(tmp_dir: Path) -> str:
    url = os.environ.get("TEST_DATABASE_ADMIN_URL", DEFAULT_ADMIN_URL)
    try:
        engine = create_engine(sqlalchemy_url(url), connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return url
    except Exception:  # noqa: BLE001 - no server here: fall back to the embedded one
        import pgserver

        return pgserver.get_server(tmp_dir / "pg", cleanup_mode="stop").get_uri()


@contextmanager
def temporary_database(tmp_dir: Path) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, empty database; drop it afterwards."""
    admin_url = sqlalchemy_url(_admin_url(tmp_dir))
    name = f"healthops_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def migrated_database(tmp_dir: Path) -> Iterator[str]:
    """A fresh database migrated to every head, named by ``DATABASE_URL`` while open."""
    with temporary_database(tmp_dir) as url:
        previous = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = url
        db.forget_engine()
        engine = create_engine(url)
        db.migrate(engine)
        engine.dispose()
        try:
            yield url
        finally:
            db.get_engine().dispose()
            if previous is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = previous
            db.forget_engine()
