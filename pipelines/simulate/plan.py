"""The delivery plan: which record versions each source delivers on each local day, defects included.

Built from the truth (:func:`plan_deliveries`), it adds two kinds of planned defects, each
recorded as a row of the ``defects`` truth table:

- late corrections (HIS only): a record's final version is first delivered wrong (kind
  ``correction_wrong``: a false 退号/cancellation, or a wrong department with the event time moved
  onto another date); the correct version (kind ``correction``, later ``version_at``) follows 1-7
  days later, planned only when that day is inside the window;
- duplicates: a version delivered a second time (kind ``duplicate``), the same day or the next.

Format writers may add malformed records on their own; they report those defects themselves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from pipelines.simulate import truth as truth_schema
from pipelines.simulate.delivery import Delivery, RecordVersion
from pipelines.simulate.seasonality import local_midnight_utc, window_days
from pipelines.simulate.streams import stream
from pipelines.simulate.versions import (
    HIS_ENTITIES,
    PLANNING_COLUMNS,
    RECORD_ID,
    RECORD_KEYS,
    VENDOR_SOURCES,
    WECHAT_SOURCE,
    base_versions,
)  # fmt: skip

MAX_CORRECTION_DELAY_DAYS = 7
_EVENT_TIME = {"appointments": "created_at", "registrations": "registered_at"}
HOUR_US = 3_600_000_000


@dataclass
class DeliveryPlan:
    """Versions per entity (with planning columns) and the defects planned into them."""

    start: dt.date
    days: int
    sources: list[tuple[str, str | None]]  # (source, institution_code) pairs that deliver daily
    versions: dict[str, pl.DataFrame]
    defects: pl.DataFrame

    def delivery_count(self) -> int:
        """How many deliveries :meth:`deliveries` yields (every source, every day)."""
        return len(self.sources) * self.days

    def deliveries(self) -> Iterator[Delivery]:
        """One :class:`Delivery` per (source, institution, local day), empty ones included, in a fixed order."""
        grouped: dict[tuple, list[tuple[str, pl.DataFrame]]] = {}
        for entity, frame in self.versions.items():
            for key, part in frame.partition_by(
                "source", "institution_code", "delivery_day", as_dict=True
            ).items():
                grouped.setdefault(key, []).append((entity, part))
        for day in window_days(self.start, self.days):
            for source, institution in self.sources:
                delivery = Delivery(source=source, institution_code=institution, day=day)
                for entity, part in grouped.pop((source, institution, day), []):
                    delivery.versions.extend(_to_versions(entity, part))
                yield delivery


def _python_values(column: pl.Series) -> list:
    """A column as Python values; dates and datetimes go through numpy, several times faster than polars."""
    if column.dtype == pl.Date or isinstance(column.dtype, pl.Datetime):
        return column.to_numpy().tolist()  # NaT becomes None
    return column.to_list()


def _to_versions(entity: str, part: pl.DataFrame) -> list[RecordVersion]:
    part = part.sort("version_at", RECORD_ID[entity], "kind")
    keys = RECORD_KEYS[entity]
    records = [
        dict(zip(keys, values, strict=True))
        for values in zip(*(_python_values(part[k]) for k in keys), strict=True)
    ]
    return [
        RecordVersion(entity=entity, record=record, version_at=version_at, kind=kind)
        for record, version_at, kind in zip(
            records, _python_values(part["version_at"]), part["kind"].to_list(), strict=True
        )
    ]


def _defect_rows(
    frame: pl.DataFrame, entity: str, kind: str, day_column: str, detail: pl.Expr
) -> pl.DataFrame:
    return frame.select(
        pl.col("source"), pl.col("institution_code"), pl.col(day_column).alias("partition_date"),
        pl.lit(kind).alias("kind"), pl.lit(entity).alias("entity"), pl.col(RECORD_ID[entity]).alias("record_id"),
        detail.alias("detail"),
    )  # fmt: skip


def _other_departments(rng: np.random.Generator, chosen: pl.DataFrame, truth: dict) -> pl.DataFrame:
    """For each chosen row another department of its institution, and one of that department's doctors."""
    departments = truth["departments"].sort("department_code")
    doctors = truth["doctors"].sort("doctor_code")
    by_institution = {
        code[0]: group["department_code"].to_numpy()
        for code, group in departments.group_by("institution_code")
    }
    staff = {code[0]: group["doctor_code"].to_numpy() for code, group in doctors.group_by("department_code")}
    department_names = dict(departments.select("department_code", "department_name").iter_rows())
    doctor_names = dict(doctors.select("doctor_code", "doctor_name").iter_rows())
    rows = []
    for institution, current in chosen.select("institution_code", "department_code").iter_rows():
        options = by_institution[institution]
        options = options[options != current]
        department = str(options[rng.integers(len(options))])
        doctor = str(staff[department][rng.integers(len(staff[department]))])
        rows.append((department, department_names[department], doctor, doctor_names[doctor]))
    return pl.DataFrame(
        rows, schema=["department_code", "department_name", "doctor_code", "doctor_name"], orient="row"
    ).cast(pl.Utf8)


def _wrong_versions(rng: np.random.Generator, entity: str, chosen: pl.DataFrame, truth: dict) -> pl.DataFrame:
    """The chosen final versions with a wrong value that changes the indicators."""
    n = chosen.height
    if n == 0:
        return chosen.with_columns(
            pl.lit("correction_wrong").alias("kind"), pl.lit(None, pl.Utf8).alias("_what")
        )
    event = _EVENT_TIME[entity]
    already_cancelled = (
        chosen["is_cancelled"].to_numpy()
        if entity == "registrations"
        else (chosen["status"] == "cancelled").to_numpy()
    )
    false_cancel = ~already_cancelled & (rng.random(n) < 0.5)
    minutes = pl.Series(rng.integers(5, 60, n) * 60_000_000).cast(pl.Duration("us"))
    if entity == "registrations":
        cancel = [pl.lit(True).alias("is_cancelled"), (pl.col(event) + minutes).alias("cancelled_at")]
    else:
        cancel = [pl.lit("cancelled").alias("status"), (pl.col(event) + minutes).alias("cancelled_at")]
    # another department (and one of its doctors) of the same institution, the time moved 24-30 h either way
    site = _other_departments(rng, chosen, truth)
    shift = pl.Series(
        np.where(rng.random(n) < 0.5, -1, 1) * rng.integers(24 * 3600, 30 * 3600, n) * 1_000_000
    ).cast(pl.Duration("us"))
    moved = chosen.with_columns(
        site["department_code"], site["department_name"], site["doctor_code"], site["doctor_name"],
        (pl.col(event) + shift).alias(event),
    )  # fmt: skip
    cancelled = chosen.with_columns(*cancel)
    mask = pl.Series(false_cancel)
    wrong = pl.concat([cancelled.filter(mask), moved.filter(~mask)], how="vertical_relaxed")
    what = pl.Series(
        ["误报取消"] * int(false_cancel.sum()) + ["科室与时间错误"] * int((~false_cancel).sum()),
        dtype=pl.Utf8,
    )
    return wrong.with_columns(pl.lit("correction_wrong").alias("kind"), what.alias("_what"))


def _plan_corrections(
    rng: np.random.Generator, entity: str, frame: pl.DataFrame, truth: dict, end: dt.date, rate: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Replace some final versions by a wrong one plus a later correction; returns (frame, defects)."""
    record_id = RECORD_ID[entity]
    is_final = pl.col("version_at") == pl.col("version_at").max().over(record_id)
    delay = rng.integers(1, MAX_CORRECTION_DELAY_DAYS + 1, frame.height)
    picked = rng.random(frame.height) < rate
    frame = frame.with_columns(pl.Series("_delay", delay), pl.Series("_picked", picked))
    chosen_expr = (
        is_final & pl.col("_picked") & (pl.col("delivery_day") + pl.duration(days=pl.col("_delay")) <= end)
    )
    chosen = frame.filter(chosen_expr).sort(record_id)
    kept = frame.filter(~chosen_expr)
    wrong = _wrong_versions(rng, entity, chosen, truth)
    correct_day = pl.col("delivery_day") + pl.duration(days=pl.col("_delay"))
    offsets = pl.Series(rng.integers(1, 20, chosen.height) * HOUR_US).cast(pl.Duration("us"))
    corrected = chosen.with_columns(
        correct_day.alias("delivery_day"), pl.lit("correction").alias("kind")
    ).with_columns(
        (pl.col("delivery_day").cast(pl.Datetime("us")) - pl.duration(hours=8) + offsets).alias("version_at")
    )
    defects = _defect_rows(
        wrong.join(corrected.select(record_id, pl.col("delivery_day").alias("_fixed_on")), on=record_id),
        entity, "late_correction", "delivery_day",
        pl.format("错误版本（{}）于 {} 送达，更正版本于 {} 送达", "_what", "delivery_day", "_fixed_on"),
    )  # fmt: skip
    columns = list(frame.columns)
    frame = pl.concat([kept, wrong.select(columns), corrected.select(columns)], how="vertical_relaxed")
    return frame.drop("_delay", "_picked"), defects


def _plan_duplicates(
    rng: np.random.Generator, entity: str, frame: pl.DataFrame, end: dt.date, rate: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Deliver some (correct) versions twice, the same day or the next; returns (frame, defects)."""
    eligible = (frame["kind"] != "correction_wrong").to_numpy()
    picked = eligible & (rng.random(frame.height) < rate)
    next_day = rng.random(frame.height) < 0.5
    duplicates = frame.filter(pl.Series(picked)).with_columns(
        pl.lit("duplicate").alias("kind"),
        pl.when(pl.Series(next_day[picked]) & (pl.col("delivery_day") < end))
        .then(pl.col("delivery_day") + pl.duration(days=1))
        .otherwise(pl.col("delivery_day"))
        .alias("delivery_day"),
    )
    defects = _defect_rows(duplicates, entity, "duplicate", "delivery_day",
                           pl.format("重复发送 {} 的版本", pl.col("version_at").dt.offset_by("8h").dt.strftime("%Y-%m-%d %H:%M:%S")))  # fmt: skip
    return pl.concat([frame, duplicates]), defects


def plan_deliveries(
    truth: dict[str, pl.DataFrame], *, start: dt.date, days: int, seed: int, defect_rate: float
) -> DeliveryPlan:
    """The full delivery plan for the window, defects planned at ``defect_rate`` each."""
    end = start + dt.timedelta(days=days - 1)
    versions = base_versions(truth, start)
    defect_frames = []
    for entity, frame in versions.items():
        rng = stream(seed, "plan", entity)
        if entity in HIS_ENTITIES and defect_rate > 0:
            frame, defects = _plan_corrections(rng, entity, frame, truth, end, defect_rate)
            defect_frames.append(defects)
        if defect_rate > 0:
            frame, defects = _plan_duplicates(rng, entity, frame, end, defect_rate)
            defect_frames.append(defects)
        versions[entity] = frame.select(
            *PLANNING_COLUMNS, *[c for c in frame.columns if c not in PLANNING_COLUMNS]
        )
    defects = (
        pl.concat(defect_frames, how="vertical_relaxed")
        if defect_frames
        else pl.DataFrame(schema=truth_schema.DEFECTS)
    )
    defects = defects.select([pl.col(c).cast(t) for c, t in truth_schema.DEFECTS.items()])
    institutions = truth["institutions"].sort("institution_code")
    sources = [
        (VENDOR_SOURCES[v], code)
        for code, v in institutions.select("institution_code", "his_vendor").iter_rows()
    ]
    sources.append((WECHAT_SOURCE, None))
    return DeliveryPlan(start=start, days=days, sources=sources, versions=versions, defects=defects)


def window_end_utc(start: dt.date, days: int) -> dt.datetime:
    """The exclusive end of the window (local midnight after its last day) as naive UTC."""
    return local_midnight_utc(start + dt.timedelta(days=days)).item()
