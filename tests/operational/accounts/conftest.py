"""Fixtures for the accounts tests: a controllable clock, cheap argon2 parameters, users by role.

Time never passes by sleeping: ``clock.advance(...)`` moves the clock every rule reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from operational.accounts import sessions
from operational.accounts.captcha import create_captcha
from operational.accounts.config import AccountsConfig, get_accounts_config, get_clock
from operational.accounts.models import RoleGrant, User
from operational.accounts.service import set_password
from operational.accounts.totp import current_code, new_secret
from operational.security.keys import get_key_provider

PASSWORD = "Ward7&Lantern"


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self) -> None:
        self.now = dt.datetime(2025, 6, 2, 1, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move forward by a ``timedelta(**delta)``."""
        self.now += dt.timedelta(**delta)


@pytest.fixture(autouse=True)
def process_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Field-encryption keys in a throw-away ``HEALTHOPS_VAR``."""
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))
    monkeypatch.delenv("HEALTHOPS_KEY_PROVIDER", raising=False)
    get_key_provider.cache_clear()
    yield
    get_key_provider.cache_clear()


@pytest.fixture
def clock() -> FakeClock:
    """The test's clock."""
    return FakeClock()


@pytest.fixture
def config() -> AccountsConfig:
    """Default rules with argon2 parameters cheap enough for tests."""
    return AccountsConfig(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


@pytest.fixture
def client(api: TestClient, clock: FakeClock, config: AccountsConfig) -> TestClient:
    """The API client with the test's clock and configuration."""
    api.app.dependency_overrides[get_clock] = lambda: clock  # type: ignore[attr-defined]
    api.app.dependency_overrides[get_accounts_config] = lambda: config  # type: ignore[attr-defined]
    return api


@dataclass
class Staff:
    """A user made by the factory, with what a test needs to sign in as them."""

    id: str
    username: str
    password: str
    totp_secret: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Accounts:
    """Makes users directly in the database and signs them in through the API."""

    session: Session
    client: TestClient
    clock: FakeClock
    config: AccountsConfig

    def user(
        self,
        username: str,
        *grants: tuple[str, str | None],
        institution: str | None = None,
        must_change: bool = False,
        totp: bool | None = None,
        real_name: str = "张小明",
        phone: str | None = "13812345678",
    ) -> Staff:
        """A user holding ``grants`` ((role, institution) pairs); privileged users get TOTP by default."""
        from operational.accounts.roles import PRIVILEGED_ROLES
        from operational.security.fields import blind_index

        now = self.clock()
        user = User(
            id=sessions.new_id(),
            username=username,
            real_name=real_name,
            phone=phone,
            phone_index=blind_index(phone, kind="phone") if phone else None,
            institution_code=institution,
            is_active=True,
            failed_logins=0,
            totp_enabled=False,
            created_at=now,
        )
        self.session.add(user)
        set_password(self.session, user, PASSWORD, now=now, config=self.config, must_change=must_change)
        self.session.flush()
        for role, code in grants:
            self.session.add(
                RoleGrant(
                    id=sessions.new_id(), user_id=user.id, role=role, institution_code=code, granted_at=now
                )
            )
        if totp if totp is not None else any(role in PRIVILEGED_ROLES for role, _ in grants):
            user.totp_secret, user.totp_enabled = new_secret(), True
        self.session.flush()
        return Staff(id=user.id, username=username, password=PASSWORD, totp_secret=user.totp_secret)

    def login(self, staff: Staff, password: str | None = None, **extra: str) -> dict:
        """POST /auth/login as ``staff`` (with a fresh TOTP code if they have one); the response body."""
        body: dict[str, str] = {"username": staff.username, "password": password or staff.password, **extra}
        if staff.totp_secret and "totp_code" not in extra:
            self.clock.advance(seconds=31)  # a code is accepted once per 30-second step
            body["totp_code"] = current_code(staff.totp_secret, now=self.clock())
        return self.client.post("/api/v1/auth/login", json=body).json()

    def signed_in(self, staff: Staff) -> Staff:
        """``staff`` with ``headers`` carrying a fresh session token."""
        body = self.login(staff)
        staff.headers = {"Authorization": f"Bearer {body['token']}"}
        return staff

    def captcha(self) -> dict[str, str]:
        """A solved captcha, as a person reading the image would send it."""
        captcha_id, _, answer = create_captcha(self.session, now=self.clock(), config=self.config)
        return {"captcha_id": captcha_id, "captcha_answer": answer}


@pytest.fixture
def accounts(db_session: Session, client: TestClient, clock: FakeClock, config: AccountsConfig) -> Accounts:
    """The user factory of this test."""
    return Accounts(db_session, client, clock, config)
