"""Turn the truth into record versions: what each source system held, and when it changed.

One frame per delivered entity, one row per version, with the record's canonical fields (the keys
listed in :mod:`pipelines.simulate.delivery`) plus planning columns: ``source``,
``institution_code`` (NULL for WeChat), ``version_at``, ``kind`` (original | update) and
``delivery_day`` (the local date of ``version_at``; versions from before the window are delivered
on its first day, as the snapshot a new interface starts with).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.simulate.seasonality import local_midnight_utc

VENDOR_SOURCES = {"A": "his_a", "B": "his_b", "C": "his_c", "D": "his_d"}
WECHAT_SOURCE = "wechat"
PLANNING_COLUMNS = ("source", "institution_code", "delivery_day", "version_at", "kind")
RECORD_KEYS: dict[str, tuple[str, ...]] = {
    "appointments": ("appointment_id", "institution_code", "department_code", "department_name", "doctor_code",
                     "doctor_name", "id_number", "name", "gender", "birth_date", "phone", "channel", "created_at",
                     "slot_start_at", "status", "cancelled_at"),
    "registrations": ("registration_id", "institution_code", "department_code", "department_name", "doctor_code",
                      "doctor_name", "id_number", "name", "gender", "birth_date", "phone", "visit_type",
                      "registered_at", "appointment_id", "fee_yuan", "is_cancelled", "cancelled_at"),
    "wechat_users": ("user_id", "registered_at", "verify_status", "verify_method", "verified_at",
                     "manual_applied_at", "manual_decided_at", "phone", "id_number", "name", "gender", "birth_date"),
    "wechat_app_opens": ("event_id", "user_id", "opened_at"),
    "wechat_module_visits": ("event_id", "user_id", "module", "visited_at"),
}  # fmt: skip
RECORD_ID = {
    "appointments": "appointment_id",
    "registrations": "registration_id",
    "wechat_users": "user_id",
    "wechat_app_opens": "event_id",
    "wechat_module_visits": "event_id",
}
HIS_ENTITIES = ("appointments", "registrations")
SINGLE_VERSION = ("wechat_app_opens", "wechat_module_visits")  # events never change
PERSON = ("id_number", "name", "gender", "birth_date", "phone")


def _finish(frame: pl.DataFrame, entity: str, start: dt.date) -> pl.DataFrame:
    """Number versions per record (original, then update) and set the delivery day."""
    record_id = RECORD_ID[entity]
    window_start = local_midnight_utc(start).item()
    if entity == "wechat_users":
        # the first delivery is a snapshot: of the changes before the window only the last is sent
        before = pl.col("version_at") < window_start
        last_before = pl.col("version_at") == pl.col("version_at").filter(before).max().over(record_id)
        frame = frame.filter(~before | last_before)
    delivery_day = pl.max_horizontal(pl.col("version_at").dt.offset_by("8h").dt.date(), pl.lit(start))
    if entity in SINGLE_VERSION:  # no sort needed: every record has exactly one version
        frame = frame.with_columns(pl.lit("original").alias("kind"), delivery_day.alias("delivery_day"))
    else:
        frame = frame.sort(record_id, "version_at").with_columns(
            pl.when(pl.col(record_id).is_first_distinct())
            .then(pl.lit("original"))
            .otherwise(pl.lit("update"))
            .alias("kind"),
            delivery_day.alias("delivery_day"),
        )
    return frame.select(*PLANNING_COLUMNS[:-2], pl.col("version_at"), pl.lit("original").alias("kind"),
                            *[key for key in RECORD_KEYS[entity] if key != "institution_code"]).with_columns(
            delivery_day.alias("delivery_day")
        ).select(*PLANNING_COLUMNS, *[key for key in RECORD_KEYS[entity] if key != "institution_code"])  # fmt: skip
    frame = frame.sort(record_id, "version_at").with_columns(
        pl.when(pl.col(record_id).is_first_distinct())
        .then(pl.lit("original"))
        .otherwise(pl.lit("update"))
        .alias("kind"),
        delivery_day.alias("delivery_day"),
    )
    return frame.select(*PLANNING_COLUMNS, *[key for key in RECORD_KEYS[entity] if key != "institution_code"])


def _care_site(truth: dict[str, pl.DataFrame], frame: pl.DataFrame) -> pl.DataFrame:
    """Add department and doctor names, the patient's identity and the source of the institution."""
    sources = truth["institutions"].select(
        "institution_code", pl.col("his_vendor").replace_strict(VENDOR_SOURCES).alias("source")
    )
    return (
        frame.join(truth["departments"], on=["institution_code", "department_code"], how="left")
        .join(truth["doctors"].select("institution_code", "doctor_code", "doctor_name"), on=["institution_code", "doctor_code"], how="left")
        .join(truth["patients"].select("patient_id", *PERSON), on="patient_id", how="left")
        .join(sources, on="institution_code", how="left")
    )  # fmt: skip


def appointment_versions(truth: dict[str, pl.DataFrame], start: dt.date) -> pl.DataFrame:
    """A 'booked' version at creation and a 'cancelled' version at cancellation."""
    base = _care_site(truth, truth["appointments"])
    booked = base.with_columns(
        pl.lit("booked").alias("status"), pl.lit(None, pl.Datetime("us")).alias("cancelled_at"),
        pl.col("created_at").alias("version_at"),
    )  # fmt: skip
    cancelled = base.filter(pl.col("status") == "cancelled").with_columns(
        pl.col("cancelled_at").alias("version_at")
    )
    return _finish(pl.concat([booked, cancelled], how="diagonal_relaxed"), "appointments", start)


def registration_versions(truth: dict[str, pl.DataFrame], start: dt.date) -> pl.DataFrame:
    """A version at registration and, for a 退号, a cancelled version at its time."""
    base = _care_site(truth, truth["registrations"])
    registered = base.with_columns(
        pl.lit(False).alias("is_cancelled"), pl.lit(None, pl.Datetime("us")).alias("cancelled_at"),
        pl.col("registered_at").alias("version_at"),
    )  # fmt: skip
    refunded = base.filter(pl.col("is_cancelled")).with_columns(pl.col("cancelled_at").alias("version_at"))
    return _finish(pl.concat([registered, refunded], how="diagonal_relaxed"), "registrations", start)


def user_versions(truth: dict[str, pl.DataFrame], start: dt.date) -> pl.DataFrame:
    """A version of each user at every change: registration, verification, application, decision."""
    null_time = pl.lit(None, pl.Datetime("us"))
    users = truth["wechat_users"].join(
        truth["patients"].select("patient_id", *PERSON), on="patient_id", how="left"
    )
    anonymous = [pl.lit(None, pl.Utf8).alias(c) for c in ("id_number", "name", "gender")]
    anonymous.append(pl.lit(None, pl.Date).alias("birth_date"))
    registered = users.with_columns(
        pl.lit("none").alias("verify_status"), pl.lit(None, pl.Utf8).alias("verify_method"),
        null_time.alias("verified_at"), null_time.alias("manual_applied_at"), null_time.alias("manual_decided_at"),
        *anonymous, pl.col("registered_at").alias("version_at"),
    )  # fmt: skip
    auto = users.filter(pl.col("verify_method") == "auto").with_columns(
        pl.col("verified_at").alias("version_at")
    )
    applied = users.filter(pl.col("manual_applied_at").is_not_null()).with_columns(
        pl.lit("pending").alias("verify_status"), null_time.alias("verified_at"), null_time.alias("manual_decided_at"),
        *anonymous, pl.col("manual_applied_at").alias("version_at"),
    )  # fmt: skip
    decided = users.filter(pl.col("manual_decided_at").is_not_null()).with_columns(
        pl.col("manual_decided_at").alias("version_at"),
        *[pl.when(pl.col("verify_status") == "verified").then(pl.col(c)).otherwise(None).alias(c)
          for c in ("id_number", "name", "gender", "birth_date")],
    )  # fmt: skip
    frame = pl.concat([registered, auto, applied, decided], how="diagonal_relaxed")
    frame = frame.with_columns(
        pl.lit(WECHAT_SOURCE).alias("source"), pl.lit(None, pl.Utf8).alias("institution_code")
    )
    return _finish(frame, "wechat_users", start)


def event_versions(
    truth: dict[str, pl.DataFrame], entity: str, time_column: str, start: dt.date
) -> pl.DataFrame:
    """App opens and module visits: one version each, on their own day."""
    frame = truth[entity].with_columns(
        pl.lit(WECHAT_SOURCE).alias("source"), pl.lit(None, pl.Utf8).alias("institution_code"),
        pl.col(time_column).alias("version_at"),
    )  # fmt: skip
    return _finish(frame, entity, start)


def base_versions(truth: dict[str, pl.DataFrame], start: dt.date) -> dict[str, pl.DataFrame]:
    """Every delivered entity's versions before defects are planned."""
    return {
        "appointments": appointment_versions(truth, start),
        "registrations": registration_versions(truth, start),
        "wechat_users": user_versions(truth, start),
        "wechat_app_opens": event_versions(truth, "wechat_app_opens", "opened_at", start),
        "wechat_module_visits": event_versions(truth, "wechat_module_visits", "visited_at", start),
    }
