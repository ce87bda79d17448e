"""The operational database: SQLAlchemy 2 engine and sessions on PostgreSQL, migrated by Alembic.

``DATABASE_URL`` names any PostgreSQL 14+; unset, the service starts its own PostgreSQL from the
``pgserver`` wheel under ``var/pg`` so a fresh machine needs nothing installed. Migrations are
applied at start-up (``migrate()``), under an advisory lock so several workers can start together.
Each domain keeps its own Alembic branch (``operational/migrations/versions``) and the service
upgrades to every head.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, MetaData, create_engine, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from operational.common.settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_LOCK = 72_130_001  # pg_advisory_lock key: one migrator at a time

# Stable constraint names, so Alembic migrations can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every operational table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def sqlalchemy_url(url: str) -> str:
    """``url`` with the psycopg 3 driver named (``postgresql://`` → ``postgresql+psycopg://``)."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"DATABASE_URL must be a PostgreSQL URL, got {url.split(':', 1)[0]}://…")


@lru_cache(maxsize=1)
def _embedded_server_uri() -> str:
    import pgserver

    pg_dir = get_settings().pg_dir
    pg_dir.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process, so API, Dagster and CLI share it.
    server = pgserver.get_server(pg_dir, cleanup_mode=None)
    return server.get_uri()


def stop_embedded_server() -> bool:
    """Stop the embedded PostgreSQL under ``var/pg`` if it runs (``healthops serve`` on Ctrl-C)."""
    settings = get_settings()
    if settings.database_url or not (settings.pg_dir / "postmaster.pid").exists():
        return False
    import pgserver

    # As root, pgserver runs PostgreSQL as its own system user; pg_ctl must run as that user too.
    user = "pgserver" if os.geteuid() == 0 else None
    pgserver.pg_ctl(["stop", "-m", "fast", "-w"], pgdata=settings.pg_dir, user=user)
    return True


def database_url() -> str:
    """The SQLAlchemy URL of the operational database (starting the embedded one if needed)."""
    return sqlalchemy_url(get_settings().database_url or _embedded_server_uri())


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    """The process-wide engine (cached; tests call ``get_engine.cache_clear()``)."""
    return create_engine(database_url(), pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=1)
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(get_engine(), expire_on_commit=False)


def forget_engine() -> None:
    """Drop the cached settings, engine and session factory (after ``DATABASE_URL`` changed)."""
    get_settings.cache_clear()
    get_engine.cache_clear()
    _session_factory.cache_clear()


def new_session() -> Session:
    """A new session on the process engine; the caller commits and closes it."""
    return _session_factory()()


def get_session() -> Iterator[Session]:
    """FastAPI dependency: one session per request, committed on success, rolled back on error."""
    session = new_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None):
    """The Alembic configuration for ``url`` (default: this process's database)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    config.attributes["sqlalchemy_url"] = url or database_url()
    return config


def migrate(engine: Engine | None = None) -> None:
    """Upgrade the database to every migration head, holding an advisory lock meanwhile."""
    from alembic import command

    engine = engine or get_engine()
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
        try:
            config = alembic_config(engine.url.render_as_string(hide_password=False))
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
            connection.commit()
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
            connection.commit()
