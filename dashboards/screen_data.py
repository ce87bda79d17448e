"""What the big screen reads, through the warehouse query layer, cached for a short window.

The screen is district-wide. Caches hold results for ``CACHE_SECONDS`` only: the pipeline swaps
in a new warehouse file after every build and the panels refresh every ``REFRESH_SECONDS``.
Nothing here computes an indicator; values, rankings and 同比/环比 come from the warehouse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from warehouse import query
from warehouse.catalog import load_catalog
from warehouse.query import Comparison, Freshness, Scope

REFRESH_SECONDS = 60
CACHE_SECONDS = 30
TREND_DAYS = 30
SCREEN_SCOPE = Scope.district()


@dataclass(frozen=True)
class KpiSpec:
    """One headline figure: which code at which grain."""

    code: str
    grain: str


HEADLINE_KPIS: tuple[KpiSpec, ...] = (
    KpiSpec("ITS.PRE.appointments_today", "day"),
    KpiSpec("ITS.REG.registrations_today", "day"),
    KpiSpec("ITS.PRE.appointment_rate", "day"),
    KpiSpec("ITS.PRE.fulfilment_rate", "day"),
    KpiSpec("PUB.USERS.registered_cumulative", "cumulative"),
    KpiSpec("PUB.USERS.verified_cumulative", "cumulative"),
    KpiSpec("PUB.ACTIVE.dau", "day"),
    KpiSpec("PUB.ACTIVE.mau", "month"),
)


@dataclass(frozen=True)
class KpiReading:
    """A headline figure ready to draw: catalog labels plus the stored value and its comparisons."""

    code: str
    grain: str
    name_zh: str
    unit: str
    unit_zh: str
    comparison: Comparison | None


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def load_freshness() -> Freshness:
    """Latest day with data and the time of the last warehouse build."""
    return query.data_freshness(scope=SCREEN_SCOPE)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def load_kpis() -> list[KpiReading]:
    """The headline figures, each at its latest stored period, with 环比 and 同比."""
    catalog = load_catalog()
    readings = []
    for spec in HEADLINE_KPIS:
        indicator = catalog.get(spec.code)
        readings.append(
            KpiReading(
                code=spec.code,
                grain=spec.grain,
                name_zh=indicator.name_zh,
                unit=indicator.unit,
                unit_zh=indicator.unit_zh,
                comparison=query.period_comparison(spec.code, spec.grain, scope=SCREEN_SCOPE),
            )
        )
    return readings


def _trailing_start(code: str) -> tuple[dt.date | None, dt.date | None]:
    latest = query.latest_period(code, "day", scope=SCREEN_SCOPE)
    if latest is None:
        return None, None
    return latest - dt.timedelta(days=TREND_DAYS - 1), latest


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def load_daily_trend(codes: tuple[str, ...]) -> pd.DataFrame:
    """The last ``TREND_DAYS`` days of district values for each code: ``period_start, value, name_zh``."""
    catalog = load_catalog()
    frames = []
    for code in codes:
        start, end = _trailing_start(code)
        if start is None:
            continue
        series = query.time_series(code, "day", scope=SCREEN_SCOPE, start=start, end=end)
        frames.append(series.assign(code=code, name_zh=catalog.get(code).name_zh))
    if not frames:
        return pd.DataFrame(columns=["period_start", "member", "value", "code", "name_zh"])
    return pd.concat(frames, ignore_index=True)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def load_ranking(code: str, limit: int = 10) -> pd.DataFrame:
    """Top institutions of the latest day for a ranking code (short names)."""
    return query.institution_ranking(code, "day", scope=SCREEN_SCOPE, limit=limit)


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def load_breakdown(code: str, grain: str, dimension: str) -> pd.DataFrame:
    """Members of one dimension for the latest period of a code: ``member, value, period_start``."""
    return query.breakdown(code, grain, dimension, scope=SCREEN_SCOPE)


def indicator_name(code: str) -> str:
    """The Chinese name of a code, from the catalog."""
    return load_catalog().get(code).name_zh
