"""Sensors: start ingestion when a source delivers new files, and rebuild the warehouse after ingestion."""

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from pipelines.defs.ingest.raw_store import MANIFEST, raw_dir
from pipelines.defs.jobs import sources_ingest_job, warehouse_build_job
from pipelines.sources.schema import HIS_SOURCES
from warehouse.paths import sources_dir

MAX_RUNS_PER_TICK = 7


def _delivery_folders(root: Path) -> Iterator[tuple[str, str | None, str, list[Path]]]:
    """(source, institution, day, files) of every delivery the sources have dropped so far."""
    for source in HIS_SOURCES:
        for institution in sorted(p for p in (root / source).glob("*") if p.is_dir()):
            if source == "his_d":  # vendor D's change feed: one file per day, fetched through its API
                for feed in sorted(institution.glob("*.jsonl")):
                    yield source, institution.name, feed.stem, []
            else:
                for day in sorted(p for p in institution.iterdir() if p.is_dir()):
                    yield source, institution.name, day.name, sorted(day.iterdir())
    for day in sorted(p for p in (root / "wechat").glob("*") if p.is_dir()):
        yield "wechat", None, day.name, sorted(day.iterdir())


def _already_landed(source: str, institution: str | None, day: str, files: list[Path]) -> bool:
    """True when the raw landing holds exactly these files (names and sizes) for that partition."""
    manifest_path = raw_dir(source, institution, dt.date.fromisoformat(day)) / MANIFEST
    if not manifest_path.exists():
        return False
    if source == "his_d":
        return True
    landed = {(f["name"], f["bytes"]) for f in json.loads(manifest_path.read_text())["files"]}
    return landed == {(p.name, p.stat().st_size) for p in files}


def pending_days(root: Path | None = None) -> dict[str, str]:
    """Days with deliveries the raw landing does not hold yet (oldest first), each with a signature
    of what is waiting, so a run is requested once per distinct delivery."""
    root = root or sources_dir()
    waiting: dict[str, list[str]] = {}
    for source, inst, day, files in _delivery_folders(root):
        if not _already_landed(source, inst, day, files):
            sizes = ",".join(f"{p.name}:{p.stat().st_size}" for p in files)
            waiting.setdefault(day, []).append(f"{source}/{inst}/{sizes}")
    return {
        day: hashlib.sha1("|".join(sorted(parts)).encode()).hexdigest()[:16]
        for day, parts in sorted(waiting.items())
    }


@dg.sensor(job=sources_ingest_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def new_source_files_sensor(context: dg.SensorEvaluationContext):
    """Request an ingest run for every day whose delivery folder changed since it was landed."""
    waiting = pending_days()
    if not waiting:
        return dg.SkipReason("没有新的数据文件")
    return [
        dg.RunRequest(partition_key=day, run_key=f"files-{day}-{signature}")
        for day, signature in list(waiting.items())[:MAX_RUNS_PER_TICK]
    ]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[sources_ingest_job],
    request_job=warehouse_build_job,
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def rebuild_warehouse_after_ingest(context: dg.RunStatusSensorContext) -> dg.RunRequest:
    """Each successful ingestion rebuilds the warehouse so the screens show the new data."""
    return dg.RunRequest(run_key=f"after-{context.dagster_run.run_id}")
