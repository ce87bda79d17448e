"""Queries of the accounts tables, each scoped to the caller's institutions (``scope.py``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.accounts.models import ApiKey, LoginSession, RoleGrant, User
from operational.accounts.principal import Principal
from operational.accounts.scope import apply_institution_scope
from operational.common.errors import NotFound

USER_NOT_FOUND = "账号不存在或不在您的管理范围内"
API_KEY_NOT_FOUND = "API 密钥不存在或不在您的管理范围内"


def list_users(session: Session, principal: Principal, *, limit: int, offset: int) -> Sequence[User]:
    """Users whose home institution is in scope, by username."""
    stmt = select(User).order_by(User.username).limit(limit).offset(offset)
    return session.scalars(apply_institution_scope(stmt, principal, User.institution_code)).all()


def get_user(session: Session, principal: Principal, user_id: str) -> User:
    """One user in scope, else ``NotFound`` (also when it exists elsewhere)."""
    stmt = apply_institution_scope(select(User).where(User.id == user_id), principal, User.institution_code)
    user = session.scalar(stmt)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return user


def grants_by_user(session: Session, user_ids: Sequence[str]) -> dict[str, list[RoleGrant]]:
    """The role grants of several users (users already scoped by the caller)."""
    result: dict[str, list[RoleGrant]] = {user_id: [] for user_id in user_ids}
    if user_ids:
        stmt = select(RoleGrant).where(RoleGrant.user_id.in_(user_ids)).order_by(RoleGrant.granted_at)
        for grant in session.scalars(stmt):
            result[grant.user_id].append(grant)
    return result


def list_api_keys(session: Session, principal: Principal) -> Sequence[ApiKey]:
    """API keys of institutions in scope, newest first."""
    stmt = select(ApiKey).order_by(ApiKey.created_at.desc())
    return session.scalars(apply_institution_scope(stmt, principal, ApiKey.institution_code)).all()


def get_api_key(session: Session, principal: Principal, key_id: str) -> ApiKey:
    """One API key in scope, else ``NotFound``."""
    stmt = apply_institution_scope(
        select(ApiKey).where(ApiKey.id == key_id), principal, ApiKey.institution_code
    )
    key = session.scalar(stmt)
    if key is None:
        raise NotFound(API_KEY_NOT_FOUND)
    return key


def list_sessions_of(session: Session, user_id: str) -> Sequence[LoginSession]:
    """Sessions of one user that are not revoked, newest first."""
    stmt = (
        select(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .order_by(LoginSession.created_at.desc())
    )
    return session.scalars(stmt).all()
