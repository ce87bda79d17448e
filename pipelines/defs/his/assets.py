"""Ingest assets for the four HIS vendors (A: HL7 v2.5, B: FHIR R4 bulk, C: GBK CSV, D: REST JSON)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.defs.ingest.factory import SourceSpec, build_ingest_assets
from pipelines.defs.ingest.raw_store import read_source_folder
from pipelines.institutions import institutions_of
from pipelines.sources import csv_gbk, fhir, hl7, rest_json
from pipelines.sources.schema import HIS_ENTITIES
from warehouse.paths import sources_dir


def _codes(source: str):
    return lambda: [i.code for i in institutions_of(source)]


def _from_folder(source: str):
    """Collect a file-based delivery: everything the vendor dropped for that institution and day."""

    def collect(context: dg.AssetExecutionContext, code: str | None, day: dt.date):
        return read_source_folder(sources_dir() / source / str(code) / day.isoformat())

    return collect


def _from_api(context: dg.AssetExecutionContext, code: str | None, day: dt.date):
    """Collect vendor D's changes of the day by paging its API with ``updated_since``."""
    return rest_json.fetch_pages(context.resources.his_d_api.client, institution_code=str(code), day=day)


HIS_SPECS = [
    SourceSpec(
        "his_a",
        "his",
        "HIS 厂商 A (HL7 v2.5 批量文件)",
        HIS_ENTITIES,
        _codes("his_a"),
        _from_folder("his_a"),
        hl7.parse_files,
    ),
    SourceSpec(
        "his_b",
        "his",
        "HIS 厂商 B (FHIR R4 批量导出)",
        HIS_ENTITIES,
        _codes("his_b"),
        _from_folder("his_b"),
        fhir.parse_files,
    ),
    SourceSpec(
        "his_c",
        "his",
        "HIS 厂商 C (GBK CSV 日报)",
        HIS_ENTITIES,
        _codes("his_c"),
        _from_folder("his_c"),
        csv_gbk.parse_files,
    ),
    SourceSpec(
        "his_d",
        "his",
        "HIS 厂商 D (分页 REST 接口)",
        HIS_ENTITIES,
        _codes("his_d"),
        _from_api,
        rest_json.parse_files,
        required_resource_keys=frozenset({"his_d_api"}),
    ),
]

his_assets = [asset for spec in HIS_SPECS for asset in build_ingest_assets(spec)]
