"""The dbt project as Dagster assets: staging → intermediate → marts → indicators, tests as checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from pipelines.defs.warehouse.build_file import building_warehouse, dbt_environment
from warehouse.paths import dbt_project_dir

dbt_project = DbtProject(project_dir=dbt_project_dir(), profiles_dir=dbt_project_dir())


class WarehouseTranslator(DagsterDbtTranslator):
    """Asset keys ``[layer, folder…, model]`` (e.g. staging/his_a/stg_his_a__appointments)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)  # meta.dagster.asset_key: the landing assets
        return dg.AssetKey(dbt_resource_props["fqn"][1:])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"


@dbt_assets(
    manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=WarehouseTranslator()
)
def warehouse_dbt(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Run ``dbt build`` into a side file and swap it in only when every model and test passed."""
    os.environ.update(dbt_environment())  # same values every run; the dbt subprocess inherits them
    with building_warehouse():
        yield from dbt.cli(["build"], context=context).stream()
