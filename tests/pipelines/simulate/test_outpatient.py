import datetime as dt

import polars as pl

from pipelines.simulate import truth

LOCAL = lambda column: pl.col(column).dt.offset_by("8h").dt.date()


def _window_end(sim_args) -> dt.datetime:
    return dt.datetime.combine(
        sim_args["start"] + dt.timedelta(days=sim_args["days"]), dt.time()
    ) - dt.timedelta(hours=8)


def test_registrations_from_appointments_match_them(small_truth):
    registrations = small_truth["registrations"].filter(pl.col("appointment_id").is_not_null())
    joined = registrations.join(small_truth["appointments"], on="appointment_id", suffix="_appt", how="left")
    assert joined["created_at"].null_count() == 0  # every referenced appointment exists
    assert (joined["registration_id_appt"] == joined["registration_id"]).all()
    for column in ("institution_code", "department_code", "doctor_code", "patient_id"):
        assert (joined[column] == joined[f"{column}_appt"]).all(), column
    assert joined.select((LOCAL("registered_at") == LOCAL("slot_start_at")).all()).item()
    assert (joined["created_at"] < joined["registered_at"]).all()


def test_appointment_statuses_are_consistent(small_truth, sim_args):
    appointments = small_truth["appointments"]
    end = _window_end(sim_args)
    registrations = small_truth["registrations"].select(
        "registration_id", pl.col("is_cancelled").alias("refunded")
    )
    linked = appointments.join(registrations, on="registration_id", how="left")
    assert set(appointments["status"]) == {"booked", "cancelled", "fulfilled", "no_show"}
    fulfilled = linked.filter(pl.col("status") == "fulfilled")
    assert fulfilled["registration_id"].null_count() == 0 and not fulfilled["refunded"].any()
    cancelled = appointments.filter(pl.col("status") == "cancelled")
    assert (
        (cancelled["created_at"] < cancelled["cancelled_at"])
        & (cancelled["cancelled_at"] < cancelled["slot_start_at"])
    ).all()
    assert (cancelled["cancelled_at"] < end).all() and cancelled[
        "registration_id"
    ].null_count() == cancelled.height
    booked = appointments.filter(pl.col("status") == "booked")
    assert (booked["slot_start_at"] >= end).all() and booked["registration_id"].null_count() == booked.height
    assert (appointments["created_at"] < end).all()
    assert (
        appointments.filter(pl.col("status") != "cancelled")["cancelled_at"].null_count()
        == appointments.filter(pl.col("status") != "cancelled").height
    )


def test_bookings_are_made_zero_to_seven_days_ahead_through_known_channels(small_truth):
    appointments = small_truth["appointments"]
    lead_days = appointments.select((LOCAL("slot_start_at") - LOCAL("created_at")).dt.total_days())[
        "slot_start_at"
    ]
    assert lead_days.min() == 0 and lead_days.max() <= 7
    assert (appointments["created_at"] < appointments["slot_start_at"]).all()
    shares = appointments["channel"].value_counts(normalize=True).sort("proportion", descending=True)
    assert set(shares["channel"]) == set(truth.CHANNELS)
    assert shares["channel"][0] == "健康静安"


def test_about_half_of_registrations_come_from_appointments(small_truth):
    share = small_truth["registrations"]["appointment_id"].is_not_null().mean()
    assert 0.4 <= share <= 0.6


def test_refunds_are_same_day_and_rare(small_truth):
    registrations = small_truth["registrations"]
    refunded = registrations.filter(pl.col("is_cancelled"))
    assert 0 < refunded.height < 0.05 * registrations.height
    assert (refunded["cancelled_at"] > refunded["registered_at"]).all()
    assert refunded.select((LOCAL("cancelled_at") == LOCAL("registered_at")).all()).item()
    assert (
        registrations.filter(~pl.col("is_cancelled"))["cancelled_at"].null_count()
        == registrations.height - refunded.height
    )


def test_ids_are_unique_and_carry_the_institution(small_truth):
    for table, column in (("appointments", "appointment_id"), ("registrations", "registration_id")):
        frame = small_truth[table]
        assert frame[column].n_unique() == frame.height
        assert (frame[column].str.slice(0, 4) == frame["institution_code"]).all()
