import datetime as dt
from collections import Counter

import polars as pl
from polars.testing import assert_frame_equal

from pipelines.simulate.plan import plan_deliveries
from pipelines.simulate.versions import RECORD_ID

# truth table -> the fields a delivered version must reproduce exactly
FINAL_FIELDS = {
    "registrations": ["registration_id", "department_code", "doctor_code", "visit_type", "registered_at",
                      "appointment_id", "fee_yuan", "is_cancelled", "cancelled_at"],
    "appointments": ["appointment_id", "department_code", "doctor_code", "channel", "created_at", "slot_start_at",
                     "cancelled_at"],
    "wechat_users": ["user_id", "registered_at", "verify_status", "verify_method", "verified_at",
                     "manual_applied_at", "manual_decided_at"],
    "wechat_app_opens": ["event_id", "user_id", "opened_at"],
    "wechat_module_visits": ["event_id", "user_id", "module", "visited_at"],
}  # fmt: skip


def _latest(frame: pl.DataFrame, entity: str) -> pl.DataFrame:
    record_id = RECORD_ID[entity]
    return frame.sort("version_at").group_by(record_id).last()


def test_latest_version_of_every_record_equals_the_truth(small_truth, small_plan):
    for entity, fields in FINAL_FIELDS.items():
        latest = _latest(small_plan.versions[entity], entity).select(fields).sort(fields[0])
        expected = small_truth[entity].select(fields).sort(fields[0])
        assert_frame_equal(latest, expected, check_dtypes=False)


def test_every_truth_record_is_delivered_intact_in_a_correct_version(small_truth, small_plan):
    for entity, fields in FINAL_FIELDS.items():
        correct = (
            small_plan.versions[entity].filter(pl.col("kind") != "correction_wrong").select(fields).unique()
        )
        missing = small_truth[entity].select(fields).join(correct, on=fields, how="anti", nulls_equal=True)
        assert missing.height == 0, entity


def test_appointment_versions_carry_only_booked_or_cancelled(small_truth, small_plan):
    latest = _latest(small_plan.versions["appointments"], "appointments").join(
        small_truth["appointments"].select("appointment_id", pl.col("status").alias("truth_status")),
        on="appointment_id",
    )
    assert set(latest["status"]) == {"booked", "cancelled"}
    assert ((latest["status"] == "cancelled") == (latest["truth_status"] == "cancelled")).all()


def test_defects_match_the_planned_versions(small_plan):
    defects = small_plan.defects
    versions = pl.concat([frame.select("kind") for frame in small_plan.versions.values()])
    kinds = Counter(versions["kind"].to_list())
    recorded = Counter(defects["kind"].to_list())
    assert kinds["duplicate"] == recorded["duplicate"] > 0
    assert kinds["correction_wrong"] == kinds["correction"] == recorded["late_correction"] > 0
    assert set(defects.filter(pl.col("kind") == "late_correction")["entity"]) == {
        "appointments",
        "registrations",
    }


def test_late_corrections_arrive_one_to_seven_days_later_inside_the_window(small_plan, sim_args):
    end = sim_args["start"] + dt.timedelta(days=sim_args["days"] - 1)
    for entity in ("appointments", "registrations"):
        frame = small_plan.versions[entity]
        record_id = RECORD_ID[entity]
        wrong = frame.filter(pl.col("kind") == "correction_wrong").select(
            record_id, "delivery_day", "version_at"
        )
        fixed = frame.filter(pl.col("kind") == "correction").select(record_id, "delivery_day", "version_at")
        pairs = wrong.join(fixed, on=record_id, suffix="_fixed")
        assert pairs.height == wrong.height == fixed.height
        lag = (pairs["delivery_day_fixed"] - pairs["delivery_day"]).dt.total_days()
        assert lag.min() >= 1 and lag.max() <= 7
        assert (pairs["delivery_day_fixed"] <= end).all()
        assert (pairs["version_at_fixed"] > pairs["version_at"]).all()


def test_wrong_versions_differ_from_the_truth_in_an_indicator_field(small_truth, small_plan):
    frame = small_plan.versions["registrations"].filter(pl.col("kind") == "correction_wrong")
    compared = frame.join(small_truth["registrations"], on="registration_id", suffix="_truth")
    changed = (compared["is_cancelled"] != compared["is_cancelled_truth"]) | (
        (compared["department_code"] != compared["department_code_truth"])
        & (
            compared["registered_at"].dt.offset_by("8h").dt.date()
            != compared["registered_at_truth"].dt.offset_by("8h").dt.date()
        )
    )
    assert changed.all()


def test_versions_are_delivered_on_their_local_day_or_the_first_day(small_plan, sim_args):
    for entity, frame in small_plan.versions.items():
        regular = frame.filter(pl.col("kind").is_in(["original", "update"]))
        local = regular["version_at"].dt.offset_by("8h").dt.date()
        expected = local.clip(lower_bound=sim_args["start"])
        assert (regular["delivery_day"] == expected).all(), entity


def test_deliveries_cover_every_source_every_day(small_truth, small_plan, sim_args):
    deliveries = list(small_plan.deliveries())
    assert len(deliveries) == 27 * sim_args["days"] == small_plan.delivery_count()
    vendor = dict(small_truth["institutions"].select("institution_code", "his_vendor").iter_rows())
    for delivery in deliveries:
        if delivery.source == "wechat":
            assert delivery.institution_code is None
        else:
            assert delivery.source == "his_" + vendor[delivery.institution_code].lower()
            assert all(v.record["institution_code"] == delivery.institution_code for v in delivery.versions)
    total = sum(len(d.versions) for d in deliveries)
    assert total == sum(frame.height for frame in small_plan.versions.values())
    first = next(d for d in deliveries if d.source == "wechat")
    snapshot = first.of("wechat_users")
    assert (
        len(snapshot)
        >= small_truth["wechat_users"].filter(pl.col("registered_at") < dt.datetime(2024, 2, 29, 16)).height
    )


def test_unverified_user_versions_carry_no_identity(small_plan):
    users = small_plan.versions["wechat_users"]
    unverified = users.filter(pl.col("verify_status") != "verified")
    assert unverified["id_number"].null_count() == unverified.height
    assert users.filter(pl.col("verify_status") == "verified")["id_number"].null_count() == 0


def test_plan_is_deterministic(small_truth, small_plan, sim_args):
    again = plan_deliveries(
        small_truth, start=sim_args["start"], days=sim_args["days"], seed=sim_args["seed"], defect_rate=0.02
    )
    assert_frame_equal(again.defects, small_plan.defects)
    for entity, frame in small_plan.versions.items():
        assert_frame_equal(again.versions[entity], frame)


def test_zero_defect_rate_plans_no_defects(small_truth, sim_args):
    plan = plan_deliveries(
        small_truth, start=sim_args["start"], days=sim_args["days"], seed=sim_args["seed"], defect_rate=0.0
    )
    assert plan.defects.height == 0
    assert all(set(frame["kind"]) <= {"original", "update"} for frame in plan.versions.values())


def test_delivered_records_hold_python_values_with_the_documented_keys(small_plan):
    from pipelines.simulate.versions import RECORD_KEYS

    seen = set()
    for delivery in small_plan.deliveries():
        for version in delivery.versions:
            if version.entity in seen:
                continue
            seen.add(version.entity)
            assert tuple(version.record) == RECORD_KEYS[version.entity]
            assert isinstance(version.version_at, dt.datetime)
            stamps = [v for k, v in version.record.items() if k.endswith("_at") and v is not None]
            assert stamps and all(isinstance(v, dt.datetime) for v in stamps)
    assert seen == set(RECORD_KEYS)
