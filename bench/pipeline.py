"""Pipeline benchmark: ingestion rows per second per source format, and a full 30-day pipeline run.

    uv run python bench/pipeline.py           # scales 0.1 and 1 (the headline figures are at scale 1)
    uv run python bench/pipeline.py --quick   # smaller sizes, same names, about a minute

Prints one figure a line as ``name: value unit``. Ingestion is measured the way the assets do it
(store the delivered bytes raw, SM4-encrypted; read them back; parse; pseudonymize; write Parquet),
in one process, as the median of several repetitions. ``pipeline_30_days_s`` is the wall time of
``healthops pipeline`` (Dagster ingest of every source and day, dbt build, checks) on 30 simulated days.
Figures at a scale other than the headline one carry a ``_scale_<s>`` suffix.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FORMATS = {"his_a": "hl7", "his_b": "fhir", "his_c": "csv_gbk", "his_d": "rest_json", "wechat": "wechat"}
END = dt.date.today() - dt.timedelta(days=1)


def _use_var(path: Path) -> None:
    os.environ["HEALTHOPS_VAR"] = str(path)
    os.environ.pop("DAGSTER_HOME", None)
    os.environ.setdefault("HEALTHOPS_PATIENT_KEY", "ab" * 32)
    os.environ.setdefault("HEALTHOPS_DATA_KEY", "cd" * 16)


def _simulate(var: Path, *, days: int, scale: float) -> None:
    from pipelines.simulate.run import simulate

    _use_var(var)
    simulate(start=END - dt.timedelta(days=days - 1), days=days, scale=scale, seed=1, defect_rate=0.01)


def _ingest_once(source: str, days: list[dt.date]) -> tuple[int, float]:
    """Raw-store, parse and land every institution-day of ``source``; return (rows, seconds)."""
    from pipelines.defs.ingest.factory import land_partition
    from pipelines.defs.ingest.raw_store import read_source_folder, store_raw
    from pipelines.defs.ingest.registry import spec_for
    from pipelines.sources import rest_json
    from warehouse.paths import sources_dir

    spec = spec_for(source)
    rows = 0
    api = None
    if source == "his_d":
        from pipelines.simulate.his_d_server import HisDServer

        api = HisDServer(sources_dir() / "his_d").start()
        import httpx

        client = httpx.Client(base_url=api.base_url, timeout=30)
    started = time.perf_counter()
    for day in days:
        for code in spec.institution_codes():
            if source == "his_d":
                files = rest_json.fetch_pages(client, institution_code=code, day=day)
            else:
                folder = sources_dir() / source / code if code else sources_dir() / source
                files = read_source_folder(folder / day.isoformat())
            store_raw(source, code, day, files)
            rows += sum(land_partition(source, code, day).values())
    seconds = time.perf_counter() - started
    if api is not None:
        client.close()
        api.stop()
    return rows, seconds


def bench_ingest(scale: float, days: int, repeats: int, suffix: str) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        _simulate(Path(tmp), days=days, scale=scale)
        day_list = [END - dt.timedelta(days=i) for i in range(days)][::-1]
        for source, name in FORMATS.items():
            rates = []
            for _ in range(repeats):
                rows, seconds = _ingest_once(source, day_list)
                rates.append(rows / seconds)
            print(f"ingest_rows_per_s_{name}{suffix}: {statistics.median(rates):.0f} rows/s", flush=True)


@contextlib.contextmanager
def _logs_to_stderr() -> Iterator[None]:
    """Send whatever the pipeline prints (dbt's progress) to stderr: stdout carries only figures."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def bench_pipeline(scale: float, repeats: int, suffix: str) -> None:
    from pipelines.orchestrate import run_pipeline

    timings = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
            _simulate(Path(tmp), days=30, scale=scale)
            started = time.perf_counter()
            with _logs_to_stderr():
                summary = run_pipeline()
            timings.append(time.perf_counter() - started)
            if not summary.success:
                raise SystemExit(
                    f"pipeline failed: {[(s.name, s.error, s.failed_checks) for s in summary.steps]}"
                )
    print(f"pipeline_30_days_s{suffix}: {statistics.median(timings):.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes, same figure names, about a minute"
    )
    args = parser.parse_args()
    if args.quick:
        bench_ingest(scale=0.05, days=2, repeats=3, suffix="")
        bench_pipeline(scale=0.002, repeats=1, suffix="")
        return
    bench_ingest(scale=0.1, days=3, repeats=3, suffix="_scale_0_1")
    bench_ingest(scale=1.0, days=3, repeats=3, suffix="")
    bench_pipeline(scale=0.1, repeats=1, suffix="_scale_0_1")
    bench_pipeline(scale=1.0, repeats=1, suffix="")


if __name__ == "__main__":
    main()
