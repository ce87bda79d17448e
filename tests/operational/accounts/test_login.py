"""Sign-in: credentials, the one generic message, lockout with cool-down, captcha, audit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.audit.models import AuditEntry
from tests.operational.accounts.conftest import Accounts

LOGIN = "/api/v1/auth/login"


def test_login_with_correct_password_returns_token_that_opens_me(accounts: Accounts) -> None:
    doctor = accounts.signed_in(accounts.user("doctor1", ("医生", "JA01"), institution="JA01"))
    me = accounts.client.get("/api/v1/auth/me", headers=doctor.headers)
    assert me.status_code == 200
    assert me.json()["roles"] == ["医生"]
    assert me.json()["institution_codes"] == ["JA01"]
    assert me.json()["next_step"] == "none"


def test_unknown_user_and_wrong_password_get_the_same_message(accounts: Accounts) -> None:
    accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    unknown = accounts.client.post(LOGIN, json={"username": "nobody", "password": "Whatever1!"})
    wrong = accounts.client.post(LOGIN, json={"username": "doctor1", "password": "Whatever1!"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["message"] == wrong.json()["message"] == "用户名或密码错误"
    assert unknown.json()["code"] == wrong.json()["code"]


def _fail(accounts: Accounts, username: str, times: int) -> list[dict]:
    bodies = []
    for _ in range(times):
        captcha = accounts.captcha()
        response = accounts.client.post(
            LOGIN, json={"username": username, "password": "Wrong#Pass9", **captcha}
        )
        bodies.append(response.json() | {"status": response.status_code})
    return bodies


def test_account_locks_after_configured_failures_and_refuses_correct_password(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    bodies = _fail(accounts, "doctor1", accounts.config.lockout_failures)
    assert [b["status"] for b in bodies[:-1]] == [401] * (accounts.config.lockout_failures - 1)
    assert bodies[-1]["status"] == 423
    response = accounts.client.post(
        LOGIN, json={"username": "doctor1", "password": doctor.password, **accounts.captcha()}
    )
    assert response.status_code == 423
    assert response.json()["code"] == "account_locked"
    assert "15 分钟后再试" in response.json()["message"]


def test_lockout_message_counts_down_the_remaining_minutes(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    _fail(accounts, "doctor1", accounts.config.lockout_failures)
    accounts.clock.advance(minutes=10)
    response = accounts.client.post(
        LOGIN, json={"username": "doctor1", "password": doctor.password, **accounts.captcha()}
    )
    assert "5 分钟后再试" in response.json()["message"]


def test_lockout_lifts_after_the_cool_down(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    _fail(accounts, "doctor1", accounts.config.lockout_failures)
    accounts.clock.advance(minutes=accounts.config.lockout_minutes, seconds=1)
    body = accounts.login(doctor, **accounts.captcha())
    assert "token" in body


def test_admin_unlock_lifts_the_lockout_before_the_cool_down(accounts: Accounts) -> None:
    admin = accounts.signed_in(accounts.user("admin1", ("机构管理员", "JA01"), institution="JA01"))
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    _fail(accounts, "doctor1", accounts.config.lockout_failures)
    unlocked = accounts.client.post(f"/api/v1/accounts/users/{doctor.id}/unlock", headers=admin.headers)
    assert unlocked.status_code == 200
    assert unlocked.json()["is_locked"] is False
    assert "token" in accounts.login(doctor, **accounts.captcha())


def test_captcha_is_required_after_failures_for_a_username(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    for _ in range(accounts.config.captcha_after_failures):
        accounts.client.post(LOGIN, json={"username": "doctor1", "password": "Wrong#Pass9"})
    response = accounts.client.post(LOGIN, json={"username": "doctor1", "password": doctor.password})
    assert response.status_code == 401
    assert response.json()["code"] == "captcha_required"
    assert "验证码" in response.json()["message"]


def test_captcha_is_required_for_unknown_usernames_too(accounts: Accounts) -> None:
    for _ in range(accounts.config.captcha_after_failures):
        last = accounts.client.post(LOGIN, json={"username": "ghost", "password": "Wrong#Pass9"})
    assert last.json()["details"]["captcha_required"] is True
    response = accounts.client.post(LOGIN, json={"username": "ghost", "password": "Wrong#Pass9"})
    assert response.json()["code"] == "captcha_required"


def test_captcha_is_required_after_failures_from_one_address(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    for index in range(2 * accounts.config.captcha_after_failures):
        accounts.client.post(LOGIN, json={"username": f"probe{index}", "password": "Wrong#Pass9"})
    response = accounts.client.post(LOGIN, json={"username": "doctor1", "password": doctor.password})
    assert response.json()["code"] == "captcha_required"


def test_wrong_captcha_answer_is_refused(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    _fail(accounts, "doctor1", accounts.config.captcha_after_failures)
    captcha = accounts.captcha()
    response = accounts.client.post(
        LOGIN,
        json={
            "username": "doctor1",
            "password": doctor.password,
            "captcha_id": captcha["captcha_id"],
            "captcha_answer": "XXXXX",
        },
    )
    assert response.json()["code"] == "captcha_invalid"


def test_a_captcha_cannot_be_used_twice(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    _fail(accounts, "doctor1", accounts.config.captcha_after_failures)
    captcha = accounts.captcha()
    accounts.client.post(LOGIN, json={"username": "doctor1", "password": "Wrong#Pass9", **captcha})
    response = accounts.client.post(
        LOGIN, json={"username": "doctor1", "password": doctor.password, **captcha}
    )
    assert response.json()["code"] == "captcha_invalid"


def test_solved_captcha_lets_the_login_proceed(accounts: Accounts) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    _fail(accounts, "doctor1", accounts.config.captcha_after_failures)
    assert "token" in accounts.login(doctor, **accounts.captcha())


def test_captcha_endpoint_returns_a_png_image(accounts: Accounts) -> None:
    import base64

    body = accounts.client.get("/api/v1/auth/captcha").json()
    assert base64.b64decode(body["image_png_base64"]).startswith(b"\x89PNG")
    assert len(body["captcha_id"]) == 32


def test_login_failure_and_success_are_audited_without_the_password(
    accounts: Accounts, db_session: Session
) -> None:
    doctor = accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    accounts.client.post(LOGIN, json={"username": "doctor1", "password": "Wrong#Pass9"})
    accounts.login(doctor)
    rows = db_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "auth.login").order_by(AuditEntry.seq)
    ).all()
    assert [(r.result, (r.details or {}).get("reason")) for r in rows] == [
        ("failure", "bad_password"),
        ("success", None),
    ]
    assert all(r.actor_id == doctor.id for r in rows)
    assert not any("Wrong#Pass9" in str(r.details) or doctor.password in str(r.details) for r in rows)


def test_lockout_is_audited(accounts: Accounts, db_session: Session) -> None:
    accounts.user("doctor1", ("医生", "JA01"), institution="JA01")
    _fail(accounts, "doctor1", accounts.config.lockout_failures)
    assert (
        db_session.scalar(select(AuditEntry.actor_name).where(AuditEntry.action == "auth.lockout"))
        == "doctor1"
    )
