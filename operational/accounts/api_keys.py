"""System accounts for hospital systems: API keys shown once, stored as SM3 hashes.

A key reads ``hok_<prefix>_<secret>``: the prefix (public) identifies the key in lists and logs, the
secret (256 random bits) proves possession. Each key is bound to one institution, a subset of its
creator's permissions, an IP allowlist and a per-minute rate limit.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import math
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.accounts.models import ApiKey
from operational.accounts.principal import Principal
from operational.accounts.ratelimit import api_key_limiter
from operational.accounts.sessions import hash_token
from operational.common.errors import PermissionDenied, TooManyRequests, Unauthorized

KEY_PREFIX = "hok_"
INVALID_KEY_MESSAGE = "API 密钥无效、已吊销或已过期"


def generate_key() -> tuple[str, str]:
    """A new key: ``(prefix, full key)``."""
    prefix = secrets.token_hex(6)
    return prefix, f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"


def _prefix_of(key: str) -> str | None:
    if not key.startswith(KEY_PREFIX):
        return None
    prefix, sep, secret = key[len(KEY_PREFIX) :].partition("_")
    return prefix if sep and secret and len(prefix) == 12 else None


def ip_allowed(source_ip: str | None, allowlist: list[str]) -> bool:
    """Whether ``source_ip`` falls in one of the CIDRs (an empty list allows nobody)."""
    if not source_ip:
        return False
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in allowlist)


def authenticate_api_key(session: Session, key: str, *, source_ip: str | None, now: dt.datetime) -> Principal:
    """The system principal of a valid key, after the allowlist and rate-limit checks.

    Raises
    ------
    Unauthorized
        Unknown, revoked or expired key.
    PermissionDenied
        The caller's address is not on the key's allowlist.
    TooManyRequests
        The key exceeded its per-minute limit (``Retry-After`` set).
    """
    prefix = _prefix_of(key)
    row = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix)) if prefix else None
    if row is None or not hmac.compare_digest(row.secret_hash, hash_token(key)):
        raise Unauthorized(INVALID_KEY_MESSAGE)
    if row.revoked_at is not None or (row.expires_at is not None and now >= row.expires_at):
        raise Unauthorized(INVALID_KEY_MESSAGE)
    if not ip_allowed(source_ip, row.ip_allowlist):
        raise PermissionDenied("来源地址不在该 API 密钥的访问白名单内")
    wait = api_key_limiter.acquire(row.id, per_minute=row.rate_limit_per_minute, now=now)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise TooManyRequests(
            f"该 API 密钥请求过于频繁（每分钟上限 {row.rate_limit_per_minute} 次），请 {seconds} 秒后重试",
            headers={"Retry-After": str(seconds)},
        )
    row.last_used_at = now
    return Principal(
        kind="system",
        user_id=None,
        username=f"apikey:{row.prefix}",
        roles=frozenset(),
        permissions=frozenset(row.permissions),
        institution_codes=frozenset({row.institution_code}),
        api_key_id=row.id,
        source_ip=source_ip,
    )
