"""Response shapes of the firewall endpoints."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class SecurityEventPublic(BaseModel):
    """One refused request, as stored."""

    model_config = ConfigDict(from_attributes=True)

    security_event_id: int
    occurred_at: dt.datetime
    source_ip: str = Field(description="来源 IP")
    attack_type: str = Field(description="攻击类型：sqli、xss、traversal、cmdi、scanner、rate_limit、ban…")
    rule_id: str = Field(description="命中的规则编号")
    endpoint_rule: str = Field(description="适用的接口策略")
    method: str
    url_path: str = Field(description="请求路径（不含查询参数，长数字已脱敏）")
    location: str = Field(description="命中位置，如 query:q、body:name、header:user-agent")
    status_code: int
    request_id: str | None


class FirewallStatsPublic(BaseModel):
    """Counters of the answering worker plus totals from the database (all workers)."""

    inspected: int = Field(description="本进程检查过的请求数")
    blocked: int = Field(description="本进程拦截的请求数")
    by_attack_type: dict[str, int]
    by_rule: dict[str, int]
    top_ips: dict[str, int]
    persisted: int
    persist_failures: int
    dropped: int
    stored_by_attack_type: dict[str, int] = Field(description="数据库中（所有进程）按攻击类型统计的拦截数")
