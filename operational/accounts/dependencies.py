"""FastAPI dependencies: who is calling, and may they do this.

Credentials, in this order: ``X-API-Key`` (hospital systems), ``Authorization: Bearer <token>``
(staff through the API), the ``healthops_session`` cookie (pages). Use::

    @router.get("/things")
    def list_things(principal: Annotated[Principal, Depends(require_permission("things.read"))]): ...

or ``CurrentPrincipal`` when signing in is enough.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from operational.accounts.api_keys import authenticate_api_key
from operational.accounts.config import AccountsConfig, Clock, get_accounts_config, get_clock
from operational.accounts.errors import PasswordChangeRequired, TotpEnrolmentRequired
from operational.accounts.principal import Principal
from operational.accounts.roles import PERMISSIONS
from operational.accounts.sessions import FULL, PASSWORD_CHANGE, resolve_session
from operational.common.db import get_session
from operational.common.errors import PermissionDenied, Unauthorized

__all__ = [
    "AnySession",
    "Clock",
    "CurrentClock",
    "CurrentConfig",
    "CurrentPrincipal",
    "DbSession",
    "Principal",
    "require_permission",
    "require_principal",
    "require_session",
]

SESSION_COOKIE = "healthops_session"
API_KEY_HEADER = "x-api-key"

DbSession = Annotated[Session, Depends(get_session)]
CurrentClock = Annotated[Clock, Depends(get_clock)]
CurrentConfig = Annotated[AccountsConfig, Depends(get_accounts_config)]


def client_ip(request: Request) -> str | None:
    """The caller's address as the server sees it (TLS termination must pass the real peer)."""
    return request.client.host if request.client else None


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(SESSION_COOKIE) or None


def _authenticate(
    request: Request, session: Session, config: AccountsConfig, clock: Clock
) -> tuple[Principal, str]:
    source_ip = client_ip(request)
    api_key = request.headers.get(API_KEY_HEADER)
    if api_key:
        return authenticate_api_key(session, api_key, source_ip=source_ip, now=clock()), FULL
    token = _bearer_token(request)
    if token is None:
        raise Unauthorized()
    resolved = resolve_session(session, token, now=clock(), config=config, source_ip=source_ip)
    if resolved is None:
        raise Unauthorized("登录已失效或已退出，请重新登录")
    return resolved


def require_session(
    request: Request, session: DbSession, config: CurrentConfig, clock: CurrentClock
) -> Principal:
    """A signed-in staff member, even one whose session may only change the password or enrol TOTP."""
    principal, _ = _authenticate(request, session, config, clock)
    if principal.kind != "staff":
        raise PermissionDenied("该接口仅供工作人员登录后使用")
    return principal


def require_principal(
    request: Request, session: DbSession, config: CurrentConfig, clock: CurrentClock
) -> Principal:
    """The caller, fully signed in (a restricted session is refused with the step still to do)."""
    principal, purpose = _authenticate(request, session, config, clock)
    if purpose == PASSWORD_CHANGE:
        raise PasswordChangeRequired()
    if purpose != FULL:
        raise TotpEnrolmentRequired()
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
AnySession = Annotated[Principal, Depends(require_session)]


def require_permission(name: str) -> Callable[[Principal], Principal]:
    """A dependency yielding the caller if they hold permission ``name``, else 403."""

    def dependency(principal: CurrentPrincipal) -> Principal:
        if not principal.has_permission(name):
            label = PERMISSIONS.get(name, name)
            raise PermissionDenied(f"当前账号没有“{label}”（{name}）权限，请联系管理员授权")
        return principal

    dependency.__name__ = f"require_permission_{name.replace('.', '_')}"
    return dependency
