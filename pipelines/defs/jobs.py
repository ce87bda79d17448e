"""Jobs: ingest every source for a day, and rebuild the warehouse."""

from __future__ import annotations

import dagster as dg

sources_ingest_job = dg.define_asset_job(
    "sources_ingest_job",
    selection=dg.AssetSelection.groups("his", "wechat"),
    description="收取并落地各机构 HIS 与健康静安数据（按日分区）",
)

warehouse_build_job = dg.define_asset_job(
    "warehouse_build_job",
    selection=dg.AssetSelection.groups("warehouse"),
    description="dbt 构建数据仓库与全部监管指标，并运行数据质量检查",
)
