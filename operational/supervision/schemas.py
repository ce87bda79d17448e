"""Request and response shapes of the supervision API (descriptions are the OpenAPI text, in Chinese)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, Field

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _as_shanghai(value: dt.datetime) -> dt.datetime:
    """Warehouse timestamps are naive UTC; the API shows them with their offset, in Shanghai time."""
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(SHANGHAI)


ShanghaiDatetime = Annotated[dt.datetime, AfterValidator(_as_shanghai)]


class Grain(StrEnum):
    """统计粒度"""

    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"
    cumulative = "cumulative"


class HealthPublic(BaseModel):
    """服务存活状态"""

    status: str = Field(description="固定为 ok，表示服务进程在运行")
    version: str = Field(description="服务版本号")


class ReadyPublic(BaseModel):
    """服务就绪状态"""

    status: str = Field(description="ready 表示数据仓库可读")
    latest_period: dt.date | None = Field(description="数据仓库中最新的日数据日期")
    computed_at: ShanghaiDatetime | None = Field(description="数据仓库最近一次计算时间")


class IndicatorPublic(BaseModel):
    """指标目录中的一个指标"""

    code: str = Field(description="指标编码，与 indicators.yaml 一致")
    name_zh: str = Field(description="指标中文名称")
    name_en: str = Field(description="指标英文名称")
    area_code: str = Field(description="所属分析领域编码")
    area_name_zh: str = Field(description="所属分析领域名称")
    theme_code: str = Field(description="所属主题编码")
    theme_name_zh: str = Field(description="所属主题名称")
    shape: str = Field(description="展示形态：kpi、trend、ratio、ranking、breakdown、detail、list")
    unit: str = Field(description="计量单位编码")
    unit_zh: str = Field(description="计量单位中文")
    measure: str = Field(description="口径说明")
    grains: list[str] = Field(description="支持的统计粒度")
    dimensions: list[str] = Field(description="支持的维度；institution 表示分机构及全区")


class IndicatorValuePublic(BaseModel):
    """某一统计期的一条指标值"""

    period_start: dt.date = Field(description="统计期开始日期")
    institution_code: str | None = Field(description="机构编码；为空表示全区")
    dimension: str | None = Field(description="维度名称；为空表示合计")
    member: str | None = Field(description="维度取值")
    value: float = Field(description="指标值")
    numerator: float | None = Field(description="比率类指标的分子")
    denominator: float | None = Field(description="比率类指标的分母")
    computed_at: ShanghaiDatetime = Field(description="计算时间")


class IndicatorValuesPublic(BaseModel):
    """一个指标在一个粒度下的取值序列"""

    code: str = Field(description="指标编码")
    name_zh: str = Field(description="指标中文名称")
    unit_zh: str = Field(description="计量单位中文")
    grain: Grain = Field(description="统计粒度")
    items: list[IndicatorValuePublic] = Field(description="按统计期升序排列的取值")
