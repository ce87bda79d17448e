"""Outpatient appointments and registrations for one institution over the simulated window.

Demand per local day follows the weekday and holiday factors; about half of the clinic visits were
booked (健康静安, window, kiosk, phone, internet hospital) 0-7 days ahead, the rest walk in. Some
bookings are cancelled before the slot, some are not kept (no-show); a kept booking becomes the
registration that references it. Emergency (急诊) runs around the clock and is never booked.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.simulate import seasonality as season
from pipelines.simulate.catchment import Catchment
from pipelines.simulate.truth import CHANNELS

MINUTE_US = 60_000_000
BOOKING_HORIZON_DAYS = 7
# Share of clinic (non-emergency) visits that were booked, by kind of institution.
_BOOKED_SHARE = {"general": 0.55, "tcm": 0.5, "rehab": 0.5, "maternal": 0.65, "dental": 0.65,
                 "psychiatric": 0.55, "community": 0.42}  # fmt: skip
CANCEL_PER_KEPT = 0.15  # cancelled bookings per kept booking (~12% of all bookings)
NO_SHOW_PER_KEPT = 0.08  # bookings not kept per kept booking (~6% of all bookings)
REFUND_RATE = 0.025  # 退号: registrations cancelled the same day
_CHANNEL_SHARES = np.array([0.42, 0.16, 0.17, 0.10, 0.15])  # order of truth.CHANNELS
# Lead days 0..7: at the window or kiosk people book for today; online and by phone further ahead.
_LEAD_ONSITE = np.array([0.55, 0.25, 0.08, 0.05, 0.03, 0.02, 0.01, 0.01])
_LEAD_REMOTE = np.array([0.18, 0.20, 0.15, 0.13, 0.11, 0.09, 0.08, 0.06])
_TITLE_DOCTOR_WEIGHT = {"主任医师": 0.6, "副主任医师": 0.8}  # experts hold fewer clinic sessions
EXPERT_TITLES = ("主任医师", "副主任医师")


def _pick_doctors(
    rng: np.random.Generator, doctors: pl.DataFrame, department_codes: np.ndarray
) -> np.ndarray:
    """A doctor row index (into ``doctors``) for each visit, within the visit's department."""
    result = np.empty(len(department_codes), dtype=np.int64)
    codes = doctors["department_code"].to_numpy()
    weights = np.array([_TITLE_DOCTOR_WEIGHT.get(t, 1.0) for t in doctors["title"].to_list()])
    for department in np.unique(department_codes):
        visits = department_codes == department
        candidates = np.flatnonzero(codes == department)
        p = weights[candidates] / weights[candidates].sum()
        result[visits] = candidates[rng.choice(len(candidates), size=int(visits.sum()), p=p)]
    return result


def _daily_counts(rng: np.random.Generator, days: list[dt.date], expected: np.ndarray) -> np.ndarray:
    """Local day (``datetime64[D]``) of each visit, Poisson counts around ``expected`` per day."""
    counts = rng.poisson(np.maximum(expected, 0.0))
    return np.repeat(np.array(days, dtype="datetime64[D]"), counts)


def _created_times(rng: np.random.Generator, slots: np.ndarray, channels: np.ndarray) -> np.ndarray:
    """When each booking was made: 0-7 days before its slot, depending on the channel."""
    n = len(slots)
    onsite = np.isin(channels, ["窗口", "自助机"])
    lead = np.where(
        onsite,
        rng.choice(8, size=n, p=_LEAD_ONSITE / _LEAD_ONSITE.sum()),
        rng.choice(8, size=n, p=_LEAD_REMOTE / _LEAD_REMOTE.sum()),
    )
    slot_days = season.local_dates(slots)
    earlier = season.sample_local_times(rng, slot_days - lead.astype("timedelta64[D]"), season.BOOKING_HOURS)
    same_day = slots - (rng.integers(10, 180, size=n) * MINUTE_US).astype("timedelta64[us]")
    return np.where(lead == 0, same_day, earlier)


def _same_day_cancel(rng: np.random.Generator, registered: np.ndarray) -> np.ndarray:
    """A 退号 time after ``registered``, within three hours and before local midnight."""
    next_midnight = (season.local_dates(registered) + np.timedelta64(1, "D")).astype("datetime64[us]")
    remaining = (next_midnight - season.LOCAL_OFFSET - registered).astype(np.int64) - 1
    span = np.minimum(180 * MINUTE_US, remaining)
    return season.whole_seconds(
        registered
        + (span * rng.uniform(0.05, 1.0, len(registered))).astype(np.int64).astype("timedelta64[us]")
    )


def simulate_outpatient(
    rng: np.random.Generator,
    *,
    institution: dict,
    departments: pl.DataFrame,
    doctors: pl.DataFrame,
    catchment: Catchment,
    patient_ids: pl.Series,
    volume: float,
    scale: float,
    start: dt.date,
    days: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Appointments and registrations (truth columns) of one institution for the window."""
    code, kind = institution["institution_code"], institution["kind"]
    window = season.window_days(start, days)
    horizon = season.window_days(start, days + BOOKING_HORIZON_DAYS)
    window_end = season.local_midnight_utc(window[-1] + dt.timedelta(days=1))  # exclusive, naive UTC
    clinic = departments.filter(~pl.col("is_emergency"))
    emergency_share = float(departments.filter(pl.col("is_emergency"))["share"].sum())
    clinic_share = clinic["share"].to_numpy() / clinic["share"].sum()

    # clinic demand, also beyond the window so that future slots are already booked at its end
    expected = (
        np.array([season.outpatient_factor(d) for d in horizon]) * volume * scale * (1 - emergency_share)
    )
    visit_day = _daily_counts(rng, horizon, expected)
    n = len(visit_day)
    department = clinic["department_code"].to_numpy()[rng.choice(len(clinic), size=n, p=clinic_share)]
    department_name = clinic["department_name"].to_numpy()[
        np.searchsorted(clinic["department_code"].to_numpy(), department)
    ]
    booked = rng.random(n) < _BOOKED_SHARE[kind]
    in_window = visit_day <= np.datetime64(window[-1], "D")
    slot = season.sample_local_times(rng, visit_day, season.SLOT_HOURS)
    slot = slot - (slot - slot.astype("datetime64[h]")) % np.timedelta64(
        30, "m"
    )  # slots start on the half hour
    arrival = slot - (rng.integers(0, 40 * 60, size=n) * 1_000_000).astype("timedelta64[us]")
    walk_in_time = season.sample_local_times(rng, visit_day, season.CLINIC_HOURS)
    clinic_visits = pl.DataFrame(
        {
            "department_code": department,
            "department_name": department_name,
            "day": visit_day,
            "slot_start_at": np.where(booked, slot, np.datetime64("NaT", "us")),
            "registered_at": np.where(booked, arrival, walk_in_time),
            "booked": booked,
            "registers": in_window,
        }
    )

    # bookings that are not kept: cancelled before the slot or simply not attended
    kept = clinic_visits.filter(pl.col("booked"))
    n_cancel = int(rng.poisson(kept.height * CANCEL_PER_KEPT))
    n_no_show = int(rng.poisson(kept.height * NO_SHOW_PER_KEPT))
    extra = kept.sample(n_cancel + n_no_show, with_replacement=True, seed=int(rng.integers(2**31)))
    extra_slots = season.sample_local_times(rng, extra["day"].to_numpy(), season.SLOT_HOURS)
    extra_slots = extra_slots - (extra_slots - extra_slots.astype("datetime64[h]")) % np.timedelta64(30, "m")
    extra = extra.with_columns(
        pl.Series("slot_start_at", extra_slots),
        pl.Series("outcome", ["cancelled"] * n_cancel + ["no_show"] * n_no_show),
        pl.lit(False).alias("registers"),
    )
    bookings = pl.concat(
        [kept.with_columns(pl.lit("kept").alias("outcome")), extra.select(kept.columns + ["outcome"])]
    )

    # emergency: window days only, around the clock, a little busier on days off
    if emergency_share > 0:
        em_expected = (
            np.array([1.0 if season.day_kind(d) == "workday" else 1.1 for d in window]) * volume * scale
        )
        em_day = _daily_counts(rng, window, em_expected * emergency_share)
    else:
        em_day = np.array([], dtype="datetime64[D]")
    em_department = departments.filter(pl.col("is_emergency"))
    emergency = pl.DataFrame(
        {
            "department_code": np.repeat(em_department["department_code"].to_numpy()[:1], len(em_day)),
            "department_name": np.repeat(em_department["department_name"].to_numpy()[:1], len(em_day)),
            "day": em_day,
            "registered_at": season.sample_local_times(rng, em_day, season.EMERGENCY_HOURS),
        }
    )
    return _assemble(
        rng, code=code, doctors=doctors, catchment=catchment, patient_ids=patient_ids,
        clinic_visits=clinic_visits, bookings=bookings, emergency=emergency, window_end=window_end,
    )  # fmt: skip


def _assemble(
    rng: np.random.Generator,
    *,
    code: str,
    doctors: pl.DataFrame,
    catchment: Catchment,
    patient_ids: pl.Series,
    clinic_visits: pl.DataFrame,
    bookings: pl.DataFrame,
    emergency: pl.DataFrame,
    window_end: np.datetime64,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Give visits doctors, patients, channels and times, then split into the two truth tables."""
    # one row per booking; kept in-window bookings also become registrations (registers=True)
    kept_registers = (bookings["outcome"] == "kept").to_numpy() & bookings["registers"].to_numpy()
    walk_ins = clinic_visits.filter(~pl.col("booked") & pl.col("registers"))
    n_b = bookings.height
    doctor_b = _pick_doctors(rng, doctors, bookings["department_code"].to_numpy())
    patient_b = catchment.draw(rng, bookings["department_name"].to_numpy())
    channel = np.array(CHANNELS)[rng.choice(len(CHANNELS), size=n_b, p=_CHANNEL_SHARES)]
    slots = bookings["slot_start_at"].to_numpy()
    created = _created_times(rng, slots, channel)
    # people arrive after they booked (a same-day booking may be minutes before the slot)
    arrival = np.maximum(bookings["registered_at"].to_numpy(), created + np.timedelta64(1, "m"))
    cancel_at = created + ((slots - created).astype(np.int64) * rng.uniform(0.05, 0.95, n_b)).astype(
        "timedelta64[us]"
    )
    cancel_at = season.whole_seconds(cancel_at)
    outcome = bookings["outcome"].to_numpy()
    is_cancelled = (outcome == "cancelled") & (cancel_at < window_end)
    slot_passed = slots < window_end
    status = np.where(
        is_cancelled,
        "cancelled",
        np.where(~slot_passed, "booked", np.where(outcome == "kept", "fulfilled", "no_show")),
    )
    appointments = pl.DataFrame(
        {
            "institution_code": code,
            "department_code": bookings["department_code"].to_numpy(),
            "doctor_index": doctor_b,
            "patient_index": patient_b,
            "channel": channel,
            "created_at": created,
            "slot_start_at": slots,
            "status": status,
            "cancelled_at": np.where(is_cancelled, cancel_at, np.datetime64("NaT", "us")),
            "registered_at": arrival,
            "registers": kept_registers & slot_passed,
        }
    ).filter(pl.col("created_at") < window_end)
    appointments = appointments.sort("created_at").with_columns(
        (pl.lit(f"{code}A") + (pl.int_range(1, pl.len() + 1)).cast(pl.Utf8).str.zfill(8)).alias(
            "appointment_id"
        )
    )

    walk_in_doctor = _pick_doctors(rng, doctors, walk_ins["department_code"].to_numpy())
    em_doctors = np.flatnonzero(doctors["is_emergency"].to_numpy())
    em_doctor = (
        em_doctors[rng.integers(0, max(len(em_doctors), 1), size=emergency.height)] if len(em_doctors) else []
    )
    unbooked = pl.DataFrame(
        {
            "department_code": np.concatenate([walk_ins["department_code"].to_numpy(), emergency["department_code"].to_numpy()]),
            "doctor_index": np.concatenate([walk_in_doctor, np.asarray(em_doctor, dtype=np.int64)]),
            "patient_index": np.concatenate([
                catchment.draw(rng, walk_ins["department_name"].to_numpy()),
                catchment.draw(rng, emergency["department_name"].to_numpy()),
            ]),
            "registered_at": np.concatenate([walk_ins["registered_at"].to_numpy(), emergency["registered_at"].to_numpy()]),
            "appointment_id": pl.Series([None] * (walk_ins.height + emergency.height), dtype=pl.Utf8),
        }
    )  # fmt: skip
    from_bookings = appointments.filter(pl.col("registers")).select(unbooked.columns)
    registrations = pl.concat([from_bookings, unbooked]).sort("registered_at", "patient_index")
    registered = registrations["registered_at"].to_numpy()
    refund_at = _same_day_cancel(rng, registered)
    # a 退号 needs time after the registration on the same day (not at 23:59:59)
    refunded = (rng.random(len(registered)) < REFUND_RATE) & (refund_at > registered)
    titles = doctors["title"].to_numpy()[registrations["doctor_index"].to_numpy()]
    is_emergency = doctors["is_emergency"].to_numpy()[registrations["doctor_index"].to_numpy()]
    visit_type = np.where(
        is_emergency, "急诊", np.where(np.isin(titles, EXPERT_TITLES), "专家门诊", "普通门诊")
    )
    registrations = registrations.with_columns(
        (pl.lit(f"{code}R") + pl.int_range(1, pl.len() + 1).cast(pl.Utf8).str.zfill(8)).alias(
            "registration_id"
        ),
        pl.lit(code).alias("institution_code"),
        pl.Series("visit_type", visit_type),
        pl.Series("fee_yuan", doctors["fee_yuan"].to_numpy()[registrations["doctor_index"].to_numpy()]),
        pl.Series("is_cancelled", refunded),
        pl.Series("cancelled_at", np.where(refunded, refund_at, np.datetime64("NaT", "us"))),
    )

    # link the bookings to their registrations; a booking whose registration was 退号 was not kept
    links = registrations.filter(pl.col("appointment_id").is_not_null()).select(
        "appointment_id", "registration_id", "is_cancelled"
    )
    appointments = appointments.join(links, on="appointment_id", how="left").with_columns(
        pl.when(pl.col("is_cancelled").fill_null(False) & (pl.col("status") == "fulfilled"))
        .then(pl.lit("no_show")).otherwise(pl.col("status")).alias("status")
    )  # fmt: skip
    # gather from polars Series: building string columns from numpy unicode arrays is slow
    doctor_codes = doctors["doctor_code"]
    appointments = appointments.with_columns(
        doctor_codes.gather(appointments["doctor_index"]).alias("doctor_code"),
        patient_ids.gather(appointments["patient_index"]).alias("patient_id"),
    )
    registrations = registrations.with_columns(
        doctor_codes.gather(registrations["doctor_index"]).alias("doctor_code"),
        patient_ids.gather(registrations["patient_index"]).alias("patient_id"),
    )
    return appointments, registrations
