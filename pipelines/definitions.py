"""The Dagster code location: every asset, check, job, schedule, sensor and resource of the platform."""

from __future__ import annotations

import os

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.his.assets import his_assets
from pipelines.defs.his.resources import HisDApiResource
from pipelines.defs.jobs import sources_ingest_job, warehouse_build_job
from pipelines.defs.quality.checks import quality_checks
from pipelines.defs.schedules import nightly_ingest_schedule
from pipelines.defs.sensors import new_source_files_sensor, rebuild_warehouse_after_ingest
from pipelines.defs.warehouse.assets import dbt_project, warehouse_dbt
from pipelines.defs.wechat.assets import wechat_assets

dbt_project.prepare_if_dev()

defs = dg.Definitions(
    assets=[*his_assets, *wechat_assets, warehouse_dbt],
    asset_checks=quality_checks,
    jobs=[sources_ingest_job, warehouse_build_job],
    schedules=[nightly_ingest_schedule],
    sensors=[new_source_files_sensor, rebuild_warehouse_after_ingest],
    resources={
        "dbt": DbtCliResource(project_dir=dbt_project),
        "his_d_api": HisDApiResource(base_url=os.environ.get("HIS_D_API_URL", "")),
    },
)
