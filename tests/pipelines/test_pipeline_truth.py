"""End to end: simulate → Dagster ingestion of all five sources → dbt → indicators equal the truth."""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import pytest

from tests.reference_indicators import expected_indicator_values

KEY = ["indicator_code", "grain", "period_start", "institution_code", "dimension", "member"]
FOUNDATION_PREFIXES = ("PUB.", "ITS.PRE.", "ITS.REG.")


def _warehouse_values(district) -> pl.DataFrame:
    with duckdb.connect(str(district.warehouse), read_only=True) as con:
        frame = con.sql(
            "select indicator_code, grain, period_start, institution_code, dimension, member, value, numerator, denominator "
            "from indicators.indicator_values"
        ).pl()
    return frame.filter(
        pl.col("indicator_code").str.starts_with("PUB.") | pl.col("indicator_code").str.starts_with("ITS.")
    )


def test_pipeline_succeeds_on_every_step(district):
    assert district.summary.success, [(s.name, s.error, s.failed_checks) for s in district.summary.steps]
    landed = {
        key: meta["rows"]
        for step in district.summary.steps
        for key, meta in step.metadata.items()
        if "rows" in meta
    }
    for source in ("his_a", "his_b", "his_c", "his_d"):
        assert landed[f"landing/{source}/appointments"] > 0
        assert landed[f"landing/{source}/registrations"] > 0
    assert landed["landing/wechat/app_opens"] > 0


def test_every_foundation_indicator_equals_the_truth(district):
    actual = _warehouse_values(district)
    expected = expected_indicator_values(district.truth, data_start=district.start, as_of=district.end)
    expected = expected.filter(
        pl.col("indicator_code").str.starts_with("PUB.") | pl.col("indicator_code").str.starts_with("ITS.")
    )
    assert set(expected["indicator_code"]) == set(actual["indicator_code"])
    joined = expected.join(actual, on=KEY, how="full", suffix="_warehouse", nulls_equal=True, coalesce=True)
    missing = joined.filter(pl.col("value_warehouse").is_null())
    extra = joined.filter(pl.col("value").is_null())
    assert missing.height == 0, f"rows the warehouse lacks:\n{missing.head(10)}"
    assert extra.height == 0, f"rows the truth lacks:\n{extra.head(10)}"
    wrong = joined.filter((pl.col("value") - pl.col("value_warehouse")).abs() > 1e-6)
    assert wrong.height == 0, f"values that differ from the truth:\n{wrong.head(10)}"


@pytest.mark.parametrize("grain", ["day", "month"])
def test_truth_comparison_covers_days_and_months_for_each_institution(district, grain):
    actual = _warehouse_values(district).filter(pl.col("grain") == grain)
    per_institution = actual.filter(pl.col("institution_code").is_not_null())
    assert per_institution["institution_code"].n_unique() == 26
    periods = actual["period_start"].n_unique()
    assert periods >= (district.days if grain == "day" else 2)


def test_rerunning_a_partition_gives_identical_indicators(district, monkeypatch):
    from pipelines.orchestrate import run_pipeline

    monkeypatch.setenv("HEALTHOPS_VAR", str(district.var))
    before = _warehouse_values(district).sort(KEY, nulls_last=True)
    summary = run_pipeline(partition=district.start + dt.timedelta(days=3))
    assert summary.success
    after = _warehouse_values(district).sort(KEY, nulls_last=True)
    assert before.equals(after)


def test_no_plaintext_identity_in_the_lake(district):
    patients = pl.read_parquet(district.truth / "patients.parquet").head(300)
    needles = (
        set(patients["id_number"]) | set(patients["phone"]) | {n for n in patients["name"] if len(n) >= 3}
    )
    lake = district.var / "lake"
    with duckdb.connect() as con:
        landed = con.sql(
            f"select * from read_parquet('{lake}/landing/*/*/*/*/data.parquet', union_by_name = true)"
        ).pl()
    staff = {"doctor_name", "department_name"}  # the public roster; a doctor may share a patient's name
    columns = [c for c in landed.columns if landed[c].dtype == pl.Utf8 and c not in staff]
    text = "\n".join(landed[c].fill_null("").str.join("\n").item() for c in columns)
    assert not [n for n in needles if n in text]
    raw_bytes = b"".join(p.read_bytes() for p in list((lake / "raw").rglob("*.sm4"))[:200])
    assert not [n for n in needles if n.encode() in raw_bytes or n.encode("gbk") in raw_bytes]


def test_sensor_sees_nothing_pending_after_the_run_and_a_changed_delivery(district, monkeypatch):
    from pipelines.defs.sensors import pending_days

    monkeypatch.setenv("HEALTHOPS_VAR", str(district.var))
    assert pending_days() == {}
    folder = next(p for p in sorted((district.var / "sources" / "his_c").glob("*/*")) if p.is_dir())
    late_file = folder / "挂号流水_补发.csv"
    late_file.write_bytes("挂号流水号\n".encode("gbk"))
    try:
        assert list(pending_days()) == [folder.name]
    finally:
        late_file.unlink()
