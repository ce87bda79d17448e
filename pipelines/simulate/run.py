"""Run the district simulator: truth tables under ``truth_dir()``, source deliveries under ``sources_dir()``.

:func:`simulate` is what the CLI calls. It wipes both directories, builds the truth, plans the
deliveries and hands each one to its vendor's format writer with its own random stream, derived
from (seed, source, institution, day), so the output is identical for a seed whatever the order.
"""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.simulate import truth as truth_schema
from pipelines.simulate.delivery import Delivery
from pipelines.simulate.plan import plan_deliveries
from pipelines.simulate.streams import stream
from pipelines.simulate.world import build_truth
from warehouse.paths import sources_dir, truth_dir

Progress = Callable[[str, int, int], None]
Writer = Callable[..., list[dict]]
# source -> module of its format writer (imported only when a simulation runs)
WRITER_MODULES = {
    "his_a": "pipelines.simulate.formats.hl7",
    "his_b": "pipelines.simulate.formats.fhir",
    "his_c": "pipelines.simulate.formats.csv_gbk",
    "his_d": "pipelines.simulate.formats.rest_json",
    "wechat": "pipelines.simulate.formats.wechat",
}


@dataclass
class SimulationSummary:
    """What one simulation produced."""

    start: dt.date
    end: dt.date
    truth_rows: dict[str, int] = field(default_factory=dict)
    files_written: dict[str, int] = field(default_factory=dict)
    defects: int = 0


def load_writers() -> dict[str, Writer]:
    """The ``write_delivery`` function of every source's format writer."""
    return {
        source: importlib.import_module(module).write_delivery for source, module in WRITER_MODULES.items()
    }


def delivery_rng(seed: int, delivery: Delivery) -> np.random.Generator:
    """The delivery's own generator: depends only on (seed, source, institution, day)."""
    return stream(seed, "delivery", delivery.source, delivery.institution_code or "district", delivery.day)


def write_truth(tables: Mapping[str, pl.DataFrame], directory: Path) -> dict[str, int]:
    """Write every truth table as ``<table>.parquet`` with its exact schema; return row counts."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, schema in truth_schema.TABLES.items():
        frame = tables[name].select([pl.col(c).cast(t) for c, t in schema.items()])
        frame.write_parquet(directory / f"{name}.parquet")
        counts[name] = frame.height
    return counts


def run_simulation(
    *, start: dt.date, days: int, scale: float, seed: int, defect_rate: float,
    writers: Mapping[str, Writer], progress: Progress | None = None,
) -> SimulationSummary:  # fmt: skip
    """:func:`simulate` with explicit ``writers`` (source -> ``write_delivery``)."""
    report = progress or (lambda label, done, total: None)
    if not 0 <= defect_rate < 1:
        raise ValueError("缺陷比例须在 0 与 1 之间")
    for directory in (sources_dir(), truth_dir()):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    tables = build_truth(start=start, days=days, scale=scale, seed=seed, progress=report)
    report("规划投递", 0, 1)
    plan = plan_deliveries(tables, start=start, days=days, seed=seed, defect_rate=defect_rate)
    report("规划投递", 1, 1)

    writer_defects: list[dict] = []
    total = plan.delivery_count()
    for done, delivery in enumerate(plan.deliveries(), start=1):
        root = sources_dir() / delivery.source
        root.mkdir(parents=True, exist_ok=True)
        rows = writers[delivery.source](
            delivery, root=root, rng=delivery_rng(seed, delivery), defect_rate=defect_rate
        )
        writer_defects.extend(rows or [])
        report("写出数据源文件", done, total)

    report("写出真值表", 0, 1)
    extra = pl.DataFrame(writer_defects, schema=truth_schema.DEFECTS) if writer_defects else None
    tables["defects"] = pl.concat([plan.defects, extra]) if extra is not None else plan.defects
    counts = write_truth(tables, truth_dir())
    report("写出真值表", 1, 1)
    files = {
        source: sum(1 for path in (sources_dir() / source).rglob("*") if path.is_file())
        for source in sorted(WRITER_MODULES)
        if (sources_dir() / source).exists()
    }
    return SimulationSummary(
        start=start, end=start + dt.timedelta(days=days - 1), truth_rows=counts, files_written=files,
        defects=counts["defects"],
    )  # fmt: skip


def simulate(
    *,
    start: dt.date,
    days: int,
    scale: float,
    seed: int,
    defect_rate: float = 0.01,
    progress: Callable[[str, int, int], None] | None = None,
) -> SimulationSummary:
    """Simulate ``days`` days from ``start`` at ``scale`` (1.0 ≈ 25,000 registrations a weekday).

    Wipes and rewrites ``sources_dir()`` and ``truth_dir()``; ``progress(stage, done, total)`` is
    called with Chinese stage labels as work advances.
    """
    return run_simulation(
        start=start, days=days, scale=scale, seed=seed, defect_rate=defect_rate, writers=load_writers(),
        progress=progress,
    )  # fmt: skip
