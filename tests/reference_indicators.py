"""The foundation indicators recomputed in Python from the simulator's truth, independently of dbt.

:func:`expected_indicator_values` follows docs/indicators.md literally (data window, periods,
zero-fill, cumulative history, ratio rounding, dimension rows) and returns the long shape of
``indicators.indicator_values`` (without ``computed_at``). Grains and dimensions are read from
``warehouse/catalog/indicators.yaml``; what each code counts is written here from the document, so a
mistake in the warehouse's SQL cannot hide in a shared definition.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from warehouse.paths import REPO_ROOT

# The repository ships the catalog (tests/warehouse checks it equals ../shared/indicators.yaml).
CATALOG = REPO_ROOT / "warehouse" / "catalog" / "indicators.yaml"
INSTITUTIONS_SEED = REPO_ROOT / "dbt" / "seeds" / "institutions.csv"
SHANGHAI = dt.timedelta(hours=8)
AGE_BANDS = ((80, "80+"), (70, "70-79"), (60, "60-69"), (40, "40-59"), (18, "18-39"), (0, "0-17"))
MEMBERS = {
    "gender": ("男", "女"),
    "age_band": tuple(label for _, label in reversed(AGE_BANDS)),
    "module": (
        "健康档案",
        "门诊预约",
        "住院服务",
        "云陪诊",
        "互联网诊疗",
        "药品查询",
        "一键续方",
        "代配药",
        "疫苗接种",
        "健康体检",
    ),
}
OUTPUT_SCHEMA = {
    "indicator_code": pl.Utf8,
    "grain": pl.Utf8,
    "period_start": pl.Date,
    "institution_code": pl.Utf8,
    "dimension": pl.Utf8,
    "member": pl.Utf8,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
}


@dataclass(frozen=True)
class Spec:
    """What one code counts: events (columns date, institution_code, gender, birth_date, module,
    user_id, hit) built from the truth tables, and how they are measured."""

    events: Callable[[dict[str, pl.DataFrame]], pl.DataFrame]
    measure: str = "count"  # count | distinct (user_id) | ratio (hit / all)


def local_date(column: str) -> pl.Expr:
    """The Shanghai business date of a naive-UTC timestamp column."""
    return (pl.col(column) + SHANGHAI).dt.date()


def age_band(birth: dt.date, on: dt.date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    return next(label for lower, label in AGE_BANDS if age >= lower)


def _events(
    frame: pl.DataFrame, date: pl.Expr, *, hit: pl.Expr | None = None, **extra: pl.Expr
) -> pl.DataFrame:
    columns = {
        "date": date,
        "institution_code": pl.col("institution_code")
        if "institution_code" in frame.columns
        else pl.lit(None, pl.Utf8),
        "hit": hit if hit is not None else pl.lit(True),
        **extra,
    }
    return frame.select(**columns).filter(pl.col("date").is_not_null())


def _appointments(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Appointments with is_cancelled, cancelled_in_time and is_fulfilled per docs/indicators.md."""
    fulfilling = (
        t["registrations"]
        .filter(pl.col("appointment_id").is_not_null() & ~pl.col("is_cancelled"))
        .select("institution_code", "appointment_id")
        .unique()
        .with_columns(is_fulfilled=pl.lit(True))
    )
    cancelled = pl.col("status") == "cancelled"
    return (
        t["appointments"]
        .join(fulfilling, on=["institution_code", "appointment_id"], how="left")
        .with_columns(
            is_fulfilled=pl.col("is_fulfilled").fill_null(False),
            cancelled_in_time=(cancelled & (pl.col("cancelled_at") < pl.col("slot_start_at"))).fill_null(
                False
            ),
        )
    )


def _users(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    people = t["patients"].select("patient_id", "gender", "birth_date")
    return t["wechat_users"].join(people, on="patient_id", how="left")


def _verified(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    users = _users(t).filter(pl.col("verify_status") == "verified")
    return _events(users, local_date("verified_at"), gender=pl.col("gender"), birth_date=pl.col("birth_date"))


def _appointments_created(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return _events(t["appointments"], local_date("created_at"))


def _registrations(t: dict[str, pl.DataFrame], *, cancelled_too: bool = False) -> pl.DataFrame:
    frame = t["registrations"] if cancelled_too else t["registrations"].filter(~pl.col("is_cancelled"))
    return _events(frame, local_date("registered_at"), hit=pl.col("appointment_id").is_not_null())


def _fulfilment(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    due = _appointments(t).filter(~pl.col("cancelled_in_time"))
    return _events(due, local_date("slot_start_at"), hit=pl.col("is_fulfilled"))


def _user_dates(column: str) -> Callable[[dict[str, pl.DataFrame]], pl.DataFrame]:
    return lambda t: _events(t["wechat_users"], local_date(column))


def _app_opens(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return _events(t["wechat_app_opens"], local_date("opened_at"), user_id=pl.col("user_id"))


def _module_visits(t: dict[str, pl.DataFrame]) -> pl.DataFrame:
    return _events(t["wechat_module_visits"], local_date("visited_at"), module=pl.col("module"))


SPECS: dict[str, Spec] = {
    "PUB.USERS.registered_cumulative": Spec(_user_dates("registered_at")),
    "PUB.USERS.verified_cumulative": Spec(_verified),
    "PUB.USERS.registered_daily": Spec(_user_dates("registered_at")),
    "PUB.USERS.verified_daily": Spec(_verified),
    "PUB.USERS.manual_review_cumulative": Spec(_user_dates("manual_decided_at")),
    "PUB.USERS.verified_by_gender": Spec(_verified),
    "PUB.USERS.verified_by_age": Spec(_verified),
    "PUB.USERS.manual_review_applications": Spec(_user_dates("manual_applied_at")),
    "PUB.USERS.manual_review_processed": Spec(_user_dates("manual_decided_at")),
    "PUB.ACTIVE.dau": Spec(_app_opens, measure="distinct"),
    "PUB.ACTIVE.mau": Spec(_app_opens, measure="distinct"),
    "PUB.ACTIVE.module_visits": Spec(_module_visits),
    "ITS.PRE.appointments_today": Spec(_appointments_created),
    "ITS.PRE.appointments_cumulative": Spec(_appointments_created),
    "ITS.PRE.appointment_rate": Spec(_registrations, measure="ratio"),
    "ITS.PRE.fulfilment_rate": Spec(_fulfilment, measure="ratio"),
    "ITS.PRE.appointments_trend": Spec(_appointments_created),
    "ITS.PRE.appointments_by_institution": Spec(_appointments_created),
    "ITS.PRE.appointments_ranking": Spec(_appointments_created),
    "ITS.PRE.appointments_detail": Spec(_appointments_created),  # the detail view holds every appointment
    "ITS.REG.registrations_today": Spec(_registrations),
    "ITS.REG.registrations_cumulative": Spec(_registrations),
    "ITS.REG.registrations_trend": Spec(_registrations),
    "ITS.REG.registrations_by_institution": Spec(_registrations),
    "ITS.REG.registrations_ranking": Spec(_registrations),
    "ITS.REG.registrations_detail": Spec(lambda t: _registrations(t, cancelled_too=True)),
}


def foundation_catalog(path: Path = CATALOG) -> dict[str, tuple[list[str], list[str]]]:
    """code -> (grains, dimensions) for the PUB area and the ITS.PRE / ITS.REG themes."""
    catalog = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        indicator["code"]: (list(indicator["grains"]), list(indicator["dimensions"]))
        for area in catalog["areas"]
        for theme in area["themes"]
        if area["code"] == "PUB" or theme["code"] in ("ITS.PRE", "ITS.REG")
        for indicator in theme["indicators"]
    }


def periods(grain: str, data_start: dt.date, as_of: dt.date) -> list[tuple[dt.date, dt.date, dt.date]]:
    """(period_start, first counted date, last counted date) of every period of ``grain``."""
    days = [data_start + dt.timedelta(days=n) for n in range((as_of - data_start).days + 1)]
    if grain == "day":
        return [(d, d, d) for d in days]
    if grain == "cumulative":
        return [(d, dt.date.min, d) for d in days]
    if grain == "month":
        starts = sorted({d.replace(day=1) for d in days})
        return [
            (s, s, min(as_of, (s + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)))
            for s in starts
        ]
    if grain == "year":
        starts = sorted({d.replace(month=1, day=1) for d in days})
        return [(s, s, min(as_of, s.replace(month=12, day=31))) for s in starts]
    raise ValueError(f"unknown grain {grain}")


def _measure(events: pl.DataFrame, by: list[str], measure: str) -> dict[tuple, tuple[float, float]]:
    """(numerator, denominator) per group of ``by``; for counts and distinct counts both are the count."""
    if measure == "distinct":
        aggregations = [pl.col("user_id").n_unique().alias("num"), pl.col("user_id").n_unique().alias("den")]
    elif measure == "ratio":
        aggregations = [pl.col("hit").sum().alias("num"), pl.len().alias("den")]
    else:
        aggregations = [pl.len().alias("num"), pl.len().alias("den")]
    if not by:
        row = events.select(aggregations).row(0) if events.height else (0, 0)
        return {(): (float(row[0] or 0), float(row[1] or 0))}
    grouped = events.group_by(by).agg(aggregations)
    return {
        tuple(r[c] for c in by): (float(r["num"]), float(r["den"])) for r in grouped.iter_rows(named=True)
    }


def _row(
    code: str,
    grain: str,
    start: dt.date,
    institution: str | None,
    dimension: str | None,
    member: str | None,
    numerator: float,
    denominator: float,
    measure: str,
) -> dict | None:
    if measure != "ratio":
        return {
            "indicator_code": code,
            "grain": grain,
            "period_start": start,
            "institution_code": institution,
            "dimension": dimension,
            "member": member,
            "value": numerator,
            "numerator": numerator,
            "denominator": None,
        }
    if denominator <= 0:
        return None  # ratio rows only where the denominator is above 0
    value = (
        math.floor(100 * numerator / denominator * 10_000 + 0.5) / 10_000
    )  # half away from zero, 4 decimals
    return {
        "indicator_code": code,
        "grain": grain,
        "period_start": start,
        "institution_code": institution,
        "dimension": dimension,
        "member": member,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
    }


def indicator_rows(
    code: str,
    events: pl.DataFrame,
    *,
    measure: str,
    grains: Iterable[str],
    dimensions: Iterable[str],
    institutions: list[str],
    data_start: dt.date,
    as_of: dt.date,
) -> list[dict]:
    """Every row of one code: each period x scope (district, institutions) x (total, members)."""
    dimensions = list(dimensions)
    per_institution = "institution" in dimensions
    breakdowns = [d for d in dimensions if d != "institution"]
    rows: list[dict | None] = []
    for grain in grains:
        for start, first, last in periods(grain, data_start, as_of):
            in_period = events.filter(pl.col("date").is_between(first, last))
            if "age_band" in breakdowns:
                bands = [age_band(b, start) if b else None for b in in_period["birth_date"].to_list()]
                in_period = in_period.with_columns(age_band=pl.Series(bands, dtype=pl.Utf8))
            for dimension in [None, *breakdowns]:
                member_by = [dimension] if dimension else []
                members = MEMBERS[dimension] if dimension else (None,)
                scopes = [(None, _measure(in_period, member_by, measure))]
                if per_institution:
                    by_institution = _measure(in_period, ["institution_code", *member_by], measure)
                    scopes += [
                        (code_, {k[1:]: v for k, v in by_institution.items() if k[0] == code_})
                        for code_ in institutions
                    ]
                for institution, measured in scopes:
                    for member in members:
                        numerator, denominator = measured.get((member,) if dimension else (), (0.0, 0.0))
                        rows.append(
                            _row(
                                code,
                                grain,
                                start,
                                institution,
                                dimension,
                                member,
                                numerator,
                                denominator,
                                measure,
                            )
                        )
    return [r for r in rows if r is not None]


def load_truth(truth_dir: Path) -> dict[str, pl.DataFrame]:
    names = (
        "appointments",
        "registrations",
        "patients",
        "wechat_users",
        "wechat_app_opens",
        "wechat_module_visits",
    )
    return {name: pl.read_parquet(truth_dir / f"{name}.parquet") for name in names}


def expected_indicator_values(
    truth_dir: Path,
    *,
    data_start: dt.date,
    as_of: dt.date,
    institutions_csv: Path = INSTITUTIONS_SEED,
    catalog: Path = CATALOG,
) -> pl.DataFrame:
    """Every PUB / ITS.PRE / ITS.REG value of docs/indicators.md, from the truth tables in ``truth_dir``.

    ``data_start`` and ``as_of`` are the first and last delivered days (partition dates).
    """
    truth = load_truth(truth_dir)
    institutions = pl.read_csv(institutions_csv, schema_overrides={"institution_code": pl.Utf8})[
        "institution_code"
    ].to_list()
    rows: list[dict] = []
    for code, (grains, dimensions) in foundation_catalog(catalog).items():
        spec = SPECS[code]
        rows += indicator_rows(
            code,
            spec.events(truth),
            measure=spec.measure,
            grains=grains,
            dimensions=dimensions,
            institutions=institutions,
            data_start=data_start,
            as_of=as_of,
        )
    return pl.DataFrame(rows, schema=OUTPUT_SCHEMA, orient="row")
