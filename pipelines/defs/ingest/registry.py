"""Source specs by name, for worker processes that land partitions in parallel."""

from functools import cache

from pipelines.defs.ingest.factory import SourceSpec


@cache
def spec_for(source: str) -> SourceSpec:
    from pipelines.defs.his.assets import HIS_SPECS
    from pipelines.defs.wechat.assets import WECHAT_SPEC

    return {spec.source: spec for spec in [*HIS_SPECS, WECHAT_SPEC]}[source]
