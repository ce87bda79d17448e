"""HTTP endpoints of the firewall: stored block events and counters (docstrings are the OpenAPI text)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from operational.accounts.dependencies import DbSession, Principal, require_permission
from operational.common.types import IsoDatetime
from operational.firewall import repository
from operational.firewall.events import firewall_stats
from operational.firewall.schemas import FirewallStatsPublic, SecurityEventPublic

router = APIRouter(prefix="/api/v1/security/firewall", tags=["安全防护"])

require_firewall_read = require_permission("firewall.read")
FirewallReader = Annotated[Principal, Depends(require_firewall_read)]


@router.get("/events", response_model=list[SecurityEventPublic], summary="拦截记录")
def list_security_events(
    session: DbSession,
    _reader: FirewallReader,
    limit: Annotated[int, Query(ge=1, le=1000, description="最多返回条数")] = 100,
    attack_type: Annotated[str | None, Query(max_length=32, description="按攻击类型筛选")] = None,
    source_ip: Annotated[str | None, Query(max_length=64, description="按来源 IP 筛选")] = None,
    since: Annotated[IsoDatetime | None, Query(description="只返回此时间之后的记录")] = None,
) -> list[SecurityEventPublic]:
    """Web 应用防火墙的拦截记录，最新的在前：来源 IP、攻击类型、请求路径、命中规则与请求编号。

    不含请求内容本身（载荷不落盘）；需要“查看防火墙与访问控制记录”（firewall.read）权限。
    """
    events = repository.list_events(
        session, limit=limit, attack_type=attack_type, source_ip=source_ip, since=since
    )
    return [SecurityEventPublic.model_validate(event) for event in events]


@router.get("/stats", response_model=FirewallStatsPublic, summary="拦截统计")
def read_firewall_stats(session: DbSession, _reader: FirewallReader) -> FirewallStatsPublic:
    """拦截统计：本服务进程的检查数、拦截数（按攻击类型、规则、来源 IP），以及数据库中所有进程的累计拦截数。

    需要“查看防火墙与访问控制记录”（firewall.read）权限。
    """
    return FirewallStatsPublic(
        **firewall_stats(), stored_by_attack_type=repository.count_by_attack_type(session)
    )
