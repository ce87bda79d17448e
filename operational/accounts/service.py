"""Sign-in, sign-out, password change, TOTP enrolment and session revocation.

Plain functions on a SQLAlchemy session, shared by the API and the Streamlit pages. Failed sign-ins
must survive the error that reports them (they drive lockout and captcha), so those paths commit
before raising.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.accounts import repository, sessions
from operational.accounts.captcha import captcha_required, consume_captcha
from operational.accounts.config import AccountsConfig, get_accounts_config, utc_now
from operational.accounts.errors import (
    AccountLocked,
    CaptchaInvalid,
    CaptchaRequired,
    InvalidCredentials,
    TotpInvalid,
    TotpRequired,
)
from operational.accounts.models import LoginAttempt, PasswordHistory, User
from operational.accounts.passwords import (
    burn_verification_time,
    check_new_password,
    hash_password,
    password_hasher,
    verify_password,
)
from operational.accounts.principal import Principal
from operational.accounts.totp import matching_step, new_secret, provisioning_uri
from operational.audit.service import record_event
from operational.common.errors import Conflict, DomainError, InvalidRequest, NotFound, PermissionDenied

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoginResult:
    """A successful sign-in: the token (shown once) and what the session may do (``purpose``)."""

    token: str
    session_id: str
    expires_at: dt.datetime
    purpose: str
    principal: Principal


def normalize_username(username: str) -> str:
    """Usernames are case-insensitive: stored and compared lower-cased."""
    return username.strip().lower()


def _commit_and_raise(session: Session, error: DomainError) -> NoReturn:
    session.commit()
    raise error


def _record_attempt(
    session: Session, *, username: str, source_ip: str | None, ok: bool, now: dt.datetime
) -> None:
    session.add(
        LoginAttempt(
            id=sessions.new_id(), username=username[:64], source_ip=source_ip, succeeded=ok, attempted_at=now
        )
    )


def _audit_login_failure(session: Session, *, user: User | None, source_ip: str | None, reason: str) -> None:
    record_event(
        session,
        action="auth.login",
        result="failure",
        actor_id=user.id if user else None,
        actor_name=user.username if user else None,
        source_ip=source_ip,
        institution_code=user.institution_code if user else None,
        details={"reason": reason},
    )


def _register_failure(
    session: Session,
    user: User,
    *,
    source_ip: str | None,
    now: dt.datetime,
    config: AccountsConfig,
    reason: str,
) -> bool:
    """Count one failure against ``user``; returns True if it locked the account."""
    user.failed_logins += 1
    _audit_login_failure(session, user=user, source_ip=source_ip, reason=reason)
    if user.failed_logins < config.lockout_failures:
        return False
    user.locked_until = now + dt.timedelta(minutes=config.lockout_minutes)
    record_event(
        session,
        action="auth.lockout",
        actor_id=user.id,
        actor_name=user.username,
        source_ip=source_ip,
        institution_code=user.institution_code,
        details={"failures": user.failed_logins, "minutes": config.lockout_minutes},
    )
    logger.warning("account %s locked after %d failed sign-ins", user.id, user.failed_logins)
    return True


def _locked_error(user: User, *, now: dt.datetime, config: AccountsConfig) -> AccountLocked:
    assert user.locked_until is not None
    minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
    return AccountLocked(
        f"连续登录失败 {config.lockout_failures} 次，账号已锁定，请 {minutes} 分钟后再试，或联系管理员解锁",
        details={"retry_after_minutes": minutes},
    )


def _check_captcha(
    session: Session,
    *,
    username: str,
    source_ip: str | None,
    captcha_id: str | None,
    captcha_answer: str | None,
    now: dt.datetime,
    config: AccountsConfig,
) -> None:
    if not captcha_required(session, username=username, source_ip=source_ip, now=now, config=config):
        return
    if not captcha_id or not captcha_answer:
        raise CaptchaRequired(details={"captcha_required": True})
    if not consume_captcha(session, captcha_id=captcha_id, answer=captcha_answer, now=now):
        _commit_and_raise(session, CaptchaInvalid(details={"captcha_required": True}))


def login(
    session: Session,
    *,
    username: str,
    password: str,
    source_ip: str | None,
    captcha_id: str | None = None,
    captcha_answer: str | None = None,
    totp_code: str | None = None,
    now: dt.datetime | None = None,
    config: AccountsConfig | None = None,
) -> LoginResult:
    """Check the credentials and open a session (restricted while a password change or TOTP enrolment is due).

    Raises ``AccountLocked``, ``CaptchaRequired``/``CaptchaInvalid``, ``InvalidCredentials`` (one
    message for unknown user and wrong password), ``TotpRequired``/``TotpInvalid``.
    """
    now = now or utc_now()
    config = config or get_accounts_config()
    name = normalize_username(username)
    user = session.scalar(select(User).where(User.username == name))
    if user is not None and user.locked_until is not None:
        if now < user.locked_until:
            _audit_login_failure(session, user=user, source_ip=source_ip, reason="locked")
            _commit_and_raise(session, _locked_error(user, now=now, config=config))
        user.locked_until, user.failed_logins = None, 0
    _check_captcha(
        session,
        username=name,
        source_ip=source_ip,
        captcha_id=captcha_id,
        captcha_answer=captcha_answer,
        now=now,
        config=config,
    )
    if user is None:
        burn_verification_time(password, config=config)
        _record_attempt(session, username=name, source_ip=source_ip, ok=False, now=now)
        _audit_login_failure(session, user=None, source_ip=source_ip, reason="unknown_user")
        _commit_and_raise(session, _credentials_error(session, name, source_ip, now, config))
    if not verify_password(user.password_hash, password, config=config):
        _record_attempt(session, username=name, source_ip=source_ip, ok=False, now=now)
        if _register_failure(
            session, user, source_ip=source_ip, now=now, config=config, reason="bad_password"
        ):
            _commit_and_raise(session, _locked_error(user, now=now, config=config))
        _commit_and_raise(session, _credentials_error(session, name, source_ip, now, config))
    if not user.is_active:
        _audit_login_failure(session, user=user, source_ip=source_ip, reason="disabled")
        _commit_and_raise(session, PermissionDenied("账号已停用，请联系管理员"))
    if user.totp_enabled:
        _verify_totp_at_login(session, user, totp_code=totp_code, source_ip=source_ip, now=now, config=config)
    return _open(session, user, password=password, source_ip=source_ip, now=now, config=config)


def _credentials_error(
    session: Session, name: str, source_ip: str | None, now: dt.datetime, config: AccountsConfig
) -> InvalidCredentials:
    session.flush()
    needed = captcha_required(session, username=name, source_ip=source_ip, now=now, config=config)
    return InvalidCredentials(details={"captcha_required": needed})


def _verify_totp_at_login(
    session: Session,
    user: User,
    *,
    totp_code: str | None,
    source_ip: str | None,
    now: dt.datetime,
    config: AccountsConfig,
) -> None:
    if not totp_code:
        raise TotpRequired(details={"totp_required": True})
    assert user.totp_secret is not None
    step = matching_step(user.totp_secret, totp_code, now=now, last_step=user.totp_last_step)
    if step is None:
        _record_attempt(session, username=user.username, source_ip=source_ip, ok=False, now=now)
        if _register_failure(session, user, source_ip=source_ip, now=now, config=config, reason="bad_totp"):
            _commit_and_raise(session, _locked_error(user, now=now, config=config))
        _commit_and_raise(session, TotpInvalid(details={"totp_required": True}))
    user.totp_last_step = step


def _open(
    session: Session,
    user: User,
    *,
    password: str,
    source_ip: str | None,
    now: dt.datetime,
    config: AccountsConfig,
) -> LoginResult:
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    if password_hasher(config).check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password, config=config)
    _record_attempt(session, username=user.username, source_ip=source_ip, ok=True, now=now)
    grants = sessions.load_grants(session, user.id)
    roles = sessions.build_principal(user, grants).roles
    purpose = sessions.required_purpose(user, roles, now=now, config=config)
    token, row = sessions.open_session(
        session, user=user, purpose=purpose, now=now, config=config, source_ip=source_ip
    )
    record_event(
        session,
        action="auth.login",
        actor_id=user.id,
        actor_name=user.username,
        source_ip=source_ip,
        institution_code=user.institution_code,
        details={"session_id": row.id, "purpose": purpose},
    )
    principal = sessions.build_principal(user, grants, session_id=row.id, source_ip=source_ip)
    return LoginResult(
        token=token, session_id=row.id, expires_at=row.expires_at, purpose=purpose, principal=principal
    )


def logout(session: Session, *, principal: Principal, now: dt.datetime) -> None:
    """End the caller's session."""
    row = session.get(sessions.LoginSession, principal.session_id) if principal.session_id else None
    if row is not None and row.revoked_at is None:
        row.revoked_at, row.revoked_reason = now, "logout"
    record_event(
        session,
        action="auth.logout",
        actor_id=principal.actor_id,
        actor_name=principal.username,
        source_ip=principal.source_ip,
        resource=f"session:{principal.session_id}",
    )


def change_password(
    session: Session,
    *,
    principal: Principal,
    current_password: str,
    new_password: str,
    now: dt.datetime,
    config: AccountsConfig,
) -> str:
    """Change the caller's own password; other sessions end. Returns the session's new purpose."""
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound("账号不存在")
    if not verify_password(user.password_hash, current_password, config=config):
        locked = _register_failure(
            session,
            user,
            source_ip=principal.source_ip,
            now=now,
            config=config,
            reason="bad_current_password",
        )
        if locked:
            sessions.revoke_user_sessions(session, user.id, now=now, reason="lockout")
        _commit_and_raise(
            session, InvalidRequest("当前密码不正确", details={"rules": ["wrong_current_password"]})
        )
    check_new_password(session, user_id=user.id, username=user.username, password=new_password, config=config)
    set_password(session, user, new_password, now=now, config=config, must_change=False)
    user.failed_logins = 0
    sessions.revoke_user_sessions(
        session, user.id, now=now, reason="password_change", keep_session_id=principal.session_id
    )
    record_event(
        session,
        action="auth.password_change",
        actor_id=user.id,
        actor_name=user.username,
        source_ip=principal.source_ip,
        institution_code=user.institution_code,
    )
    return sessions.required_purpose(user, principal.roles, now=now, config=config)


def set_password(
    session: Session,
    user: User,
    password: str,
    *,
    now: dt.datetime,
    config: AccountsConfig,
    must_change: bool,
) -> None:
    """Store a new argon2id hash (and remember it for the reuse rule)."""
    user.password_hash = hash_password(password, config=config)
    user.password_changed_at = now
    user.must_change_password = must_change
    user.updated_at = now
    session.flush()  # the user row first: the history row refers to it
    session.add(
        PasswordHistory(
            id=sessions.new_id(), user_id=user.id, password_hash=user.password_hash, created_at=now
        )
    )


def start_totp_enrolment(session: Session, *, principal: Principal) -> str:
    """A new pending TOTP secret for the caller; returns its ``otpauth://`` URI."""
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound("账号不存在")
    if user.totp_enabled:
        raise Conflict("该账号已绑定动态口令；如需更换，请联系管理员重置")
    user.totp_secret = new_secret()
    return provisioning_uri(user.totp_secret, username=user.username)


def confirm_totp_enrolment(
    session: Session, *, principal: Principal, code: str, now: dt.datetime, config: AccountsConfig
) -> str:
    """Enable TOTP once the caller proves the authenticator works; returns the session's new purpose."""
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound("账号不存在")
    if user.totp_enabled:
        raise Conflict("该账号已绑定动态口令")
    if user.totp_secret is None:
        raise InvalidRequest("请先获取动态口令绑定二维码")
    step = matching_step(user.totp_secret, code, now=now, last_step=None)
    if step is None:
        raise InvalidRequest("动态口令验证码不正确，请核对手机时间后重试")
    user.totp_enabled, user.totp_last_step, user.updated_at = True, step, now
    record_event(
        session,
        action="auth.totp_enrol",
        actor_id=user.id,
        actor_name=user.username,
        source_ip=principal.source_ip,
        institution_code=user.institution_code,
    )
    return sessions.required_purpose(user, principal.roles, now=now, config=config)


def revoke_session(session: Session, *, principal: Principal, session_id: str, now: dt.datetime) -> None:
    """End one session: the caller's own, or (with ``accounts.manage``) one of a user in scope."""
    row = session.get(sessions.LoginSession, session_id)
    if row is None:
        raise NotFound("会话不存在")
    if row.user_id != principal.user_id:
        if not principal.has_permission("accounts.manage"):
            raise NotFound("会话不存在")
        repository.get_user(session, principal, row.user_id)  # NotFound outside the caller's scope
    if row.revoked_at is None:
        row.revoked_at, row.revoked_reason = now, "revoked"
    record_event(
        session,
        action="auth.session_revoke",
        actor_id=principal.actor_id,
        actor_name=principal.username,
        source_ip=principal.source_ip,
        resource=f"session:{session_id}",
    )
