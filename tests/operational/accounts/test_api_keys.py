"""System accounts: keys shown once and stored hashed, allowlist, rate limit, revocation, scope."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.accounts.models import ApiKey
from tests.operational.accounts.conftest import Accounts, Staff

KEYS = "/api/v1/accounts/api-keys"
USERS = "/api/v1/accounts/users"


@pytest.fixture
def ja01_admin(accounts: Accounts) -> Staff:
    """A signed-in 机构管理员 of JA01."""
    return accounts.signed_in(accounts.user("admin01", ("机构管理员", "JA01"), institution="JA01"))


def _create(accounts: Accounts, admin: Staff, **overrides: object) -> dict:
    body = {
        "name": "中心医院 HIS",
        "institution_code": "JA01",
        "permissions": ["accounts.read"],
        "ip_allowlist": ["127.0.0.0/8"],
        "rate_limit_per_minute": 60,
    } | overrides
    response = accounts.client.post(KEYS, headers=admin.headers, json=body)
    return response.json() | {"status": response.status_code}


def test_key_acts_as_a_system_account_scoped_to_its_institution(
    accounts: Accounts, ja01_admin: Staff
) -> None:
    accounts.user("doctor02", ("医生", "JA02"), institution="JA02")
    key = _create(accounts, ja01_admin)["api_key"]
    response = accounts.client.get(USERS, headers={"X-API-Key": key})
    assert response.status_code == 200
    assert {u["username"] for u in response.json()} == {"admin01"}


def test_key_without_the_permission_is_refused(accounts: Accounts, ja01_admin: Staff) -> None:
    key = _create(accounts, ja01_admin, permissions=["indicators.read"])["api_key"]
    response = accounts.client.get(USERS, headers={"X-API-Key": key})
    assert response.status_code == 403
    assert "查看账号" in response.json()["message"]


def test_key_is_refused_from_an_address_outside_its_allowlist(accounts: Accounts, ja01_admin: Staff) -> None:
    key = _create(accounts, ja01_admin, ip_allowlist=["10.8.0.0/16"])["api_key"]
    assert accounts.client.get(USERS, headers={"X-API-Key": key}).status_code == 403
    inside = TestClient(accounts.client.app, client=("10.8.3.4", 40000))
    assert inside.get(USERS, headers={"X-API-Key": key}).status_code == 200


def test_key_over_its_rate_limit_gets_429_with_retry_after(accounts: Accounts, ja01_admin: Staff) -> None:
    key = _create(accounts, ja01_admin, rate_limit_per_minute=3)["api_key"]
    statuses = [accounts.client.get(USERS, headers={"X-API-Key": key}).status_code for _ in range(3)]
    over = accounts.client.get(USERS, headers={"X-API-Key": key})
    assert statuses == [200, 200, 200]
    assert over.status_code == 429
    assert int(over.headers["Retry-After"]) == 20
    assert "请求过于频繁" in over.json()["message"]


def test_rate_limit_refills_as_time_passes(accounts: Accounts, ja01_admin: Staff) -> None:
    key = _create(accounts, ja01_admin, rate_limit_per_minute=1)["api_key"]
    accounts.client.get(USERS, headers={"X-API-Key": key})
    accounts.clock.advance(seconds=60)
    assert accounts.client.get(USERS, headers={"X-API-Key": key}).status_code == 200


def test_revoked_key_is_refused(accounts: Accounts, ja01_admin: Staff) -> None:
    created = _create(accounts, ja01_admin)
    assert (
        accounts.client.delete(f"{KEYS}/{created['key']['id']}", headers=ja01_admin.headers).status_code
        == 204
    )
    response = accounts.client.get(USERS, headers={"X-API-Key": created["api_key"]})
    assert response.status_code == 401
    assert "已吊销" in response.json()["message"]


def test_expired_key_is_refused(accounts: Accounts, ja01_admin: Staff) -> None:
    expiry = (accounts.clock() + dt.timedelta(days=1)).isoformat()
    key = _create(accounts, ja01_admin, expires_at=expiry)["api_key"]
    accounts.clock.advance(days=1, seconds=1)
    assert accounts.client.get(USERS, headers={"X-API-Key": key}).status_code == 401


def test_tampered_key_is_refused(accounts: Accounts, ja01_admin: Staff) -> None:
    key = _create(accounts, ja01_admin)["api_key"]
    assert accounts.client.get(USERS, headers={"X-API-Key": key[:-2] + "zz"}).status_code == 401


def test_key_is_stored_only_as_a_hash(accounts: Accounts, ja01_admin: Staff, db_session: Session) -> None:
    created = _create(accounts, ja01_admin)
    row = db_session.scalar(select(ApiKey).where(ApiKey.id == created["key"]["id"]))
    assert row is not None
    assert created["api_key"] not in str(vars(row))
    assert created["api_key"].split("_")[-1] not in row.secret_hash


def test_key_cannot_carry_a_permission_its_creator_lacks(accounts: Accounts, ja01_admin: Staff) -> None:
    body = _create(accounts, ja01_admin, permissions=["audit.read"])
    assert body["status"] == 403
    assert "audit.read" in body["message"]


def test_key_cannot_carry_account_administration(accounts: Accounts, ja01_admin: Staff) -> None:
    body = _create(accounts, ja01_admin, permissions=["accounts.manage"])
    assert body["status"] == 422


def test_key_cannot_be_made_for_another_institution(accounts: Accounts, ja01_admin: Staff) -> None:
    assert _create(accounts, ja01_admin, institution_code="JA02")["status"] == 403


def test_other_institutions_keys_are_neither_listed_nor_revocable(
    accounts: Accounts, ja01_admin: Staff
) -> None:
    ja02_admin = accounts.signed_in(accounts.user("admin02", ("机构管理员", "JA02"), institution="JA02"))
    other = _create(accounts, ja02_admin, institution_code="JA02")
    assert accounts.client.get(KEYS, headers=ja01_admin.headers).json() == []
    assert (
        accounts.client.delete(f"{KEYS}/{other['key']['id']}", headers=ja01_admin.headers).status_code == 404
    )
    assert accounts.client.get(USERS, headers={"X-API-Key": other["api_key"]}).status_code == 200


def test_system_account_cannot_use_staff_only_endpoints(accounts: Accounts, ja01_admin: Staff) -> None:
    key = _create(accounts, ja01_admin)["api_key"]
    response = accounts.client.get("/api/v1/auth/me", headers={"X-API-Key": key})
    assert response.status_code == 403
