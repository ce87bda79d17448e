"""Signed-in callers for API tests: a real user with real role grants and a real session token."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from operational.accounts import sessions
from operational.accounts.config import AccountsConfig
from operational.accounts.models import RoleGrant, User
from operational.accounts.roles import PRIVILEGED_ROLES
from operational.accounts.service import set_password
from operational.accounts.totp import new_secret

PASSWORD = "Ward7&Lantern"
"""The password every user made here has."""
CHEAP_ARGON2 = AccountsConfig(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


def signed_in_token(session: Session, username: str, *grants: tuple[str, str | None]) -> str:
    """Like :func:`signed_in_headers`, but the bare session token (for Streamlit's session state)."""
    return signed_in_headers(session, username, *grants)["Authorization"].removeprefix("Bearer ")


def signed_in_headers(session: Session, username: str, *grants: tuple[str, str | None]) -> dict[str, str]:
    """Create ``username`` holding ``grants`` ((role, institution) pairs) and open a full session for them.

    The session is opened directly (as a completed login would), so tests of other domains need not
    go through password change and TOTP enrolment; those are the accounts tests' subject.
    """
    now = dt.datetime.now(dt.UTC)
    user = User(
        id=sessions.new_id(),
        username=username,
        is_active=True,
        failed_logins=0,
        totp_enabled=False,
        created_at=now,
    )
    if any(role in PRIVILEGED_ROLES for role, _ in grants):
        # Privileged roles must have a second factor; a completed login has passed it.
        user.totp_secret, user.totp_enabled = new_secret(), True
    session.add(user)
    set_password(session, user, PASSWORD, now=now, config=CHEAP_ARGON2, must_change=False)
    session.flush()
    for role, institution_code in grants:
        session.add(
            RoleGrant(
                id=sessions.new_id(),
                user_id=user.id,
                role=role,
                institution_code=institution_code,
                granted_at=now,
            )
        )
    token, _ = sessions.open_session(
        session, user=user, purpose=sessions.FULL, now=now, config=CHEAP_ARGON2, source_ip="127.0.0.1"
    )
    session.flush()
    return {"Authorization": f"Bearer {token}"}
