"""Response bodies of the audit endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventPublic(BaseModel):
    """One audit entry as shown to auditors (with its chain hashes)."""

    model_config = ConfigDict(from_attributes=True)

    seq: int = Field(description="序号（连续递增）")
    occurred_at: dt.datetime = Field(description="发生时间（UTC）")
    actor_id: str | None = Field(description="操作人标识")
    actor_name: str | None = Field(description="操作人账号")
    source_ip: str | None = Field(description="来源地址")
    action: str = Field(description="操作类型，如 auth.login、patient.read")
    resource: str | None = Field(description="操作对象")
    institution_code: str | None = Field(description="涉及机构编码")
    result: str = Field(description="结果：success、failure 或 denied")
    request_id: str | None = Field(description="请求编号")
    details: dict[str, Any] | None = Field(description="补充信息")
    prev_hash: str = Field(description="前一条记录的 SM3 哈希")
    entry_hash: str = Field(description="本条记录的 SM3 哈希")


class AuditEventPage(BaseModel):
    """A page of entries, newest first."""

    items: list[AuditEventPublic]
    next_before_seq: int | None = Field(description="下一页请求的 before_seq 参数；为空表示没有更多记录")


class VerificationProblemPublic(BaseModel):
    """The first problem found."""

    model_config = ConfigDict(from_attributes=True)

    seq: int = Field(description="出现问题的记录序号")
    kind: str = Field(
        description="问题类型：tampered、deleted、reordered、bad-checkpoint-signature、truncated"
    )
    description: str = Field(description="问题说明")


class VerificationReportPublic(BaseModel):
    """The outcome of a verification run."""

    model_config = ConfigDict(from_attributes=True)

    ok: bool = Field(description="审计链是否完整")
    entries_checked: int = Field(description="已校验的记录数")
    checkpoints_checked: int = Field(description="已校验签名的检查点数")
    first_seq: int | None = Field(description="校验的第一条记录序号")
    last_seq: int | None = Field(description="校验的最后一条记录序号")
    seconds: float = Field(description="校验耗时（秒）")
    problem: VerificationProblemPublic | None = Field(description="发现的第一个问题；完整时为空")
