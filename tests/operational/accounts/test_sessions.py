"""Sessions: idle and absolute expiry, logout, revocation, disabling, cookies, the Streamlit path."""

from __future__ import annotations

from sqlalchemy.orm import Session

from operational.accounts.service import login
from operational.accounts.sessions import authenticate_session_token
from tests.operational.accounts.conftest import Accounts

ME = "/api/v1/auth/me"


def test_request_without_credentials_is_told_to_sign_in(accounts: Accounts) -> None:
    response = accounts.client.get(ME)
    assert response.status_code == 401
    assert response.json()["message"] == "请先登录"


def test_session_expires_after_the_idle_lifetime(accounts: Accounts) -> None:
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    accounts.clock.advance(minutes=accounts.config.session_minutes - 1)
    assert accounts.client.get(ME, headers=doctor.headers).status_code == 200
    accounts.clock.advance(minutes=accounts.config.session_minutes)
    assert accounts.client.get(ME, headers=doctor.headers).status_code == 401


def test_session_ends_at_the_absolute_limit_even_when_in_use(accounts: Accounts) -> None:
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    for _ in range(accounts.config.session_absolute_hours * 3):
        accounts.clock.advance(minutes=20)
        last = accounts.client.get(ME, headers=doctor.headers)
    assert last.status_code == 401


def test_logout_ends_the_session(accounts: Accounts) -> None:
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    assert accounts.client.post("/api/v1/auth/logout", headers=doctor.headers).status_code == 204
    assert accounts.client.get(ME, headers=doctor.headers).status_code == 401


def test_user_revokes_one_of_their_other_sessions(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    other = accounts.login(doctor)
    accounts.signed_in(doctor)
    revoked = accounts.client.delete(f"/api/v1/auth/sessions/{other['session_id']}", headers=doctor.headers)
    assert revoked.status_code == 204
    assert accounts.client.get(ME, headers={"Authorization": f"Bearer {other['token']}"}).status_code == 401
    assert accounts.client.get(ME, headers=doctor.headers).status_code == 200


def test_user_cannot_revoke_someone_elses_session(accounts: Accounts) -> None:
    victim = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    other = accounts.signed_in(accounts.user("doctor2", ("医生", "JA01"), institution="JA01"))
    victim_session = accounts.client.get("/api/v1/auth/sessions", headers=victim.headers).json()[0]["id"]
    assert (
        accounts.client.delete(f"/api/v1/auth/sessions/{victim_session}", headers=other.headers).status_code
        == 404
    )
    assert accounts.client.get(ME, headers=victim.headers).status_code == 200


def test_admin_revokes_every_session_of_a_user(accounts: Accounts) -> None:
    admin = accounts.signed_in(accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01"))
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    response = accounts.client.delete(f"/api/v1/accounts/users/{doctor.id}/sessions", headers=admin.headers)
    assert response.status_code == 204
    assert accounts.client.get(ME, headers=doctor.headers).status_code == 401


def test_disabling_a_user_ends_their_sessions_and_blocks_sign_in(accounts: Accounts) -> None:
    admin = accounts.signed_in(accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01"))
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    patched = accounts.client.patch(
        f"/api/v1/accounts/users/{doctor.id}", headers=admin.headers, json={"is_active": False}
    )
    assert patched.json()["is_active"] is False
    assert accounts.client.get(ME, headers=doctor.headers).status_code == 401
    response = accounts.client.post(
        "/api/v1/auth/login", json={"username": "doctor1", "password": doctor.password}
    )
    assert response.status_code == 403
    assert "停用" in response.json()["message"]


def test_session_cookie_is_accepted_for_pages(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    token = accounts.login(doctor)["token"]
    accounts.client.cookies.set("healthops_session", token)
    try:
        assert accounts.client.get(ME).json()["username"] == "doctor1"
    finally:
        accounts.client.cookies.clear()


def test_streamlit_signs_in_through_the_service_with_the_same_accounts(
    accounts: Accounts, db_session: Session
) -> None:
    accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    result = login(
        db_session,
        username="Doctor1",
        password="Ward7&Lantern",
        source_ip="10.0.0.5",
        now=accounts.clock(),
        config=accounts.config,
    )
    principal = authenticate_session_token(
        db_session, result.token, now=accounts.clock(), config=accounts.config
    )
    assert principal is not None
    assert principal.institution_codes == frozenset({"JA01"})
    assert accounts.client.get(ME, headers={"Authorization": f"Bearer {result.token}"}).status_code == 200


def test_streamlit_gets_no_principal_for_a_restricted_session(
    accounts: Accounts, db_session: Session
) -> None:
    accounts.user("nurse1", ("医生", "JA01"), institution="JA01", must_change=True)
    result = login(
        db_session,
        username="nurse1",
        password="Ward7&Lantern",
        source_ip=None,
        now=accounts.clock(),
        config=accounts.config,
    )
    assert result.purpose == "password_change"
    assert (
        authenticate_session_token(db_session, result.token, now=accounts.clock(), config=accounts.config)
        is None
    )
