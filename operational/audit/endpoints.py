"""HTTP interface of the audit log: browse, export to the hospital's security platform, verify."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from operational.accounts.dependencies import require_permission
from operational.accounts.principal import Principal
from operational.audit import repository
from operational.audit.export import MEDIA_TYPES, ExportFormat, export_chunks
from operational.audit.repository import EventFilter
from operational.audit.schemas import AuditEventPage, AuditEventPublic, VerificationReportPublic
from operational.audit.service import MAX_PAGE_SIZE, list_events, record_event
from operational.audit.verify import verify_chain
from operational.common.db import get_session
from operational.common.types import IsoDatetime

router = APIRouter(prefix="/api/v1/audit", tags=["审计日志"])

DbSession = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(require_permission("audit.read"))]
Exporter = Annotated[Principal, Depends(require_permission("audit.export"))]


def event_filter(
    since: Annotated[IsoDatetime | None, Query(description="起始时间（含），ISO 8601")] = None,
    until: Annotated[IsoDatetime | None, Query(description="截止时间（不含），ISO 8601")] = None,
    actor: Annotated[str | None, Query(max_length=128, description="操作人标识或账号")] = None,
    action: Annotated[str | None, Query(max_length=64, description="操作类型，如 auth.login")] = None,
    institution_code: Annotated[str | None, Query(max_length=32, description="机构编码，如 JA01")] = None,
    result: Annotated[str | None, Query(max_length=32, description="结果：success、failure、denied")] = None,
) -> EventFilter:
    """The filters shared by browsing and export (the caller's scope is added by the endpoint)."""
    return EventFilter(
        since=since, until=until, actor=actor, action=action, institution_code=institution_code, result=result
    )


Filters = Annotated[EventFilter, Depends(event_filter)]


def _scoped(where: EventFilter, principal: Principal) -> EventFilter:
    return EventFilter(**{**where.__dict__, "institution_codes": principal.institution_codes})


def _filter_details(where: EventFilter) -> dict[str, Any]:
    return {key: value for key, value in where.__dict__.items() if value is not None}


def _record(session: Session, principal: Principal, action: str, details: dict[str, Any]) -> None:
    record_event(
        session,
        action=action,
        actor_id=principal.actor_id,
        actor_name=principal.username,
        source_ip=principal.source_ip,
        resource="audit_log",
        details=details,
    )


@router.get("/events", response_model=AuditEventPage, summary="查询审计记录")
def get_events(
    session: DbSession,
    principal: Reader,
    where: Filters,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="每页条数")] = 100,
    before_seq: Annotated[int | None, Query(ge=1, description="翻页：只返回序号小于该值的记录")] = None,
) -> AuditEventPage:
    """按时间、操作人、操作类型、机构和结果查询审计记录，按序号倒序分页。

    机构范围受限的账号只能看到本机构的记录。查询本身也会记入审计日志。
    """
    rows, next_before = list_events(
        session, where=_scoped(where, principal), limit=limit, before_seq=before_seq
    )
    _record(session, principal, "audit.read", {**_filter_details(where), "returned": len(rows)})
    return AuditEventPage(
        items=[AuditEventPublic.model_validate(row, from_attributes=True) for row in rows],
        next_before_seq=next_before,
    )


@router.get(
    "/export",
    summary="导出审计记录",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "审计记录文件（CSV 带 UTF-8 BOM；JSON 为数组）",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array"}},
            },
        }
    },
)
def export_events(
    session: DbSession,
    principal: Exporter,
    where: Filters,
    format: Annotated[ExportFormat, Query(description="导出格式：csv 或 json")] = "csv",
) -> StreamingResponse:
    """导出审计记录（CSV 或 JSON，流式输出），供医院安全平台接收。

    每条记录带有前一条与本条的 SM3 哈希，接收方可自行复核哈希链。CSV 带 UTF-8 BOM，可直接用
    Excel 打开。导出操作本身会记入审计日志；机构范围受限的账号只能导出本机构的记录。
    """
    _record(session, principal, "audit.export", {**_filter_details(where), "format": format})
    # Committed before any data leaves, and so the chain lock is not held while the export streams.
    session.commit()
    rows = repository.stream_filtered(session, _scoped(where, principal))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        export_chunks(rows, format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.{format}"'},
    )


@router.get("/verify", response_model=VerificationReportPublic, summary="校验审计日志")
def verify(
    session: DbSession,
    principal: Reader,
    since_seq: Annotated[int | None, Query(ge=1, description="只校验该序号及之后的记录")] = None,
) -> VerificationReportPublic:
    """校验审计日志的 SM3 哈希链与 SM2 签名检查点，返回是否完整以及发现的第一个问题。"""
    report = verify_chain(session, since_seq=since_seq)
    _record(session, principal, "audit.verify", {"ok": report.ok, "entries_checked": report.entries_checked})
    return VerificationReportPublic.model_validate(report, from_attributes=True)
