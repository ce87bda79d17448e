"""Password rules at every change, forced changes (first login, reset, expiry), hashing and logs."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from operational.accounts.config import get_accounts_config
from operational.accounts.models import User
from tests.operational.accounts.conftest import Accounts, Staff

PASSWORD = "/api/v1/auth/password"


def _change(accounts: Accounts, staff: Staff, new: str, current: str | None = None) -> dict:
    accounts.clock.advance(minutes=1)  # password history is ordered by time
    response = accounts.client.post(
        PASSWORD,
        headers=staff.headers,
        json={"current_password": current or staff.password, "new_password": new},
    )
    if response.status_code == 200:
        staff.password = new
    return response.json() | {"status": response.status_code}


@pytest.mark.parametrize(
    ("password", "rule", "phrase"),
    [
        ("Ab1!xyz", "too_short", "至少 8 位"),
        ("Abcdefg12", "no_symbol", "特殊符号"),
        ("abcdef1!x", "no_upper", "大写字母"),
        ("ABCDEF1!X", "no_lower", "小写字母"),
        ("Abcdefg!x", "no_digit", "数字"),
        ("Admin@123", "weak_password", "弱口令"),
        ("P@ssw0rd", "weak_password", "弱口令"),
        ("1qaz@WSX", "weak_password", "弱口令"),
        ("Doctor1!x", "contains_username", "用户名"),
        ("1rotcod!X", "contains_username", "用户名"),
    ],
)
def test_new_password_breaking_a_rule_is_refused_naming_the_rule(
    accounts: Accounts, password: str, rule: str, phrase: str
) -> None:
    doctor = accounts.signed_in(accounts.user("doctor", ("医生", "JA01"), institution="JA01"))
    body = _change(accounts, doctor, password)
    assert body["status"] == 422
    assert body["code"] == "weak_password"
    assert rule in body["details"]["rules"]
    assert phrase in body["message"]


def test_reuse_of_any_of_the_last_five_passwords_is_refused(accounts: Accounts) -> None:
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    first = doctor.password
    for index in range(4):
        assert _change(accounts, doctor, f"Harbor{index}#Quill")["status"] == 200
    body = _change(accounts, doctor, first)
    assert body["details"]["rules"] == ["reused"]
    assert "最近 5 次" in body["message"]


def test_a_password_older_than_the_last_five_may_be_used_again(accounts: Accounts) -> None:
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    first = doctor.password
    for index in range(5):
        assert _change(accounts, doctor, f"Harbor{index}#Quill")["status"] == 200
    body = _change(accounts, doctor, first)
    assert body["status"] == 200, body


def test_wrong_current_password_is_refused(accounts: Accounts) -> None:
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    body = _change(accounts, doctor, "Harbor9#Quill", current="Not#The1Pass")
    assert body["status"] == 422
    assert body["message"] == "当前密码不正确"


def test_password_is_stored_as_argon2id_and_the_plain_text_is_nowhere_in_the_database(
    accounts: Accounts, db_session: Session
) -> None:
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    _change(accounts, doctor, "Harbor9#Quill")
    stored = db_session.scalar(select(User.password_hash).where(User.id == doctor.id))
    assert stored is not None and stored.startswith("$argon2id$")
    tables = [
        "accounts_users",
        "accounts_password_history",
        "accounts_sessions",
        "accounts_login_attempts",
        "audit_log",
    ]
    dump = " ".join(
        str(row) for table in tables for row in db_session.execute(text(f"SELECT * FROM {table}")).all()
    )
    assert "Harbor9#Quill" not in dump
    assert doctor.password not in dump


def test_plain_passwords_never_reach_the_logs(accounts: Accounts, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    for _ in range(accounts.config.lockout_failures):
        accounts.client.post(
            "/api/v1/auth/login",
            json={"username": "doctor1", "password": "Wrong#Pass9", **accounts.captcha()},
        )
    accounts.clock.advance(minutes=16)
    doctor.headers = {"Authorization": f"Bearer {accounts.login(doctor, **accounts.captcha())['token']}"}
    _change(accounts, doctor, "Harbor9#Quill", current="Ward7&Lantern")
    assert "account" in caplog.text  # the lockout was logged ...
    assert "Wrong#Pass9" not in caplog.text  # ... but no password ever is
    assert "Ward7&Lantern" not in caplog.text
    assert "Harbor9#Quill" not in caplog.text


def test_first_login_session_can_only_change_the_password(accounts: Accounts) -> None:
    newcomer = accounts.signed_in(
        accounts.user("nurse1", ("医生", "JA01"), institution="JA01", must_change=True)
    )
    me = accounts.client.get("/api/v1/auth/me", headers=newcomer.headers).json()
    assert me["next_step"] == "change_password"
    refused = accounts.client.get("/api/v1/auth/sessions", headers=newcomer.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "password_change_required"
    assert "请先修改密码" in refused.json()["message"]


def test_changing_the_password_lifts_the_first_login_restriction(accounts: Accounts) -> None:
    newcomer = accounts.signed_in(
        accounts.user("nurse1", ("医生", "JA01"), institution="JA01", must_change=True)
    )
    assert _change(accounts, newcomer, "Harbor9#Quill")["next_step"] == "none"
    assert accounts.client.get("/api/v1/auth/sessions", headers=newcomer.headers).status_code == 200


def test_created_account_must_change_its_temporary_password(accounts: Accounts) -> None:
    admin = accounts.signed_in(accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01"))
    created = accounts.client.post(
        "/api/v1/accounts/users",
        headers=admin.headers,
        json={
            "username": "pharm1",
            "real_name": "李药师",
            "institution_code": "JA01",
            "roles": [{"role": "药师"}],
        },
    ).json()
    staff = Staff(id=created["user"]["id"], username="pharm1", password=created["temporary_password"])
    body = accounts.login(staff)
    assert body["me"]["next_step"] == "change_password"


def test_password_expires_after_the_configured_period(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    accounts.clock.advance(days=accounts.config.password_max_age_days)
    assert accounts.login(doctor)["me"]["next_step"] == "change_password"


def test_password_does_not_expire_when_the_switch_is_off(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    off = dataclasses.replace(accounts.config, password_expiry_enabled=False)
    accounts.client.app.dependency_overrides[get_accounts_config] = lambda: off  # type: ignore[attr-defined]
    accounts.clock.advance(days=accounts.config.password_max_age_days * 3)
    assert accounts.login(doctor)["me"]["next_step"] == "none"


def test_admin_reset_forces_a_change_and_ends_the_users_sessions(accounts: Accounts) -> None:
    admin = accounts.signed_in(accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01"))
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    reset = accounts.client.post(f"/api/v1/accounts/users/{doctor.id}/reset-password", headers=admin.headers)
    assert accounts.client.get("/api/v1/auth/me", headers=doctor.headers).status_code == 401
    doctor.password = reset.json()["temporary_password"]
    assert accounts.login(doctor)["me"]["next_step"] == "change_password"
