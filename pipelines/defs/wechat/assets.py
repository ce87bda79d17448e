"""Ingest assets for the 健康静安 WeChat platform feed (users, app opens, module visits)."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from pipelines.defs.ingest.factory import SourceSpec, build_ingest_assets
from pipelines.defs.ingest.raw_store import read_source_folder
from pipelines.sources import wechat
from pipelines.sources.schema import WECHAT_ENTITIES
from warehouse.paths import sources_dir


def _collect(context: dg.AssetExecutionContext, code: str | None, day: dt.date):
    return read_source_folder(sources_dir() / "wechat" / day.isoformat())


WECHAT_SPEC = SourceSpec(
    "wechat", "wechat", "健康静安公众号数据", WECHAT_ENTITIES, lambda: [None], _collect, wechat.parse_files
)

wechat_assets = build_ingest_assets(WECHAT_SPEC)
