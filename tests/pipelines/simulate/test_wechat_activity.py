import polars as pl

from pipelines.simulate import truth

LOCAL_DAY = pl.col("opened_at").dt.offset_by("8h").dt.date().alias("day")


def test_base_users_predate_the_window_and_most_are_verified(small_truth, sim_args):
    users = small_truth["wechat_users"]
    before = users.filter(pl.col("registered_at").dt.offset_by("8h").dt.date() < sim_args["start"])
    assert before.height > 0.8 * users.height  # the base dominates a short window
    assert (before["verify_status"] == "verified").mean() > 0.7


def test_verification_times_are_consistent(small_truth):
    users = small_truth["wechat_users"]
    verified = users.filter(pl.col("verify_status") == "verified")
    assert (verified["verified_at"] > verified["registered_at"]).all()
    manual = users.filter(pl.col("verify_method") == "manual")
    assert (manual["manual_applied_at"] > manual["registered_at"]).all()
    decided = manual.filter(pl.col("manual_decided_at").is_not_null())
    assert (decided["manual_decided_at"] > decided["manual_applied_at"]).all()
    assert set(decided["verify_status"]) == {"verified", "rejected"}
    assert (manual.filter(pl.col("manual_decided_at").is_null())["verify_status"] == "pending").all()
    unverified = users.filter(pl.col("verify_status") == "none")
    assert unverified["verify_method"].null_count() == unverified.height
    assert users["patient_id"].n_unique() == users.height  # one account per person


def test_app_opens_are_about_40000_per_day_at_scale_one_with_fewer_distinct_users(small_truth, sim_args):
    daily = (
        small_truth["wechat_app_opens"]
        .group_by(LOCAL_DAY)
        .agg(pl.len().alias("opens"), pl.col("user_id").n_unique().alias("users"))
    )
    mean_opens = daily["opens"].mean() / sim_args["scale"]
    assert 33_000 < mean_opens < 45_000
    assert (daily["users"] < daily["opens"]).all()


def test_users_open_the_app_only_after_registering(small_truth):
    opens = small_truth["wechat_app_opens"].join(small_truth["wechat_users"], on="user_id")
    assert (opens["opened_at"] >= opens["registered_at"]).all()


def test_module_visits_cover_the_ten_modules(small_truth):
    visits = small_truth["wechat_module_visits"]
    assert set(visits["module"]) == set(truth.MODULES)
    assert visits["event_id"].n_unique() == visits.height
