"""HTTP endpoints of the supervision domain (docstrings are the OpenAPI descriptions, in Chinese)."""

from __future__ import annotations

import datetime as dt
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from operational.accounts.dependencies import require_permission
from operational.accounts.principal import Principal
from operational.common.errors import error_doc
from operational.supervision import service
from operational.supervision.schemas import (
    Grain,
    HealthPublic,
    IndicatorPublic,
    IndicatorValuesPublic,
    ReadyPublic,
)
from warehouse.query import Scope

router = APIRouter(prefix="/api/v1")


IndicatorReader = Annotated[Principal, Depends(require_permission("indicators.read"))]


def get_scope(principal: IndicatorReader) -> Scope:
    """The warehouse scope of the caller: the whole district, or the institutions they are bound to."""
    if principal.institution_codes is None:
        return Scope.district()
    return Scope.institutions(principal.institution_codes)


CallerScope = Annotated[Scope, Depends(get_scope)]


def _package_version() -> str:
    try:
        return version("healthops")
    except PackageNotFoundError:
        return "0.0.0"


@router.get("/health", response_model=HealthPublic, tags=["运行状态"], summary="存活检查")
def read_health() -> HealthPublic:
    """服务进程存活即返回 ok，不检查任何依赖。"""
    return HealthPublic(status="ok", version=_package_version())


@router.get(
    "/ready",
    response_model=ReadyPublic,
    tags=["运行状态"],
    summary="就绪检查",
    responses={503: error_doc("数据仓库尚未生成或不可读")},
)
def read_ready() -> ReadyPublic:
    """数据仓库存在且可读时返回 ready 及数据最新日期；否则返回 503 及中文原因。无需登录。"""
    return service.check_ready(scope=Scope.district())


@router.get(
    "/indicators",
    response_model=list[IndicatorPublic],
    tags=["监管指标"],
    summary="指标目录",
    dependencies=[Depends(require_permission("indicators.read"))],
)
def list_indicators(
    area: Annotated[str | None, Query(description="只返回该分析领域的指标，如 PUB、ITS")] = None,
) -> list[IndicatorPublic]:
    """返回全部监管指标的编码、名称、单位、展示形态、支持的粒度与维度。"""
    return service.list_indicators(area=area)


@router.get(
    "/indicators/{code}/values",
    response_model=IndicatorValuesPublic,
    tags=["监管指标"],
    summary="指标取值",
    responses={
        403: error_doc("无权查看其他机构的数据"),
        404: error_doc("指标不存在"),
        422: error_doc("粒度、维度或日期不合法"),
        503: error_doc("数据仓库尚未生成"),
    },
)
def read_indicator_values(
    code: Annotated[str, Path(description="指标编码，如 ITS.PRE.appointments_today")],
    scope: CallerScope,
    grain: Annotated[Grain | None, Query(description="统计粒度；不填为该指标的首选粒度")] = None,
    start: Annotated[dt.date | None, Query(description="统计期开始日期下限（含）")] = None,
    end: Annotated[dt.date | None, Query(description="统计期开始日期上限（含）")] = None,
    institution_code: Annotated[
        str | None, Query(description="机构编码，如 JA01；不填为全区", pattern=r"^[A-Z]{2}\d{2}$")
    ] = None,
    dimension: Annotated[str | None, Query(description="维度名称，如 gender；不填为合计")] = None,
) -> IndicatorValuesPublic:
    """按粒度、日期区间、机构与维度读取数据仓库中已计算的指标值（大屏与报表使用同一口径）。"""
    return service.read_indicator_values(
        code=code,
        grain=grain,
        scope=scope,
        start=start,
        end=end,
        institution_code=institution_code,
        dimension=dimension,
    )
