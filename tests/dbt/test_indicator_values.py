"""`dbt build` over a small landed lake: indicator values, corrections, zero-fill, masking."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from tests.dbt.conftest import D1, D2, D3
from tests.reference_indicators import foundation_catalog
from warehouse.paths import dbt_project_dir


def value(
    warehouse,
    code: str,
    grain: str,
    start: dt.date,
    institution: str | None = None,
    dimension: str | None = None,
    member: str | None = None,
) -> tuple | None:
    """(value, numerator, denominator) of one row of indicators.indicator_values, or None."""
    rows = warehouse.query(
        "select value, numerator, denominator from indicators.indicator_values "
        "where indicator_code = ? and grain = ? and period_start = ? and institution_code is not distinct from ? "
        "and dimension is not distinct from ? and member is not distinct from ?",
        [code, grain, start, institution, dimension, member],
    )
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def test_build_passes_every_model_and_test(warehouse):
    assert warehouse.success, warehouse.failures


def test_every_foundation_code_is_present(warehouse):
    codes = {
        row[0] for row in warehouse.query("select distinct indicator_code from indicators.indicator_values")
    }
    assert codes == set(foundation_catalog())


def test_expectations_seed_matches_the_catalog():
    seed = pl.read_csv(dbt_project_dir() / "seeds" / "indicator_expectations.csv", infer_schema=False)
    listed = {(r["indicator_code"], r["grain"], r["dimension"] or "") for r in seed.iter_rows(named=True)}
    expected = {
        (code, grain, dimension)
        for code, (grains, dimensions) in foundation_catalog().items()
        for grain in grains
        for dimension in ["", *dimensions]
    }
    assert listed == expected


def test_duplicate_delivery_counts_once(warehouse):
    assert value(warehouse, "ITS.PRE.appointments_today", "day", D1, "JA01")[0] == 2  # A1 twice, A2
    assert warehouse.query("select count(*) from marts.fct_appointments where appointment_id = 'A1'") == [
        (1,)
    ]


def test_late_correction_replaces_the_earlier_version(warehouse):
    status = warehouse.query(
        "select status, is_cancelled, cancelled_in_time from marts.fct_appointments where appointment_id = 'A2'"
    )
    assert status == [("cancelled", True, True)]
    # R4 was first sent dated D1 and corrected to D2: it counts once, on D2
    assert value(warehouse, "ITS.REG.registrations_today", "day", D1, "JA01")[0] == 0
    assert value(warehouse, "ITS.REG.registrations_today", "day", D2, "JA01")[0] == 3  # R1, R2, R4; R3 退号
    assert value(warehouse, "ITS.REG.registrations_detail", "day", D2, "JA01")[0] == 4  # 退号 listed too


def test_history_before_the_window_counts_in_cumulative_and_month_only(warehouse):
    assert value(warehouse, "ITS.PRE.appointments_cumulative", "cumulative", D1, "JA01")[0] == 3
    assert value(warehouse, "ITS.PRE.appointments_today", "month", dt.date(2025, 3, 1), "JA01")[0] == 3
    assert value(warehouse, "ITS.PRE.appointments_today", "day", dt.date(2025, 3, 20), "JA01") is None
    assert value(warehouse, "PUB.USERS.registered_cumulative", "cumulative", D1)[0] == 2


def test_quiet_institutions_days_and_members_are_zero_filled(warehouse):
    assert value(warehouse, "ITS.PRE.appointments_today", "day", D1, "JA03")[0] == 0
    assert value(warehouse, "ITS.REG.registrations_cumulative", "cumulative", D3, "JA26")[0] == 0
    assert value(warehouse, "PUB.ACTIVE.dau", "day", D3)[0] == 0
    assert (
        value(warehouse, "PUB.ACTIVE.module_visits", "day", D1, dimension="module", member="云陪诊")[0] == 0
    )
    rows = warehouse.query(
        "select count(*) from indicators.indicator_values where indicator_code = 'ITS.PRE.appointments_ranking' "
        "and grain = 'day'"
    )
    assert rows == [(3 * 27,)]  # 3 days x (26 institutions + district)


def test_local_business_date_is_shanghai(warehouse):
    # B1 was created at 01:30 on D2 in Shanghai, which is still D1 in UTC
    assert value(warehouse, "ITS.PRE.appointments_today", "day", D2, "JA02")[0] == 1
    assert value(warehouse, "ITS.PRE.appointments_today", "day", D1, "JA02")[0] == 0


def test_ratios_are_percent_with_numerator_and_denominator(warehouse):
    assert value(warehouse, "ITS.PRE.appointment_rate", "day", D2, "JA01") == (33.3333, 1.0, 3.0)
    assert value(warehouse, "ITS.PRE.fulfilment_rate", "day", D2, "JA01") == (100.0, 1.0, 1.0)
    assert value(warehouse, "ITS.PRE.fulfilment_rate", "day", D3, "JA02") == (0.0, 0.0, 1.0)
    # A2 was cancelled before its slot: no appointment was due at JA01 on D1, so no ratio row
    assert value(warehouse, "ITS.PRE.fulfilment_rate", "day", D1, "JA01") is None


def test_verified_users_break_down_by_gender_and_age_on_the_day(warehouse):
    assert value(warehouse, "PUB.USERS.verified_cumulative", "cumulative", D1)[0] == 1
    assert (
        value(warehouse, "PUB.USERS.verified_cumulative", "cumulative", D2)[0] == 2
    )  # U2 corrected to verified
    assert (
        value(warehouse, "PUB.USERS.verified_by_age", "cumulative", D1, dimension="age_band", member="18-39")[
            0
        ]
        == 1
    )
    # U1 (born 1985-04-01) is 40 on D2
    assert (
        value(warehouse, "PUB.USERS.verified_by_age", "cumulative", D2, dimension="age_band", member="40-59")[
            0
        ]
        == 1
    )
    assert (
        value(warehouse, "PUB.USERS.verified_by_gender", "cumulative", D2, dimension="gender", member="女")[0]
        == 1
    )
    assert value(warehouse, "PUB.USERS.manual_review_applications", "day", D1)[0] == 1
    assert value(warehouse, "PUB.USERS.manual_review_processed", "day", D2)[0] == 1


@pytest.mark.parametrize(
    ("code", "grain", "start", "expected"),
    [
        ("PUB.ACTIVE.dau", "day", D1, 1),
        ("PUB.ACTIVE.dau", "day", D2, 2),  # E3 re-sent counts once
        ("PUB.ACTIVE.mau", "month", dt.date(2025, 3, 1), 1),
        ("PUB.ACTIVE.mau", "month", dt.date(2025, 4, 1), 2),
        ("PUB.ACTIVE.module_visits", "year", dt.date(2025, 1, 1), 3),
    ],
)
def test_active_users_and_visits(warehouse, code, grain, start, expected):
    assert value(warehouse, code, grain, start)[0] == expected


def test_no_plaintext_personal_field_reaches_the_warehouse(warehouse):
    plaintext = ("测试1号", "13800000001", "310106198005060001")
    columns = warehouse.query(
        "select table_schema, table_name, list(column_name) from information_schema.columns "
        "where data_type = 'VARCHAR' and table_schema in ('staging', 'intermediate', 'marts', 'indicators') "
        "group by table_schema, table_name"
    )
    assert columns
    # one query per table: any text column holding a plaintext value
    checks = [
        f'select \'{schema}.{table}\' as relation from "{schema}"."{table}" where '
        + " or ".join(f'"{column}" in ($1, $2, $3)' for column in names)
        for schema, table, names in columns
    ]
    leaks = warehouse.query(" union all ".join(checks), list(plaintext))
    assert leaks == []
    masked = warehouse.query(
        "select patient_name_masked, patient_phone_masked, patient_id_number_masked "
        "from indicators.detail_registrations where registration_id = 'R1'"
    )
    assert masked == [("测**号", "138****0001", "310***********0001")]


def test_quarantined_records_are_kept_with_their_reason(warehouse):
    rows = warehouse.query("select source, institution_code, reason from marts.fct_quarantined_records")
    assert rows == [("his_a", "JA01", "消息缺少PID段")]
