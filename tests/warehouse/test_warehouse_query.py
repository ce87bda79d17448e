"""The read-only query layer: values, scoping, rankings, breakdowns, 同比/环比, freshness."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.warehouse_factory import COMPUTED_AT, WarehouseBuilder
from warehouse import query
from warehouse.connection import MISSING_MESSAGE_ZH, WarehouseMissing, WarehouseUnavailable, connect
from warehouse.query import OutOfScope, Scope

DISTRICT = Scope.district()
JA01 = Scope.institution("JA01")
APPTS = "ITS.PRE.appointments_today"
JUNE_1 = dt.date(2025, 6, 1)


@pytest.fixture
def small_warehouse(warehouse_file: Path) -> Path:
    """June 2025 (and June 2024) appointments for JA01, JA02 and the district, plus a rate and a breakdown."""
    builder = WarehouseBuilder()
    for start in (JUNE_1, dt.date(2024, 6, 1)):
        bump = 0 if start.year == 2025 else -5
        builder.add_daily(APPTS, start, [10 + i + bump for i in range(30)], institution_code="JA01")
        builder.add_daily(APPTS, start, [20 + 2 * i + bump for i in range(30)], institution_code="JA02")
        builder.add_daily(APPTS, start, [30 + 3 * i + 2 * bump for i in range(30)])
    builder.add(APPTS, "month", dt.date(2025, 5, 1), 900).add(APPTS, "month", JUNE_1, 1_035)
    builder.add("ITS.PRE.appointment_rate", "day", JUNE_1, 40.0, numerator=40, denominator=100)
    for member, value in (("男", 460), ("女", 540)):
        builder.add(
            "PUB.USERS.verified_by_gender", "cumulative", JUNE_1, value, dimension="gender", member=member
        )
    builder.add("PUB.USERS.verified_by_gender", "cumulative", JUNE_1, 1_000)
    return builder.write(warehouse_file)


def test_missing_warehouse_raises_a_chinese_message(warehouse_file: Path) -> None:
    with pytest.raises(WarehouseMissing) as raised:
        query.data_freshness(scope=DISTRICT)
    assert raised.value.message_zh == MISSING_MESSAGE_ZH


def test_warehouse_without_indicator_table_reads_as_empty(warehouse_file: Path) -> None:
    warehouse_file.parent.mkdir(parents=True)
    duckdb.connect(str(warehouse_file)).close()
    with pytest.raises(WarehouseUnavailable) as raised:
        query.latest_period(APPTS, "day", scope=DISTRICT)
    assert raised.value.message_zh == query.EMPTY_MESSAGE_ZH


def test_connection_is_read_only(small_warehouse: Path) -> None:
    with connect() as con, pytest.raises(duckdb.Error):
        con.execute("DELETE FROM indicators.indicator_values")


def test_read_values_of_the_district_between_dates(small_warehouse: Path) -> None:
    frame = query.read_values(
        APPTS, "day", scope=DISTRICT, start=dt.date(2025, 6, 3), end=dt.date(2025, 6, 5)
    )
    assert frame["value"].tolist() == [36.0, 39.0, 42.0]
    assert frame["institution_code"].isna().all()
    assert frame["computed_at"].iloc[0] == COMPUTED_AT


def test_time_series_of_one_institution(small_warehouse: Path) -> None:
    series = query.time_series(
        APPTS, "day", scope=DISTRICT, institution_code="JA02", start=dt.date(2025, 6, 29)
    )
    assert series["value"].tolist() == [76.0, 78.0]


def test_latest_value_is_the_newest_period(small_warehouse: Path) -> None:
    assert query.latest_period(APPTS, "day", scope=DISTRICT) == dt.date(2025, 6, 30)
    assert query.latest_period(APPTS, "month", scope=DISTRICT) == JUNE_1
    assert query.latest_period("PUB.ACTIVE.dau", "day", scope=DISTRICT) is None


def test_institution_scope_reads_only_its_own_rows(small_warehouse: Path) -> None:
    own = query.read_values(APPTS, "day", scope=JA01, institution_code="JA01", start=JUNE_1, end=JUNE_1)
    assert own["value"].tolist() == [10.0]
    ranking = query.institution_ranking(APPTS, "day", scope=JA01)
    assert ranking["institution_code"].tolist() == ["JA01"]
    freshness = query.data_freshness(scope=JA01)
    assert freshness.latest_period == dt.date(2025, 6, 30)


@pytest.mark.parametrize("asked", ["JA02", None])
def test_institution_scope_cannot_read_another_institution_or_the_district(
    small_warehouse: Path, asked: str | None
) -> None:
    with pytest.raises(OutOfScope):
        query.read_values(APPTS, "day", scope=JA01, institution_code=asked)
    with pytest.raises(OutOfScope):
        query.period_comparison(APPTS, "day", scope=JA01, institution_code=asked)


def test_ranking_orders_institutions_with_short_names(small_warehouse: Path) -> None:
    ranking = query.institution_ranking(APPTS, "day", scope=DISTRICT, period_start=JUNE_1)
    assert ranking["institution_code"].tolist() == ["JA02", "JA01"]
    assert ranking["short_name"].tolist() == ["闸北中心医院", "静安区中心医院"]
    assert ranking["rank"].tolist() == [1, 2]
    assert ranking["value"].tolist() == [20.0, 10.0]


def test_ranking_falls_back_to_the_seed_without_dim_institutions(warehouse_file: Path) -> None:
    WarehouseBuilder().add(APPTS, "day", JUNE_1, 5, institution_code="JA26").write(
        warehouse_file, with_dim_institutions=False
    )
    ranking = query.institution_ranking(APPTS, "day", scope=DISTRICT, limit=5)
    assert ranking["short_name"].tolist() == ["南京西路社区"]
    assert len(query.list_institutions(scope=DISTRICT)) == 26


def test_breakdown_by_dimension_excludes_the_total(small_warehouse: Path) -> None:
    frame = query.breakdown("PUB.USERS.verified_by_gender", "cumulative", "gender", scope=DISTRICT)
    assert dict(zip(frame["member"], frame["value"])) == {"女": 540.0, "男": 460.0}


def test_day_comparison_against_yesterday_and_last_year(small_warehouse: Path) -> None:
    comparison = query.period_comparison(APPTS, "day", scope=DISTRICT, period_start=dt.date(2025, 6, 11))
    assert comparison is not None
    assert comparison.value == 60.0
    assert (comparison.previous_start, comparison.previous_value) == (dt.date(2025, 6, 10), 57.0)
    assert comparison.previous_change == 3.0
    assert comparison.previous_change_pct == pytest.approx(5.26)
    assert (comparison.last_year_start, comparison.last_year_value) == (dt.date(2024, 6, 11), 50.0)
    assert comparison.last_year_change_pct == pytest.approx(20.0)


def test_month_comparison_defaults_to_latest_and_leaves_missing_year_empty(small_warehouse: Path) -> None:
    comparison = query.period_comparison(APPTS, "month", scope=DISTRICT)
    assert comparison is not None
    assert comparison.period_start == JUNE_1
    assert comparison.previous_value == 900.0
    assert comparison.previous_change_pct == pytest.approx(15.0)
    assert comparison.last_year_value is None and comparison.last_year_change_pct is None


def test_first_day_has_no_previous_period(small_warehouse: Path) -> None:
    comparison = query.period_comparison(
        APPTS, "day", scope=JA01, institution_code="JA01", period_start=dt.date(2024, 6, 1)
    )
    assert comparison is not None and comparison.previous_value is None
    assert query.period_comparison(APPTS, "day", scope=DISTRICT, period_start=dt.date(2023, 1, 1)) is None


def test_each_query_sees_a_replaced_warehouse_file(small_warehouse: Path, tmp_path: Path) -> None:
    assert query.latest_period(APPTS, "day", scope=DISTRICT) == dt.date(2025, 6, 30)
    fresh = WarehouseBuilder().add(APPTS, "day", dt.date(2025, 7, 1), 1).write(tmp_path / "next.duckdb")
    os.replace(fresh, small_warehouse)
    assert query.latest_period(APPTS, "day", scope=DISTRICT) == dt.date(2025, 7, 1)


def test_a_scope_of_two_institutions_reads_both_and_nothing_else() -> None:
    both = Scope.institutions(["JA02", "JA01"])
    assert both.institution_codes == ("JA01", "JA02")
    both.check("JA01")
    both.check("JA02")
    with pytest.raises(OutOfScope):
        both.check("JA03")
    with pytest.raises(OutOfScope):
        both.check(None)
