"""Administration of staff accounts and system accounts, always inside the caller's scope."""

from __future__ import annotations

import datetime as dt
import ipaddress

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from operational.accounts import repository, sessions
from operational.accounts.api_keys import generate_key
from operational.accounts.config import AccountsConfig
from operational.accounts.grants import check_grant, check_institution_code, check_manageable
from operational.accounts.models import ApiKey, RoleGrant, User
from operational.accounts.passwords import generate_temporary_password
from operational.accounts.principal import Principal
from operational.accounts.roles import ROLES, SYSTEM_PERMISSIONS
from operational.accounts.schemas import ApiKeyCreate, RoleGrantCreate, UserCreate, UserUpdate
from operational.accounts.service import normalize_username, set_password
from operational.audit.service import record_event
from operational.common.errors import Conflict, InvalidRequest, NotFound, PermissionDenied
from operational.security.fields import blind_index


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    *,
    resource: str,
    institution: str | None,
    **details: object,
) -> None:
    record_event(
        session,
        action=action,
        actor_id=principal.actor_id,
        actor_name=principal.username,
        source_ip=principal.source_ip,
        resource=resource,
        institution_code=institution,
        details=dict(details) or None,
    )


def managed_user(session: Session, principal: Principal, user_id: str) -> User:
    """A user the caller may modify: in scope (else 404) and holding nothing beyond the caller."""
    user = repository.get_user(session, principal, user_id)
    check_manageable(principal, grants=sessions.load_grants(session, user.id))
    return user


def read_user(session: Session, *, principal: Principal, user_id: str) -> User:
    """One user in scope, audited as a read of personal data (even masked)."""
    user = repository.get_user(session, principal, user_id)
    _audit(
        session,
        principal,
        "accounts.user_read",
        resource=f"user:{user.id}",
        institution=user.institution_code,
    )
    return user


def create_user(
    session: Session, *, principal: Principal, data: UserCreate, now: dt.datetime, config: AccountsConfig
) -> tuple[User, str]:
    """A new account with a temporary password (returned once; changed at first sign-in)."""
    if data.institution_code is not None:
        check_institution_code(data.institution_code)
    if not principal.covers_institution(data.institution_code):
        raise PermissionDenied("不能在本人数据范围以外的机构新建账号")
    username = normalize_username(data.username)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"登录名 {username} 已被使用")
    grants = [_resolved(grant, data.institution_code) for grant in data.roles]
    for grant in grants:
        check_grant(principal, role=grant.role, institution_code=grant.institution_code)
    user = User(
        id=sessions.new_id(),
        username=username,
        real_name=data.real_name,
        phone=data.phone,
        phone_index=blind_index(data.phone, kind="phone") if data.phone else None,
        institution_code=data.institution_code,
        department_code=data.department_code,
        is_active=True,
        failed_logins=0,
        totp_enabled=False,
        created_at=now,
        created_by=principal.actor_id,
    )
    session.add(user)
    temporary = generate_temporary_password()
    set_password(session, user, temporary, now=now, config=config, must_change=True)
    session.flush()
    for grant in grants:
        _add_grant(session, principal, user, grant, now=now)
    _audit(
        session,
        principal,
        "accounts.user_create",
        resource=f"user:{user.id}",
        institution=user.institution_code,
    )
    return user, temporary


def _resolved(grant: RoleGrantCreate, home: str | None) -> RoleGrantCreate:
    role = ROLES.get(grant.role)
    if role is not None and role.scope == "institution" and grant.institution_code is None:
        return grant.model_copy(update={"institution_code": home})
    return grant


def _add_grant(
    session: Session, principal: Principal, user: User, grant: RoleGrantCreate, *, now: dt.datetime
) -> None:
    exists = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user.id,
            RoleGrant.role == grant.role,
            RoleGrant.institution_code.is_(None)
            if grant.institution_code is None
            else RoleGrant.institution_code == grant.institution_code,
        )
    )
    if exists is not None:
        raise Conflict(f"该账号已持有角色“{grant.role}”")
    session.add(
        RoleGrant(
            id=sessions.new_id(),
            user_id=user.id,
            role=grant.role,
            institution_code=grant.institution_code,
            department_code=grant.department_code,
            granted_by=principal.actor_id,
            granted_at=now,
        )
    )
    session.flush()
    _audit(
        session,
        principal,
        "accounts.role_grant",
        resource=f"user:{user.id}",
        institution=grant.institution_code,
        role=grant.role,
    )


def update_user(
    session: Session, *, principal: Principal, user_id: str, data: UserUpdate, now: dt.datetime
) -> User:
    """Change name, phone, department or active flag; disabling ends every session of the user."""
    user = managed_user(session, principal, user_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("is_active") is False and user.id == principal.user_id:
        raise InvalidRequest("不能停用自己的账号")
    if "real_name" in changes and data.real_name is not None:
        user.real_name = data.real_name
    if "phone" in changes:
        user.phone = data.phone
        user.phone_index = blind_index(data.phone, kind="phone") if data.phone else None
    if "department_code" in changes:
        user.department_code = data.department_code
    if "is_active" in changes and data.is_active is not None and data.is_active != user.is_active:
        user.is_active = data.is_active
        if not data.is_active:
            sessions.revoke_user_sessions(session, user.id, now=now, reason="disabled")
            _audit(
                session,
                principal,
                "accounts.user_disable",
                resource=f"user:{user.id}",
                institution=user.institution_code,
            )
    user.updated_at = now
    _audit(
        session,
        principal,
        "accounts.user_update",
        resource=f"user:{user.id}",
        institution=user.institution_code,
        fields=sorted(changes),
    )
    return user


def grant_role(
    session: Session, *, principal: Principal, user_id: str, grant: RoleGrantCreate, now: dt.datetime
) -> User:
    """Grant a role to a user in scope, under the grant rules."""
    user = managed_user(session, principal, user_id)
    grant = _resolved(grant, user.institution_code)
    check_grant(principal, role=grant.role, institution_code=grant.institution_code)
    _add_grant(session, principal, user, grant, now=now)
    return user


def revoke_role(
    session: Session, *, principal: Principal, user_id: str, role: str, institution_code: str | None
) -> None:
    """Take back a role (at one institution, or every institution in the caller's scope)."""
    user = managed_user(session, principal, user_id)
    grants = [g for g in sessions.load_grants(session, user.id) if g.role == role]
    if institution_code is not None:
        grants = [g for g in grants if g.institution_code == institution_code]
    if not grants:
        raise NotFound(f"该账号未持有角色“{role}”")
    for grant in grants:
        check_grant(principal, role=grant.role, institution_code=grant.institution_code)
    session.execute(delete(RoleGrant).where(RoleGrant.id.in_([g.id for g in grants])))
    for grant in grants:
        _audit(
            session,
            principal,
            "accounts.role_revoke",
            resource=f"user:{user.id}",
            institution=grant.institution_code,
            role=grant.role,
        )


def reset_password(
    session: Session, *, principal: Principal, user_id: str, now: dt.datetime, config: AccountsConfig
) -> str:
    """A new temporary password (changed at next sign-in); every session of the user ends."""
    user = managed_user(session, principal, user_id)
    temporary = generate_temporary_password()
    set_password(session, user, temporary, now=now, config=config, must_change=True)
    user.failed_logins, user.locked_until = 0, None
    sessions.revoke_user_sessions(session, user.id, now=now, reason="password_reset")
    _audit(
        session,
        principal,
        "accounts.password_reset",
        resource=f"user:{user.id}",
        institution=user.institution_code,
    )
    return temporary


def unlock_user(session: Session, *, principal: Principal, user_id: str, now: dt.datetime) -> User:
    """Lift a lockout before its cool-down ends."""
    user = managed_user(session, principal, user_id)
    user.failed_logins, user.locked_until, user.updated_at = 0, None, now
    _audit(
        session,
        principal,
        "accounts.user_unlock",
        resource=f"user:{user.id}",
        institution=user.institution_code,
    )
    return user


def revoke_sessions_of(session: Session, *, principal: Principal, user_id: str, now: dt.datetime) -> int:
    """End every session of a user in scope; returns how many."""
    user = managed_user(session, principal, user_id)
    count = sessions.revoke_user_sessions(session, user.id, now=now, reason="revoked")
    _audit(
        session,
        principal,
        "auth.session_revoke",
        resource=f"user:{user.id}",
        institution=user.institution_code,
        count=count,
    )
    return count


def create_api_key(
    session: Session, *, principal: Principal, data: ApiKeyCreate, now: dt.datetime
) -> tuple[ApiKey, str]:
    """A system account bound to one institution; the key is returned once and stored hashed."""
    check_institution_code(data.institution_code)
    if not principal.covers_institution(data.institution_code):
        raise PermissionDenied("不能为本人数据范围以外的机构创建系统账号")
    requested = set(data.permissions)
    unknown = sorted(requested - SYSTEM_PERMISSIONS)
    if unknown:
        raise InvalidRequest(f"系统账号不能持有以下权限：{'、'.join(unknown)}")
    missing = sorted(requested - principal.permissions)
    if missing:
        raise PermissionDenied(f"不能授予超出本人权限的权限：{'、'.join(missing)}")
    networks = []
    for cidr in data.ip_allowlist:
        try:
            networks.append(str(ipaddress.ip_network(cidr.strip(), strict=False)))
        except ValueError:
            raise InvalidRequest(f"白名单地址格式不正确：{cidr}") from None
    expires_at = data.expires_at or now + dt.timedelta(days=365)
    if expires_at <= now:
        raise InvalidRequest("过期时间须晚于当前时间")
    prefix, key = generate_key()
    row = ApiKey(
        id=sessions.new_id(),
        name=data.name,
        prefix=prefix,
        secret_hash=sessions.hash_token(key),
        institution_code=data.institution_code,
        permissions=sorted(requested),
        ip_allowlist=networks,
        rate_limit_per_minute=data.rate_limit_per_minute,
        expires_at=expires_at,
        created_by=principal.actor_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    _audit(
        session,
        principal,
        "accounts.api_key_create",
        resource=f"api_key:{row.id}",
        institution=row.institution_code,
    )
    return row, key


def revoke_api_key(session: Session, *, principal: Principal, key_id: str, now: dt.datetime) -> ApiKey:
    """Revoke a key in scope (404 outside it); it stops working at once."""
    row = repository.get_api_key(session, principal, key_id)
    if row.revoked_at is None:
        row.revoked_at = now
    _audit(
        session,
        principal,
        "accounts.api_key_revoke",
        resource=f"api_key:{row.id}",
        institution=row.institution_code,
    )
    return row
