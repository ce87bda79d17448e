"""The district big screen (大屏): headline KPIs, trends, rankings and user profile, auto-refreshing.

Each panel is a fragment re-run every ``REFRESH_SECONDS``; data come through cached loaders with a
short TTL, so a newly built warehouse shows up without reloading the page. Until the warehouse
exists the screen shows a Chinese notice and reloads itself once the pipeline has built it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from dashboards import screen_data as data
from dashboards.components import charts, kpi, layout
from warehouse.connection import WarehouseUnavailable

APPOINTMENT_TREND = "ITS.PRE.appointments_trend"
REGISTRATION_TREND = "ITS.REG.registrations_trend"
DAU = "PUB.ACTIVE.dau"
APPOINTMENT_RANKING = "ITS.PRE.appointments_ranking"
REGISTRATION_RANKING = "ITS.REG.registrations_ranking"
MODULE_VISITS = "PUB.ACTIVE.module_visits"
BY_GENDER = "PUB.USERS.verified_by_gender"
BY_AGE = "PUB.USERS.verified_by_age"


def _day_note(period: object, prefix: str = "") -> str:
    return f"{prefix}{period:%m-%d}" if isinstance(period, dt.date) else ""


def _panel(key: str, title: str, draw: Callable[[], str]) -> None:
    """A framed panel; ``draw`` renders the chart and returns the note shown beside the title.

    The title is drawn into a placeholder first so it sits above the chart even though its note
    (the period) is only known once the data are loaded.
    """
    with st.container(key=f"panel_{key}"):
        heading = st.empty()
        try:
            note = draw()
        except WarehouseUnavailable as exc:
            layout.render_empty(exc.message_zh)
            note = ""
        with heading.container():
            layout.render_panel_title(title, note)


@st.fragment(run_every=30)
def title_bar() -> None:
    """Clock, title, data date and warehouse build time."""
    try:
        freshness = data.load_freshness()
    except WarehouseUnavailable:
        layout.render_title_bar(latest_day=None, computed_at=None)
        return
    layout.render_title_bar(latest_day=freshness.latest_period, computed_at=freshness.computed_at)


@st.fragment(run_every=data.REFRESH_SECONDS)
def waiting_notice(message: str) -> None:
    """Shown while the warehouse is missing or empty; reloads the screen once it can be read."""
    try:
        data.load_freshness()
    except WarehouseUnavailable as exc:
        layout.render_notice(exc.message_zh or message)
        return
    st.rerun()


@st.fragment(run_every=data.REFRESH_SECONDS)
def kpi_row() -> None:
    """The headline cards."""
    try:
        kpi.render_kpi_row(data.load_kpis())
    except WarehouseUnavailable as exc:
        layout.render_notice(exc.message_zh)


def _draw_volume_trend() -> str:
    frame = data.load_daily_trend((APPOINTMENT_TREND, REGISTRATION_TREND))
    if frame.empty:
        layout.render_empty()
        return ""
    charts.show(charts.trend_figure(frame), key="chart_volume_trend")
    return f"近{data.TREND_DAYS}日"


def _draw_dau_trend() -> str:
    frame = data.load_daily_trend((DAU,))
    if frame.empty:
        layout.render_empty()
        return ""
    charts.show(charts.area_figure(frame, name=data.indicator_name(DAU)), key="chart_dau_trend")
    return f"近{data.TREND_DAYS}日"


def _ranking_drawer(code: str, color: str) -> Callable[[], str]:
    def draw() -> str:
        frame = data.load_ranking(code)
        if frame.empty:
            layout.render_empty()
            return ""
        charts.show(charts.ranking_figure(frame, color=color), key=f"chart_{code}")
        return f"TOP{len(frame)} · " + _day_note(frame["period_start"].iloc[0])

    return draw


def _draw_modules() -> str:
    frame = data.load_breakdown(MODULE_VISITS, "day", "module")
    if frame.empty:
        layout.render_empty()
        return ""
    charts.show(charts.module_figure(frame), key="chart_module_visits")
    return _day_note(frame["period_start"].iloc[0])


def _draw_profile() -> str:
    gender = data.load_breakdown(BY_GENDER, "cumulative", "gender")
    age = data.load_breakdown(BY_AGE, "cumulative", "age_band")
    if gender.empty or age.empty:
        layout.render_empty()
        return ""
    charts.show(charts.profile_figure(gender, age), key="chart_verified_profile")
    return _day_note(gender["period_start"].iloc[0], prefix="截至")


@st.fragment(run_every=data.REFRESH_SECONDS)
def trends_column() -> None:
    """Appointment/registration trend and daily active users."""
    _panel("volume_trend", "预约/挂号量趋势", _draw_volume_trend)
    _panel("dau_trend", data.indicator_name(DAU) + "趋势", _draw_dau_trend)


@st.fragment(run_every=data.REFRESH_SECONDS)
def rankings_column() -> None:
    """Institution rankings by appointments and by registrations."""
    _panel(
        "appointment_ranking",
        data.indicator_name(APPOINTMENT_RANKING),
        _ranking_drawer(APPOINTMENT_RANKING, layout.SERIES[0]),
    )
    _panel(
        "registration_ranking",
        data.indicator_name(REGISTRATION_RANKING),
        _ranking_drawer(REGISTRATION_RANKING, layout.SERIES[1]),
    )


@st.fragment(run_every=data.REFRESH_SECONDS)
def users_column() -> None:
    """Module visits and the verified users' profile."""
    _panel("module_visits", data.indicator_name(MODULE_VISITS), _draw_modules)
    _panel("verified_profile", "实名用户画像（性别 · 年龄）", _draw_profile)


def render_screen() -> None:
    """The whole screen."""
    layout.inject_canvas_css()
    title_bar()
    try:
        data.load_freshness()
    except WarehouseUnavailable as exc:
        waiting_notice(exc.message_zh)
        return
    kpi_row()
    left, centre, right = st.columns(3)
    with left:
        trends_column()
    with centre:
        rankings_column()
    with right:
        users_column()


render_screen()
