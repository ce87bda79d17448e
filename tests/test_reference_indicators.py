"""The Python reference of the foundation indicators, on a tiny hand-built truth."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pipelines.simulate import truth as truth_schema
from tests.reference_indicators import age_band, expected_indicator_values, foundation_catalog, periods

START, AS_OF = dt.date(2025, 3, 31), dt.date(2025, 4, 2)


def utc(day: dt.date, hour: int) -> dt.datetime:
    """Shanghai local ``hour`` on ``day`` as naive UTC."""
    return dt.datetime.combine(day, dt.time(hour)) - dt.timedelta(hours=8)


class TruthFactory:
    """Builds truth tables row by row with defaults; writes them with the simulator's schemas."""

    def __init__(self) -> None:
        self.tables: dict[str, list[dict]] = {name: [] for name in truth_schema.TABLES}

    def appointment(
        self,
        appointment_id: str,
        institution: str,
        created: dt.datetime,
        slot: dt.datetime,
        *,
        status: str = "booked",
        cancelled: dt.datetime | None = None,
    ) -> None:
        self.tables["appointments"].append(
            {
                "appointment_id": appointment_id,
                "institution_code": institution,
                "channel": "健康静安",
                "created_at": created,
                "slot_start_at": slot,
                "status": status,
                "cancelled_at": cancelled,
            }
        )

    def registration(
        self,
        registration_id: str,
        institution: str,
        registered: dt.datetime,
        *,
        appointment_id: str | None = None,
        cancelled: bool = False,
    ) -> None:
        self.tables["registrations"].append(
            {
                "registration_id": registration_id,
                "institution_code": institution,
                "visit_type": "普通门诊",
                "registered_at": registered,
                "appointment_id": appointment_id,
                "is_cancelled": cancelled,
            }
        )

    def user(
        self,
        user_id: str,
        registered: dt.datetime,
        *,
        verified: dt.datetime | None = None,
        gender: str = "男",
        birth_date: dt.date = dt.date(1990, 1, 1),
        applied: dt.datetime | None = None,
        decided: dt.datetime | None = None,
    ) -> None:
        self.tables["patients"].append(
            {"patient_id": f"P{user_id}", "gender": gender, "birth_date": birth_date}
        )
        self.tables["wechat_users"].append(
            {
                "user_id": user_id,
                "patient_id": f"P{user_id}",
                "registered_at": registered,
                "verify_status": "verified" if verified else "none",
                "verified_at": verified,
                "manual_applied_at": applied,
                "manual_decided_at": decided,
            }
        )

    def app_open(self, event_id: str, user_id: str, opened: dt.datetime) -> None:
        self.tables["wechat_app_opens"].append(
            {"event_id": event_id, "user_id": user_id, "opened_at": opened}
        )

    def module_visit(self, event_id: str, module: str, visited: dt.datetime) -> None:
        self.tables["wechat_module_visits"].append(
            {"event_id": event_id, "user_id": "U1", "module": module, "visited_at": visited}
        )

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, schema in truth_schema.TABLES.items():
            rows = [{column: row.get(column) for column in schema} for row in self.tables[name]]
            pl.DataFrame(rows, schema=schema, orient="row").write_parquet(directory / f"{name}.parquet")
        return directory


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    truth = TruthFactory()
    truth.appointment("A0", "JA01", utc(dt.date(2025, 3, 20), 9), utc(dt.date(2025, 3, 25), 9))  # history
    truth.appointment("A1", "JA01", utc(START, 10), utc(dt.date(2025, 4, 1), 9))
    truth.appointment(
        "A2", "JA01", utc(START, 11), utc(START, 15), status="cancelled", cancelled=utc(START, 12)
    )
    truth.appointment("A3", "JA01", utc(START, 11), utc(AS_OF + dt.timedelta(days=3), 9))  # slot after as_of
    truth.registration("R1", "JA01", utc(dt.date(2025, 4, 1), 9), appointment_id="A1")
    truth.registration("R2", "JA01", utc(dt.date(2025, 4, 1), 10))
    truth.registration("R3", "JA01", utc(dt.date(2025, 4, 1), 11), cancelled=True)
    truth.registration("R4", "JA01", utc(dt.date(2025, 4, 1), 1))  # 01:00 local on 04-01 is 03-31 in UTC
    truth.user(
        "U1",
        utc(dt.date(2025, 1, 10), 8),
        verified=utc(dt.date(2025, 1, 10), 9),
        birth_date=dt.date(1985, 4, 1),
    )
    truth.user(
        "U2",
        utc(START, 9),
        verified=utc(dt.date(2025, 4, 1), 14),
        gender="女",
        birth_date=dt.date(1950, 6, 1),
        applied=utc(START, 9),
        decided=utc(dt.date(2025, 4, 1), 14),
    )
    truth.app_open("E1", "U1", utc(START, 8))
    truth.app_open("E2", "U1", utc(START, 21))
    truth.app_open("E3", "U2", utc(dt.date(2025, 4, 1), 8))
    truth.app_open("E4", "U1", utc(dt.date(2025, 4, 1), 9))
    truth.module_visit("V1", "健康档案", utc(START, 8))
    directory = truth.write(tmp_path_factory.mktemp("truth"))
    return expected_indicator_values(directory, data_start=START, as_of=AS_OF)


def value(
    values: pl.DataFrame,
    code: str,
    grain: str,
    start: dt.date,
    institution: str | None = None,
    dimension: str | None = None,
    member: str | None = None,
) -> float | None:
    key = [
        ("indicator_code", code),
        ("grain", grain),
        ("period_start", start),
        ("institution_code", institution),
        ("dimension", dimension),
        ("member", member),
    ]
    condition = pl.all_horizontal(pl.col(c).is_null() if v is None else pl.col(c) == v for c, v in key)
    found = values.filter(condition)
    assert found.height <= 1, found
    return found["value"][0] if found.height else None


def test_every_foundation_code_is_computed(values):
    assert set(values["indicator_code"]) == set(foundation_catalog())


def test_counts_are_zero_filled_for_quiet_institutions_and_days(values):
    assert value(values, "ITS.PRE.appointments_today", "day", START, "JA02") == 0
    assert value(values, "ITS.PRE.appointments_today", "day", AS_OF) == 0
    per_institution_days = values.filter(
        (pl.col("indicator_code") == "ITS.REG.registrations_today") & (pl.col("grain") == "day")
    )
    assert per_institution_days.height == 3 * 27  # 3 days x (26 institutions + district)


def test_day_month_and_cumulative_counts(values):
    assert value(values, "ITS.PRE.appointments_today", "day", START, "JA01") == 3
    assert (
        value(values, "ITS.PRE.appointments_today", "month", dt.date(2025, 3, 1)) == 4
    )  # history in March counts
    assert value(values, "ITS.PRE.appointments_cumulative", "cumulative", START, "JA01") == 4
    assert value(values, "ITS.PRE.appointments_detail", "day", START, "JA01") == 3


def test_registrations_use_the_local_date_and_skip_cancellations(values):
    assert value(values, "ITS.REG.registrations_today", "day", START, "JA01") == 0  # R4 is 04-01 locally
    assert value(values, "ITS.REG.registrations_today", "day", dt.date(2025, 4, 1), "JA01") == 3
    assert (
        value(values, "ITS.REG.registrations_detail", "day", dt.date(2025, 4, 1), "JA01") == 4
    )  # 退号 included


def test_ratios_are_percent_rounded_and_only_where_there_is_a_denominator(values):
    assert value(values, "ITS.PRE.appointment_rate", "day", dt.date(2025, 4, 1), "JA01") == 33.3333  # 1 of 3
    assert value(values, "ITS.PRE.appointment_rate", "year", dt.date(2025, 1, 1)) == 33.3333
    assert value(values, "ITS.PRE.appointment_rate", "day", START, "JA01") is None  # no registrations
    # A2 was cancelled before its slot; A3's slot is after as_of: only A1 is due, and fulfilled
    assert value(values, "ITS.PRE.fulfilment_rate", "day", START, "JA01") is None
    assert value(values, "ITS.PRE.fulfilment_rate", "month", dt.date(2025, 4, 1), "JA01") == 100.0


def test_verified_users_by_gender_and_age_on_the_period_day(values):
    assert value(values, "PUB.USERS.verified_cumulative", "cumulative", START) == 1
    assert (
        value(values, "PUB.USERS.verified_by_age", "cumulative", START, dimension="age_band", member="18-39")
        == 1
    )
    april = dt.date(2025, 4, 1)  # U1 turns 40 that day
    assert (
        value(values, "PUB.USERS.verified_by_age", "cumulative", april, dimension="age_band", member="40-59")
        == 1
    )
    assert (
        value(values, "PUB.USERS.verified_by_age", "cumulative", april, dimension="age_band", member="18-39")
        == 0
    )
    assert (
        value(values, "PUB.USERS.verified_by_gender", "cumulative", april, dimension="gender", member="女")
        == 1
    )
    assert value(values, "PUB.USERS.manual_review_processed", "day", april) == 1


def test_active_users_are_distinct(values):
    assert value(values, "PUB.ACTIVE.dau", "day", START) == 1
    assert value(values, "PUB.ACTIVE.mau", "month", dt.date(2025, 4, 1)) == 2
    assert value(values, "PUB.ACTIVE.module_visits", "day", START, dimension="module", member="健康档案") == 1
    assert value(values, "PUB.ACTIVE.module_visits", "day", START, dimension="module", member="云陪诊") == 0


def test_periods_cap_month_and_year_at_as_of():
    assert periods("month", START, AS_OF) == [
        (dt.date(2025, 3, 1), dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
        (dt.date(2025, 4, 1), dt.date(2025, 4, 1), AS_OF),
    ]
    assert age_band(dt.date(2008, 4, 2), dt.date(2026, 4, 1)) == "0-17"
    assert age_band(dt.date(2008, 4, 2), dt.date(2026, 4, 2)) == "18-39"
