import datetime as dt
import json

import polars as pl

from pipelines.simulate import truth
from pipelines.simulate.delivery import Delivery
from pipelines.simulate.run import WRITER_MODULES, delivery_rng, run_simulation
from warehouse.paths import sources_dir, truth_dir


def _recording_writer(delivery: Delivery, *, root, rng, defect_rate) -> list[dict]:
    """Writes one JSON file per delivery and reports one malformed record per non-empty delivery."""
    day = delivery.day.isoformat()
    path = root / (delivery.institution_code or "district") / f"{day}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"versions": len(delivery.versions), "draw": int(rng.integers(1 << 30))}))
    if not delivery.versions:
        return []
    return [{"source": delivery.source, "institution_code": delivery.institution_code, "partition_date": delivery.day,
             "kind": "malformed", "entity": delivery.versions[0].entity, "record_id": None, "detail": "测试"}]  # fmt: skip


def _run(tmp_path, monkeypatch, seed=5):
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path))
    stages = []
    summary = run_simulation(
        start=dt.date(2024, 5, 6), days=3, scale=0.005, seed=seed, defect_rate=0.02,
        writers={source: _recording_writer for source in WRITER_MODULES},
        progress=lambda label, done, total: stages.append((label, done, total)),
    )  # fmt: skip
    return summary, stages


def test_run_writes_truth_tables_and_calls_every_writer(tmp_path, monkeypatch):
    stale = tmp_path / "sources" / "his_a" / "old.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("from an earlier run")
    summary, stages = _run(tmp_path, monkeypatch)
    assert not stale.exists()
    assert summary.start == dt.date(2024, 5, 6) and summary.end == dt.date(2024, 5, 8)
    for name, schema in truth.TABLES.items():
        frame = pl.read_parquet(truth_dir() / f"{name}.parquet")
        assert dict(frame.schema) == schema
        assert summary.truth_rows[name] == frame.height
    assert summary.files_written["wechat"] == 3
    assert sum(summary.files_written.values()) == 27 * 3
    defects = pl.read_parquet(truth_dir() / "defects.parquet")
    assert summary.defects == defects.height
    assert defects.filter(pl.col("kind") == "malformed").height == 27 * 3  # writers' defects are kept
    labels = {label for label, _, _ in stages}
    assert {"生成居民", "生成预约与挂号", "规划投递", "写出数据源文件", "写出真值表"} <= labels
    assert all(0 <= done <= total for _, done, total in stages)


def test_run_output_is_identical_for_the_same_seed(tmp_path, monkeypatch):
    _run(tmp_path / "a", monkeypatch)
    first = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.json")}
    first_truth = pl.read_parquet(tmp_path / "a" / "sim" / "truth" / "registrations.parquet")
    _run(tmp_path / "b", monkeypatch)
    second = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.json")}
    assert first == second and len(first) == 81
    assert pl.read_parquet(truth_dir() / "registrations.parquet").equals(first_truth)
    assert sources_dir() == (tmp_path / "b" / "sources").resolve()


def test_delivery_rng_depends_only_on_seed_source_institution_and_day():
    day = dt.date(2024, 5, 6)
    a = Delivery(source="his_a", institution_code="JA01", day=day)
    same = Delivery(source="his_a", institution_code="JA01", day=day, versions=[])
    other = Delivery(source="his_a", institution_code="JA03", day=day)
    assert delivery_rng(1, a).integers(1 << 40) == delivery_rng(1, same).integers(1 << 40)
    assert delivery_rng(1, a).integers(1 << 40) != delivery_rng(1, other).integers(1 << 40)
    assert delivery_rng(1, a).integers(1 << 40) != delivery_rng(2, a).integers(1 << 40)
