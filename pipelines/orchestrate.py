"""What `healthops pipeline` does: prepare dbt, ingest every delivered day, build the warehouse.

Runs go through the Dagster instance under DAGSTER_HOME, so they appear in the Dagster UI's run
history exactly as scheduled runs do.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.paths import REPO_ROOT, dagster_home, dbt_project_dir, sources_dir

# Runs print only warnings to the console; everything is in the Dagster UI's run logs.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}

# The public tags Dagster puts on a single-run backfill of a partition range.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def ensure_dagster_home() -> Path:
    """Create DAGSTER_HOME with the repository's dagster.yaml and export it for Dagster."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def _newest_mtime(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)


def ensure_dbt_manifest() -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file."""
    project = dbt_project_dir()
    manifest = project / "target" / "manifest.json"
    inputs = [project / "dbt_project.yml", project / "profiles.yml"]
    newest = max(
        [_newest_mtime(project / d) for d in ("models", "macros", "seeds", "tests")]
        + [p.stat().st_mtime for p in inputs if p.exists()]
    )
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        from dbt.cli.main import dbtRunner

        from pipelines.defs.warehouse.build_file import dbt_environment

        os.environ.update(dbt_environment())
        result = dbtRunner().invoke(
            ["parse", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet"]
        )
        if not result.success:
            raise RuntimeError(f"dbt parse failed: {result.exception}")
    return manifest


def delivered_days() -> list[dt.date]:
    """Every day for which some source has delivered something, oldest first."""
    days: set[str] = set()
    root = sources_dir()
    for folder in root.glob("*/*/*"):
        if folder.is_dir():
            days.add(folder.name)
    for path in list(root.glob("his_d/*/*.jsonl")) + [p for p in root.glob("wechat/*") if p.is_dir()]:
        days.add(path.stem if path.is_file() else path.name)
    parsed = []
    for day in days:
        try:
            parsed.append(dt.date.fromisoformat(day))
        except ValueError:
            continue
    return sorted(parsed)


@dataclass
class StepOutcome:
    name: str
    success: bool
    seconds: float
    metadata: dict[str, dict] = field(default_factory=dict)  # asset key -> metadata
    failed_checks: list[str] = field(default_factory=list)
    passed_checks: int = 0
    error: str | None = None


@dataclass
class PipelineSummary:
    days: list[dt.date]
    steps: list[StepOutcome]

    @property
    def success(self) -> bool:
        return all(step.success for step in self.steps)


def _outcome(name: str, result, started: float) -> StepOutcome:
    outcome = StepOutcome(name=name, success=result.success, seconds=time.monotonic() - started)
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            outcome.metadata["/".join(mat.asset_key.path)] = {k: v.value for k, v in mat.metadata.items()}
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if evaluation.passed:
                outcome.passed_checks += 1
            else:
                label = f"{'/'.join(evaluation.asset_key.path)}:{evaluation.check_name} ({evaluation.severity.value})"
                outcome.failed_checks.append(label)
                if evaluation.severity.value == "ERROR":
                    outcome.success = False
        elif event.event_type_value == "STEP_FAILURE":
            outcome.error = str(
                event.event_specific_data.error.message if event.event_specific_data else event.message
            )
    return outcome


def run_pipeline(
    *, partition: dt.date | None = None, on_step: Callable[[str], None] | None = None
) -> PipelineSummary:
    """Materialize every asset once: ingest ``partition`` (or every delivered day), then the warehouse."""
    ensure_dagster_home()
    ensure_dbt_manifest()
    import dagster as dg

    from pipelines.definitions import defs

    instance = dg.DagsterInstance.get()
    days = [partition] if partition else delivered_days()
    steps: list[StepOutcome] = []
    if days:
        if on_step:
            on_step(f"收取并落地 {days[0]} 至 {days[-1]} 共 {len(days)} 天的数据")
        started = time.monotonic()
        job = defs.resolve_job_def("sources_ingest_job")
        if len(days) == 1:
            result = job.execute_in_process(
                run_config=QUIET, instance=instance, partition_key=days[0].isoformat(), raise_on_error=False
            )
        else:
            tags = {RANGE_START_TAG: days[0].isoformat(), RANGE_END_TAG: days[-1].isoformat()}
            result = job.execute_in_process(
                run_config=QUIET, instance=instance, tags=tags, raise_on_error=False
            )
        steps.append(_outcome("数据收取与落地", result, started))
    if on_step:
        on_step("dbt 构建数据仓库、计算指标并运行质量检查")
    started = time.monotonic()
    result = defs.resolve_job_def("warehouse_build_job").execute_in_process(
        run_config=QUIET, instance=instance, raise_on_error=False
    )
    steps.append(_outcome("数据仓库与指标", result, started))
    return PipelineSummary(days=days, steps=steps)
