"""The first account: a 超级管理员 with a one-time password, changed at first sign-in."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from operational.accounts import sessions
from operational.accounts.config import AccountsConfig, get_accounts_config, utc_now
from operational.accounts.models import RoleGrant, User
from operational.accounts.passwords import generate_temporary_password
from operational.accounts.roles import SUPER_ADMIN
from operational.accounts.service import normalize_username, set_password
from operational.audit.service import record_event
from operational.common.errors import Conflict
from warehouse.paths import keys_dir

logger = logging.getLogger(__name__)


def create_super_admin(
    session: Session, *, username: str, config: AccountsConfig | None = None, actor: str = "system:bootstrap"
) -> tuple[User, str]:
    """Create a 超级管理员 ``username`` with a random temporary password; returns both (shown once)."""
    config = config or get_accounts_config()
    now = utc_now()
    name = normalize_username(username)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(f"登录名 {name} 已被使用")
    user = User(
        id=sessions.new_id(),
        username=name,
        is_active=True,
        failed_logins=0,
        totp_enabled=False,
        created_at=now,
        created_by=actor,
    )
    session.add(user)
    password = generate_temporary_password()
    set_password(session, user, password, now=now, config=config, must_change=True)
    session.flush()
    session.add(
        RoleGrant(id=sessions.new_id(), user_id=user.id, role=SUPER_ADMIN, granted_by=actor, granted_at=now)
    )
    record_event(session, action="accounts.user_create", actor_id=actor, resource=f"user:{user.id}")
    return user, password


def ensure_bootstrap_admin(session: Session, *, directory: Path | None = None) -> Path | None:
    """Create ``admin`` when no account exists; its password goes to ``var/keys/initial-admin-password``.

    The file is written with mode 0600 and only its path is logged. Returns the path, or None when
    accounts already exist. The caller commits.
    """
    if session.scalar(select(func.count()).select_from(User)):
        return None
    _, password = create_super_admin(session, username="admin")
    directory = directory or keys_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / "initial-admin-password"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(password + "\n")
    path.chmod(0o600)
    logger.warning("created the first account 'admin'; its one-time password is in %s", path)
    return path
