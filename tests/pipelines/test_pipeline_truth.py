"""End to end: simulate → Dagster ingestion of all five sources → dbt → indicators equal the truth."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

from tests.reference_indicators import expected_indicator_values

KEY = ["indicator_code", "grain", "period_start", "institution_code", "dimension", "member"]
FOUNDATION_PREFIXES = ("PUB.", "ITS.PRE.", "ITS.REG.")


def _warehouse_values(district) -> pl.DataFrame:
    with duckdb.connect(str(district.warehouse), read_only=True) as con:
        frame = con.execute(
            "select indicator_code, grain, period_start, institution_code, dimension, member, value, numerator, denominator "
            "from indicators.indicator_values"
        ).pl()
    return frame.filter(pl.col("indicator_code").str.starts_with("PUB.") | pl.col("indicator_code").str.starts_with("ITS."))


def test_pipeline_succeeds_on_every_step(district):
    assert district.summary.success, [(s.name, s.error, s.failed_checks) for s in district.summary.steps]
    landed = {key: meta["rows"] for step in district.summary.steps for key, meta in step.metadata.items() if "rows" in meta}
    for source in ("his_a", "his_b", "his_c", "his_d"):
        assert landed[f"landing/{source}/appointments"] > 0
        assert landed[f"landing/{source}/registrations"] > 0
    assert landed["landing/wechat/app_opens"] > 0


def test_every_foundation_indicator_equals_the_truth(district):
    actual = _warehouse_values(district)
    expected = expected_indicator_values(district.truth, data_start=district.start, as_of=district.end)
    expected = expected.filter(pl.col("indicator_code").str.starts_with("PUB.") | pl.col("indicator_code").str.starts_with("ITS."))
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
