"""Second factor: mandatory TOTP for privileged roles, enrolment at first login, no replay."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.accounts.totp import current_code
from operational.audit.models import AuditEntry
from tests.operational.accounts.conftest import Accounts

LOGIN = "/api/v1/auth/login"


def test_privileged_user_without_totp_must_enrol_before_anything_else(accounts: Accounts) -> None:
    admin = accounts.signed_in(
        accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01", totp=False)
    )
    assert accounts.client.get("/api/v1/auth/me", headers=admin.headers).json()["next_step"] == "enrol_totp"
    refused = accounts.client.get("/api/v1/accounts/users", headers=admin.headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "totp_enrolment_required"
    assert "动态口令" in refused.json()["message"]


def test_enrolling_totp_lifts_the_restriction_and_is_audited(accounts: Accounts, db_session: Session) -> None:
    admin = accounts.signed_in(
        accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01", totp=False)
    )
    setup = accounts.client.post("/api/v1/auth/totp/setup", headers=admin.headers).json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/")
    code = current_code(setup["secret"], now=accounts.clock())
    confirmed = accounts.client.post("/api/v1/auth/totp/confirm", headers=admin.headers, json={"code": code})
    assert confirmed.json()["next_step"] == "none"
    assert accounts.client.get("/api/v1/accounts/users", headers=admin.headers).status_code == 200
    assert (
        db_session.scalar(select(AuditEntry.actor_id).where(AuditEntry.action == "auth.totp_enrol"))
        == admin.id
    )


def test_first_login_of_a_privileged_user_changes_password_then_enrols(accounts: Accounts) -> None:
    admin = accounts.signed_in(
        accounts.user("admin1", ("区卫健委管理员", None), must_change=True, totp=False)
    )
    changed = accounts.client.post(
        "/api/v1/auth/password",
        headers=admin.headers,
        json={"current_password": admin.password, "new_password": "Harbor9#Quill"},
    )
    assert changed.json()["next_step"] == "enrol_totp"


def test_enrolled_user_cannot_sign_in_without_a_code(accounts: Accounts) -> None:
    admin = accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01")
    response = accounts.client.post(LOGIN, json={"username": "admin1", "password": admin.password})
    assert response.status_code == 401
    assert response.json()["code"] == "totp_required"
    assert "token" not in response.json()


def test_wrong_totp_code_is_refused(accounts: Accounts) -> None:
    admin = accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01")
    response = accounts.client.post(
        LOGIN, json={"username": "admin1", "password": admin.password, "totp_code": "000000"}
    )
    assert response.json()["code"] in {"totp_invalid"}


def test_a_totp_code_cannot_be_replayed(accounts: Accounts) -> None:
    admin = accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01")
    assert admin.totp_secret is not None
    code = current_code(admin.totp_secret, now=accounts.clock())
    body = {"username": "admin1", "password": admin.password, "totp_code": code}
    assert accounts.client.post(LOGIN, json=body).status_code == 200
    replay = accounts.client.post(LOGIN, json=body)
    assert replay.json()["code"] == "totp_invalid"


def test_non_privileged_role_signs_in_without_a_second_factor(accounts: Accounts) -> None:
    pharmacist = accounts.user("pharm1", ("药师", "JA01"), institution="JA01")
    assert accounts.login(pharmacist)["me"]["next_step"] == "none"
