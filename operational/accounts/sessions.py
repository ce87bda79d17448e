"""Login sessions: opaque random tokens stored as SM3 hashes, with idle and absolute expiry.

A session's effective purpose is recomputed on every request from the account's state, so a
password that expires, or a privileged role granted mid-session, restricts the session at once.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from operational.accounts.config import AccountsConfig, get_accounts_config, utc_now
from operational.accounts.models import LoginSession, RoleGrant, User
from operational.accounts.principal import Principal
from operational.accounts.roles import PRIVILEGED_ROLES, ROLES, permissions_of
from operational.security.crypto import sm3_hex

FULL = "full"
PASSWORD_CHANGE = "password_change"
TOTP_ENROL = "totp_enrol"


def new_id() -> str:
    """A new random row id (32 hex characters)."""
    return uuid.uuid4().hex


def hash_token(token: str) -> str:
    """SM3 of a session token; the token itself is 256 random bits, so no salt or slow hash is needed."""
    return sm3_hex(token.encode("utf-8"))


def load_grants(session: Session, user_id: str) -> list[RoleGrant]:
    """Every role grant of a user."""
    return list(session.scalars(select(RoleGrant).where(RoleGrant.user_id == user_id)))


def build_principal(
    user: User, grants: list[RoleGrant], *, session_id: str | None = None, source_ip: str | None = None
) -> Principal:
    """The principal of a staff member: union of their grants' permissions and institutions."""
    roles = frozenset(grant.role for grant in grants if grant.role in ROLES)
    district = any(ROLES[grant.role].scope == "district" for grant in grants if grant.role in ROLES)
    codes = None if district else frozenset(g.institution_code for g in grants if g.institution_code)
    departments = {grant.department_code for grant in grants if grant.department_code}
    return Principal(
        kind="staff",
        user_id=user.id,
        username=user.username,
        roles=roles,
        permissions=permissions_of(roles),
        institution_codes=codes,
        department_code=departments.pop() if len(departments) == 1 else None,
        session_id=session_id,
        source_ip=source_ip,
    )


def password_expired(user: User, *, now: dt.datetime, config: AccountsConfig) -> bool:
    """Whether the periodic forced change applies (only while the switch is on)."""
    if not config.password_expiry_enabled:
        return False
    return now >= user.password_changed_at + dt.timedelta(days=config.password_max_age_days)


def required_purpose(user: User, roles: frozenset[str], *, now: dt.datetime, config: AccountsConfig) -> str:
    """What a session of this user may do now: everything, or only change the password / enrol TOTP."""
    if user.must_change_password or password_expired(user, now=now, config=config):
        return PASSWORD_CHANGE
    if roles & PRIVILEGED_ROLES and not user.totp_enabled:
        return TOTP_ENROL
    return FULL


def open_session(
    session: Session,
    *,
    user: User,
    purpose: str,
    now: dt.datetime,
    config: AccountsConfig,
    source_ip: str | None,
) -> tuple[str, LoginSession]:
    """Create a session; returns the token (shown once to the client) and the stored row."""
    token = secrets.token_urlsafe(32)
    row = LoginSession(
        id=new_id(),
        user_id=user.id,
        token_hash=hash_token(token),
        purpose=purpose,
        source_ip=source_ip,
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(hours=config.session_absolute_hours),
    )
    session.add(row)
    session.flush()
    return token, row


def session_is_live(row: LoginSession, *, now: dt.datetime, config: AccountsConfig) -> bool:
    """Not revoked, not past its absolute expiry, and used within the idle lifetime."""
    if row.revoked_at is not None or now >= row.expires_at:
        return False
    return now < row.last_seen_at + dt.timedelta(minutes=config.session_minutes)


def resolve_session(
    session: Session, token: str, *, now: dt.datetime, config: AccountsConfig, source_ip: str | None
) -> tuple[Principal, str] | None:
    """The principal and effective purpose of a live session token (None if invalid); touches it."""
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == hash_token(token)))
    if row is None or not session_is_live(row, now=now, config=config):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    row.last_seen_at = now
    principal = build_principal(user, load_grants(session, user.id), session_id=row.id, source_ip=source_ip)
    return principal, required_purpose(user, principal.roles, now=now, config=config)


def authenticate_session_token(
    session: Session,
    token: str,
    *,
    now: dt.datetime | None = None,
    config: AccountsConfig | None = None,
    source_ip: str | None = None,
) -> Principal | None:
    """The principal of a live, unrestricted session token, else None (for Streamlit pages)."""
    resolved = resolve_session(
        session, token, now=now or utc_now(), config=config or get_accounts_config(), source_ip=source_ip
    )
    if resolved is None or resolved[1] != FULL:
        return None
    return resolved[0]


def revoke_user_sessions(
    session: Session, user_id: str, *, now: dt.datetime, reason: str, keep_session_id: str | None = None
) -> int:
    """Revoke every live session of a user (except ``keep_session_id``); returns how many."""
    stmt = (
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )
    if keep_session_id is not None:
        stmt = stmt.where(LoginSession.id != keep_session_id)
    result = session.execute(stmt.execution_options(synchronize_session="fetch"))
    return int(result.rowcount or 0)
