"""Fixtures for the security tests: key providers on throw-away key directories."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from operational.security.keys import FileKeyProvider, get_key_provider


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    """A key directory that does not exist yet (the provider creates it)."""
    return tmp_path / "keys"


@pytest.fixture
def provider(key_dir: Path) -> FileKeyProvider:
    """A file key provider on ``key_dir`` that ignores the process environment."""
    return FileKeyProvider(key_dir, environ={})


@pytest.fixture
def process_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The process-wide provider pointed at a fresh ``HEALTHOPS_VAR`` (for code that takes no provider)."""
    var = tmp_path / "var"
    monkeypatch.setenv("HEALTHOPS_VAR", str(var))
    for name in ("HEALTHOPS_FIELD_KEYS", "HEALTHOPS_BLIND_INDEX_KEY", "HEALTHOPS_SM2_PRIVATE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("HEALTHOPS_KEY_PROVIDER", raising=False)
    get_key_provider.cache_clear()
    yield var / "keys"
    get_key_provider.cache_clear()
