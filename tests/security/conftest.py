"""The security job: attackers' tools against the operational service running on loopback.

Two live services share nothing but the code: ``guarded`` runs with the firewall's detectors on
(as deployed) and ``unguarded`` with the firewall switched off, so the tools also prove the code
behind the firewall is not injectable on its own (parameterized SQL only). Rate limits and bans
are raised in both, because every tool here sends thousands of requests from 127.0.0.1; they have
their own tests in tests/operational/firewall.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from operational.accounts.models import User
from operational.security.keys import get_key_provider
from tests.operational.postgres import temporary_database
from tests.operational.staff import signed_in_headers
from tests.security.live_service import LiveService

# The test process writes the tester's account (with SM4-encrypted fields) that the services read:
# both take the field and blind-index keys from the environment tests/conftest.py fixes.
TOOL_POLICY = {
    "ip_limit": {"requests": 1_000_000, "per_seconds": 60, "burst": 1_000_000},
    "api_key_limit": {"requests": 1_000_000, "per_seconds": 60},
    "rate_limits_enabled": False,
    "ban_after_limit_hits": 1_000_000,
    "ban_after_attacks": 1_000_000,
}


@dataclass
class Target:
    """A running service and the headers of a signed-in 超级管理员 (who may call every endpoint)."""

    service: LiveService
    headers: dict[str, str]
    user_id: str

    @property
    def base_url(self) -> str:
        return self.service.base_url


def _start(tmp: Path, name: str, policy: dict) -> Iterator[Target]:
    policy_file = tmp / f"{name}-firewall.json"
    policy_file.write_text(json.dumps(policy), encoding="utf-8")
    with temporary_database(tmp / f"{name}-pg") as url:
        service = LiveService(
            database_url=url,
            var_dir=tmp / f"{name}-var",
            extra_env={"HEALTHOPS_FIREWALL_POLICY": str(policy_file)},
        ).start()
        try:
            get_key_provider.cache_clear()
            engine = create_engine(url)
            with Session(engine) as session:
                headers = signed_in_headers(session, "security_tester", ("超级管理员", None))
                user_id = session.scalar(select(User.id).where(User.username == "security_tester"))
                session.commit()
            engine.dispose()
            yield Target(service, headers, str(user_id))
        finally:
            service.stop()


@pytest.fixture(scope="session")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The service as deployed: every detector of the firewall on."""
    yield from _start(tmp_path_factory.mktemp("guarded"), "guarded", TOOL_POLICY)


@pytest.fixture(scope="session")
def unguarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """The same service with the firewall off: what the code alone withstands."""
    yield from _start(tmp_path_factory.mktemp("unguarded"), "unguarded", {**TOOL_POLICY, "enabled": False})
