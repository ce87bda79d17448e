import datetime as dt

import polars as pl
from polars.testing import assert_frame_equal

from pipelines.simulate import truth
from pipelines.simulate.seasonality import day_kind, outpatient_factor
from pipelines.simulate.world import build_truth

LOCAL_DATE = pl.col("registered_at").dt.offset_by("8h").dt.date()


def test_tables_have_exactly_the_truth_schemas(small_truth):
    for name, schema in truth.TABLES.items():
        if name == "defects":
            continue
        assert dict(small_truth[name].schema) == schema, name


def test_same_seed_gives_identical_truth_and_another_seed_does_not(small_truth, sim_args):
    again = build_truth(**sim_args)
    for name, frame in small_truth.items():
        assert_frame_equal(frame, again[name])
    other = build_truth(**{**sim_args, "seed": sim_args["seed"] + 1})
    assert not other["registrations"].equals(small_truth["registrations"])


def test_institutions_come_from_the_seed_with_fitting_departments(small_truth):
    institutions = small_truth["institutions"]
    assert institutions.height == 26
    departments = small_truth["departments"].join(institutions, on="institution_code")
    names = lambda short: set(departments.filter(pl.col("short_name") == short)["department_name"])
    assert all("口腔" in name or "牙" in name for name in names("牙病防治所"))
    assert "全科" in names("彭浦新村社区")
    assert any("精神" in name for name in names("精神卫生中心"))
    assert "急诊科" in names("静安区中心医院")
    assert "急诊科" not in names("彭浦新村社区")


def test_mondays_are_busier_than_sundays(small_truth):
    daily = small_truth["registrations"].group_by(LOCAL_DATE.alias("day")).len()
    weekday = daily.with_columns(pl.col("day").dt.weekday().alias("weekday"))
    monday = weekday.filter(pl.col("weekday") == 1)["len"].mean()
    sunday = weekday.filter(pl.col("weekday") == 7)["len"].mean()
    assert monday > 2 * sunday


def test_emergency_runs_at_night_only_at_hospitals(small_truth):
    emergency = small_truth["registrations"].filter(pl.col("visit_type") == "急诊")
    night = emergency.filter(pl.col("registered_at").dt.offset_by("8h").dt.hour() < 6)
    assert night.height > 0
    hospitals = small_truth["departments"].filter(pl.col("department_name") == "急诊科")["institution_code"]
    assert emergency["institution_code"].is_in(hospitals.implode()).all()


def test_volume_is_about_25000_per_weekday_at_scale_one(small_truth, sim_args):
    registrations = small_truth["registrations"]
    window = [sim_args["start"] + dt.timedelta(days=i) for i in range(sim_args["days"])]
    weekdays = [day for day in window if day_kind(day) == "workday"]
    on_weekdays = registrations.filter(LOCAL_DATE.is_in(weekdays)).height / len(weekdays)
    expected = 25_000 * sim_args["scale"] * sum(outpatient_factor(d) for d in weekdays) / len(weekdays)
    assert 0.85 * expected < on_weekdays < 1.15 * expected


def test_registration_fees_fit_the_visit_type(small_truth):
    general = small_truth["registrations"].filter(pl.col("visit_type") == "普通门诊")["fee_yuan"]
    expert = small_truth["registrations"].filter(pl.col("visit_type") == "专家门诊")["fee_yuan"]
    assert set(small_truth["registrations"]["visit_type"]) == set(truth.VISIT_TYPES)
    assert general.min() >= 10 and general.max() <= 25
    assert expert.min() >= 30 and expert.max() <= 100


def test_patients_recur(small_truth):
    visits = small_truth["registrations"].group_by("patient_id").len()
    assert visits.height < small_truth["registrations"].height
    assert (visits["len"] > 1).sum() > 0.1 * visits.height


def test_holidays_are_quiet():
    assert outpatient_factor(dt.date(2024, 10, 1)) < outpatient_factor(dt.date(2024, 10, 8))
    assert day_kind(dt.date(2024, 10, 1)) == "holiday"
    assert day_kind(dt.date(2024, 9, 29)) == "workday"  # a 调休 Sunday
    assert day_kind(dt.date(2040, 10, 1)) == "holiday"  # outside chinese_calendar's range: fallback
