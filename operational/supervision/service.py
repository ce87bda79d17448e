"""Supervision services: indicator catalog and values, read through the warehouse query layer.

Services take keyword-only arguments and raise domain errors with Chinese messages; warehouse
exceptions are translated here so endpoints stay thin.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from operational.common.errors import InvalidRequest, NotFound, PermissionDenied, ServiceUnavailable
from operational.supervision.schemas import (
    Grain,
    IndicatorPublic,
    IndicatorValuePublic,
    IndicatorValuesPublic,
    ReadyPublic,
)
from warehouse import query
from warehouse.catalog import Indicator, load_catalog
from warehouse.connection import WarehouseUnavailable
from warehouse.query import OutOfScope, Scope


def _public(indicator: Indicator) -> IndicatorPublic:
    return IndicatorPublic(
        code=indicator.code,
        name_zh=indicator.name_zh,
        name_en=indicator.name_en,
        area_code=indicator.area_code,
        area_name_zh=indicator.area_name_zh,
        theme_code=indicator.theme_code,
        theme_name_zh=indicator.theme_name_zh,
        shape=indicator.shape,
        unit=indicator.unit,
        unit_zh=indicator.unit_zh,
        measure=indicator.measure,
        grains=list(indicator.grains),
        dimensions=list(indicator.dimensions),
    )


def list_indicators(*, area: str | None = None) -> list[IndicatorPublic]:
    """Every catalog indicator, optionally of one area (PUB, ITS, …), in catalog order."""
    return [_public(i) for i in load_catalog().indicators if area is None or i.area_code == area]


def get_indicator(*, code: str) -> Indicator:
    """The catalog entry of a code; ``NotFound`` (Chinese) for an unknown code."""
    indicator = load_catalog().find(code)
    if indicator is None:
        raise NotFound(f"指标 {code} 不存在")
    return indicator


def _clean(value: Any) -> Any:
    """Missing numbers from pandas (NaN/NaT) as None, timestamps as plain datetimes."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "to_pydatetime"):
        return None if str(value) == "NaT" else value.to_pydatetime()
    return value


def read_indicator_values(
    *,
    code: str,
    grain: Grain | None,
    scope: Scope,
    start: dt.date | None = None,
    end: dt.date | None = None,
    institution_code: str | None = None,
    dimension: str | None = None,
) -> IndicatorValuesPublic:
    """Stored values of one indicator at one grain (district rows unless ``institution_code``).

    Without a grain, the indicator's first catalog grain (its natural one) is used.
    """
    indicator = get_indicator(code=code)
    grain = grain or Grain(indicator.grains[0])
    if grain.value not in indicator.grains:
        allowed = "、".join(indicator.grains)
        raise InvalidRequest(f"指标 {code} 不支持粒度 {grain.value}，可选：{allowed}")
    if institution_code is not None and not indicator.per_institution:
        raise InvalidRequest(f"指标 {code} 仅有全区数据，不分机构")
    if dimension is not None and dimension not in indicator.breakdown_dimensions:
        raise InvalidRequest(f"指标 {code} 不支持维度 {dimension}")
    if start and end and start > end:
        raise InvalidRequest("开始日期不能晚于结束日期")
    try:
        frame = query.read_values(
            code,
            grain.value,
            scope=scope,
            institution_code=institution_code,
            dimension=dimension,
            start=start,
            end=end,
        )
    except OutOfScope as exc:
        raise PermissionDenied(exc.message_zh) from exc
    except WarehouseUnavailable as exc:
        raise ServiceUnavailable(exc.message_zh) from exc
    items = [
        IndicatorValuePublic(**{key: _clean(value) for key, value in row.items()})
        for row in frame.to_dict(orient="records")
    ]
    return IndicatorValuesPublic(
        code=code, name_zh=indicator.name_zh, unit_zh=indicator.unit_zh, grain=grain, items=items
    )


def check_ready(*, scope: Scope) -> ReadyPublic:
    """Whether the warehouse can be read; ``ServiceUnavailable`` (Chinese) when it cannot."""
    try:
        freshness = query.data_freshness(scope=scope)
    except WarehouseUnavailable as exc:
        raise ServiceUnavailable(exc.message_zh) from exc
    return ReadyPublic(
        status="ready", latest_period=freshness.latest_period, computed_at=freshness.computed_at
    )
