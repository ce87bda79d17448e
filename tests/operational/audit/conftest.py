"""Fixtures of the audit tests: the platform signing key on a throw-away directory, fresh databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from operational.audit.checkpoints import platform_keypair
from operational.common.db import migrate
from operational.security.keys import get_key_provider
from operational.security.sm2 import Sm2KeyPair
from tests.operational.postgres import temporary_database


@pytest.fixture(autouse=True)
def platform_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sm2KeyPair]:
    """The process-wide SM2 signing key, generated under a fresh ``HEALTHOPS_VAR``."""
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))
    for name in ("HEALTHOPS_SM2_PRIVATE_KEY_FILE", "HEALTHOPS_KEY_PROVIDER"):
        monkeypatch.delenv(name, raising=False)
    get_key_provider.cache_clear()
    yield platform_keypair()
    get_key_provider.cache_clear()


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """A new database migrated to every head, with an empty audit log, for committing tests."""
    with temporary_database(tmp_path) as url:
        engine = create_engine(url)
        migrate(engine)
        engine.dispose()
        yield url


@pytest.fixture(scope="module")
def empty_log_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """An engine on a module-wide fresh database whose audit log stays empty (tests roll back)."""
    with temporary_database(tmp_path_factory.mktemp("audit-pg")) as url:
        engine = create_engine(url)
        migrate(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def empty_log_session(empty_log_engine: Engine) -> Iterator[Session]:
    """A session on an empty audit log, in an outer transaction rolled back after the test."""
    connection = empty_log_engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()
