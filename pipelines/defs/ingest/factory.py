"""One factory that turns a source description into its raw and landing assets.

Every source goes through the same two steps per daily partition and per institution: keep the
original bytes (``raw``), then parse, pseudonymize and land them as Parquet (``landing``) with
bad records quarantined. A failure in one institution's data never stops the others.
"""

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import dagster as dg
import polars as pl

from pipelines.defs.ingest.raw_store import read_raw, store_raw
from pipelines.defs.partitions import daily_partitions, partition_days
from pipelines.sources.landing import ParseResult, write_result

Files = list[tuple[str, bytes]]


@dataclass(frozen=True)
class SourceSpec:
    """Everything the factory needs to know about one source."""

    source: str  # his_a … his_d, wechat
    group: str  # Dagster group (domain)
    title: str  # Chinese name for descriptions, e.g. "HIS 厂商 A (HL7 v2.5)"
    entities: dict[str, dict[str, pl.DataType]]
    institution_codes: Callable[[], Sequence[str | None]]  # [None] for district-wide feeds
    collect: Callable[[dg.AssetExecutionContext, str | None, dt.date], Files]
    parse: Callable[..., ParseResult]  # parse(files, *, institution_code, day)
    required_resource_keys: frozenset[str] = frozenset()


def _safe_parse(
    spec: SourceSpec, files: Iterable[tuple[str, bytes]], code: str | None, day: dt.date
) -> ParseResult:
    files = list(files)
    try:
        return spec.parse(files, institution_code=code, day=day)
    except Exception as exc:  # noqa: BLE001 - an adapter bug on one institution's data must not stop the other 25
        result = ParseResult()
        for position, (name, content) in enumerate(files):
            result.quarantine(
                source_file=name,
                source_position=position,
                entity="unknown",
                reason=f"解析器异常，整个文件未入库: {type(exc).__name__}: {exc}",
                raw=content[:200].decode("utf-8", errors="replace"),
            )
        return result


# Below this many institution-days, starting worker processes costs more than it saves.
PARALLEL_THRESHOLD = 40


def land_partition(source: str, code: str | None, day: dt.date) -> dict[str, int]:
    """Parse one institution-day from the raw landing and write its Parquet; return row counts."""
    from pipelines.defs.ingest.registry import spec_for

    spec = spec_for(source)
    result = _safe_parse(spec, read_raw(source, code, day), code, day)
    return write_result(result, source=source, institution_code=code, day=day, schemas=spec.entities)


def land_partitions(source: str, work: list[tuple[str | None, dt.date]]) -> list[dict[str, int]]:
    """Land every (institution, day) of ``work``, on all cores when there is enough of it."""
    workers = min(os.cpu_count() or 1, 4)
    if len(work) < PARALLEL_THRESHOLD or workers < 2:
        return [land_partition(source, code, day) for code, day in work]
    # spawn, not fork: the Dagster process runs threads that a forked child must not inherit.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(land_partition, [source] * len(work), *zip(*work), chunksize=4))


def build_ingest_assets(spec: SourceSpec) -> list[dg.AssetsDefinition]:
    """The raw asset and the landing multi-asset of one source."""
    raw_key = dg.AssetKey(["raw", spec.source, "files"])

    @dg.asset(
        key=raw_key,
        group_name=spec.group,
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        required_resource_keys=set(spec.required_resource_keys),
        kinds={"python", "sm4"},
        description=f"{spec.title}: the original bytes as delivered, SM4-GCM encrypted, with SM3 digests.",
    )
    def raw_files(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        file_count = byte_count = 0
        for day in partition_days(context):
            for code in spec.institution_codes():
                manifest = store_raw(spec.source, code, day, spec.collect(context, code, day))
                file_count += len(manifest["files"])
                byte_count += sum(f["bytes"] for f in manifest["files"])
        return dg.MaterializeResult(metadata={"files": file_count, "bytes": byte_count})

    landing_specs = [
        dg.AssetSpec(
            ["landing", spec.source, entity],
            deps=[raw_key],
            group_name=spec.group,
            kinds={"parquet"},
            description=f"{spec.title}: {entity}, parsed, pseudonymized (HMAC-SM3 patient key, masked fields).",
        )
        for entity in spec.entities
    ]
    quarantine_key = dg.AssetKey(["quarantine", spec.source, "records"])
    landing_specs.append(
        dg.AssetSpec(
            quarantine_key,
            deps=[raw_key],
            group_name=spec.group,
            kinds={"parquet"},
            description=f"{spec.title}: records that could not be landed, with file, position and reason.",
        )
    )

    @dg.multi_asset(
        name=f"landing_{spec.source}",
        specs=landing_specs,
        partitions_def=daily_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def landing(context: dg.AssetExecutionContext):
        totals = dict.fromkeys(spec.entities, 0) | {"quarantined": 0}
        per_institution: dict[str, int] = {}
        work = [(code, day) for day in partition_days(context) for code in spec.institution_codes()]
        for (code, _), counts in zip(work, land_partitions(spec.source, work)):
            for name, count in counts.items():
                totals[name] += count
            if counts["quarantined"]:
                per_institution[code or "district"] = (
                    per_institution.get(code or "district", 0) + counts["quarantined"]
                )
        for entity in spec.entities:
            yield dg.MaterializeResult(
                asset_key=["landing", spec.source, entity], metadata={"rows": totals[entity]}
            )
        yield dg.MaterializeResult(
            asset_key=quarantine_key,
            metadata={
                "rows": totals["quarantined"],
                "by_institution": dg.MetadataValue.json(per_institution),
            },
        )

    return [raw_files, landing]
