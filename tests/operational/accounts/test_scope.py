"""Data scope and grant rules: a JA01 manager never reaches JA02, nor grants beyond what they hold."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.audit.models import AuditEntry
from tests.operational.accounts.conftest import Accounts, Staff

USERS = "/api/v1/accounts/users"


@pytest.fixture
def ja01_admin(accounts: Accounts) -> Staff:
    """A signed-in 机构管理员 of JA01."""
    return accounts.signed_in(accounts.user("admin01", ("机构管理员", "JA01"), institution="JA01"))


@pytest.fixture
def ja02_doctor(accounts: Accounts) -> Staff:
    """A doctor of JA02."""
    return accounts.user("doctor02", ("医生", "JA02"), institution="JA02")


def test_institution_admin_lists_only_their_institutions_users(
    accounts: Accounts, ja01_admin: Staff, ja02_doctor: Staff
) -> None:
    accounts.user("doctor01", ("医生", "JA01"), institution="JA01")
    accounts.user("auditor", ("只读审计", None))
    names = {u["username"] for u in accounts.client.get(USERS, headers=ja01_admin.headers).json()}
    assert names == {"admin01", "doctor01"}


def test_district_admin_lists_every_institution(accounts: Accounts, ja02_doctor: Staff) -> None:
    district = accounts.signed_in(accounts.user("district", ("区卫健委管理员", None)))
    accounts.user("doctor01", ("医生", "JA01"), institution="JA01")
    names = {u["username"] for u in accounts.client.get(USERS, headers=district.headers).json()}
    assert {"district", "doctor01", "doctor02"} <= names


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"is_active": False}),
        ("POST", "/roles", {"role": "医生", "institution_code": "JA01"}),
        ("DELETE", "/roles/医生", None),
        ("POST", "/reset-password", None),
        ("POST", "/unlock", None),
        ("DELETE", "/sessions", None),
    ],
)
def test_other_institutions_user_is_not_found_through_every_endpoint(
    accounts: Accounts, ja01_admin: Staff, ja02_doctor: Staff, method: str, suffix: str, body: dict | None
) -> None:
    response = accounts.client.request(
        method, f"{USERS}/{ja02_doctor.id}{suffix}", headers=ja01_admin.headers, json=body
    )
    assert response.status_code == 404
    assert "不在您的管理范围内" in response.json()["message"]


def test_other_institutions_user_keeps_its_password_after_a_refused_reset(
    accounts: Accounts, ja01_admin: Staff, ja02_doctor: Staff
) -> None:
    accounts.client.post(f"{USERS}/{ja02_doctor.id}/reset-password", headers=ja01_admin.headers)
    assert "token" in accounts.login(ja02_doctor)


def test_institution_admin_cannot_grant_a_district_role(accounts: Accounts, ja01_admin: Staff) -> None:
    doctor = accounts.user("doctor01", ("医生", "JA01"), institution="JA01")
    response = accounts.client.post(
        f"{USERS}/{doctor.id}/roles", headers=ja01_admin.headers, json={"role": "区卫健委管理员"}
    )
    assert response.status_code == 403
    assert "超出本人权限" in response.json()["message"]


def test_institution_admin_cannot_grant_a_role_at_another_institution(
    accounts: Accounts, ja01_admin: Staff
) -> None:
    doctor = accounts.user("doctor01", ("医生", "JA01"), institution="JA01")
    response = accounts.client.post(
        f"{USERS}/{doctor.id}/roles",
        headers=ja01_admin.headers,
        json={"role": "药师", "institution_code": "JA02"},
    )
    assert response.status_code == 403
    assert "JA02" in response.json()["message"]


def test_district_admin_cannot_grant_a_role_with_a_permission_they_lack(accounts: Accounts) -> None:
    district = accounts.signed_in(accounts.user("district", ("区卫健委管理员", None)))
    target = accounts.user("clerk", ("客服", "JA03"), institution="JA03")
    response = accounts.client.post(
        f"{USERS}/{target.id}/roles", headers=district.headers, json={"role": "只读审计"}
    )
    assert response.status_code == 403
    assert response.json()["details"]["missing_permissions"] == ["audit.export"]


def test_only_a_super_admin_grants_super_admin(accounts: Accounts) -> None:
    district = accounts.signed_in(accounts.user("district", ("区卫健委管理员", None)))
    target = accounts.user("clerk", ("客服", "JA03"), institution="JA03")
    response = accounts.client.post(
        f"{USERS}/{target.id}/roles", headers=district.headers, json={"role": "超级管理员"}
    )
    assert response.status_code == 403
    assert "只有超级管理员" in response.json()["message"]


def test_super_admin_grants_a_district_role(accounts: Accounts) -> None:
    root = accounts.signed_in(accounts.user("root", ("超级管理员", None)))
    target = accounts.user("watcher", totp=False)
    response = accounts.client.post(
        f"{USERS}/{target.id}/roles", headers=root.headers, json={"role": "只读审计"}
    )
    assert response.status_code == 200
    assert [r["role"] for r in response.json()["roles"]] == ["只读审计"]


def test_staff_without_grant_permission_cannot_grant(accounts: Accounts) -> None:
    doctor = accounts.signed_in(accounts.user("doctor01", ("医生", "JA01"), institution="JA01"))
    other = accounts.user("doctor02", ("医生", "JA01"), institution="JA01")
    response = accounts.client.post(
        f"{USERS}/{other.id}/roles", headers=doctor.headers, json={"role": "客服"}
    )
    assert response.status_code == 403
    assert "授予与收回角色" in response.json()["message"]


def test_institution_admin_grants_an_institution_role_in_scope(accounts: Accounts, ja01_admin: Staff) -> None:
    doctor = accounts.user("doctor01", ("医生", "JA01"), institution="JA01")
    response = accounts.client.post(
        f"{USERS}/{doctor.id}/roles", headers=ja01_admin.headers, json={"role": "药师"}
    )
    assert {(r["role"], r["institution_code"]) for r in response.json()["roles"]} == {
        ("医生", "JA01"),
        ("药师", "JA01"),
    }


def test_institution_admin_cannot_modify_a_user_holding_a_district_role(
    accounts: Accounts, ja01_admin: Staff
) -> None:
    auditor = accounts.user("auditor", ("只读审计", None), ("客服", "JA01"), institution="JA01")
    response = accounts.client.post(f"{USERS}/{auditor.id}/reset-password", headers=ja01_admin.headers)
    assert response.status_code == 403


def test_institution_admin_cannot_create_a_user_at_another_institution(
    accounts: Accounts, ja01_admin: Staff
) -> None:
    response = accounts.client.post(
        USERS,
        headers=ja01_admin.headers,
        json={"username": "intruder", "real_name": "王五", "institution_code": "JA02"},
    )
    assert response.status_code == 403


def test_unknown_institution_code_is_refused(accounts: Accounts) -> None:
    district = accounts.signed_in(accounts.user("district", ("区卫健委管理员", None)))
    response = accounts.client.post(
        USERS,
        headers=district.headers,
        json={"username": "someone", "real_name": "王五", "institution_code": "JA99"},
    )
    assert response.status_code == 422
    assert "JA99" in response.json()["message"]


def test_read_only_auditor_cannot_create_users(accounts: Accounts) -> None:
    auditor = accounts.signed_in(accounts.user("auditor", ("只读审计", None)))
    response = accounts.client.post(
        USERS, headers=auditor.headers, json={"username": "someone", "real_name": "王五"}
    )
    assert response.status_code == 403


def test_user_detail_is_masked_and_its_reading_audited(
    accounts: Accounts, ja01_admin: Staff, db_session: Session
) -> None:
    doctor = accounts.user(
        "doctor01", ("医生", "JA01"), institution="JA01", real_name="张小明", phone="13812345678"
    )
    body = accounts.client.get(f"{USERS}/{doctor.id}", headers=ja01_admin.headers).json()
    assert (body["real_name_masked"], body["phone_masked"]) == ("张*明", "138****5678")
    assert "13812345678" not in str(body)
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "accounts.user_read"))
    assert entry is not None
    assert (entry.actor_id, entry.resource, entry.institution_code) == (
        ja01_admin.id,
        f"user:{doctor.id}",
        "JA01",
    )


def test_name_and_phone_are_encrypted_at_rest(accounts: Accounts, db_session: Session) -> None:
    from sqlalchemy import text

    accounts.user("doctor01", ("医生", "JA01"), institution="JA01", real_name="张小明", phone="13812345678")
    raw = db_session.execute(
        text("SELECT real_name, phone FROM accounts_users WHERE username = 'doctor01'")
    ).one()
    assert b"13812345678" not in bytes(raw.phone)
    assert "张小明".encode() not in bytes(raw.real_name)


def test_role_grant_is_audited(accounts: Accounts, ja01_admin: Staff, db_session: Session) -> None:
    doctor = accounts.user("doctor01", ("医生", "JA01"), institution="JA01")
    accounts.client.post(f"{USERS}/{doctor.id}/roles", headers=ja01_admin.headers, json={"role": "客服"})
    entry = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "accounts.role_grant"))
    assert entry is not None and entry.details == {"role": "客服"}
