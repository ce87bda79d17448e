"""Headline KPI cards: stored value, unit, period and 环比/同比 arrows, sized for reading at a distance."""

from __future__ import annotations

import datetime as dt
import html

import streamlit as st

from dashboards.components.layout import ACCENT, DOWN, MUTED, PANEL, PANEL_BORDER, TEXT, UP, scaled
from dashboards.screen_data import KpiReading

_CSS = f"""
<style>
.hs-kpis {{ display: grid; grid-template-columns: repeat(8, 1fr); gap: 12u; }}
.hs-kpi {{
  height: 128u; box-sizing: border-box; padding: 10u 14u; border-radius: 6u; background: {PANEL};
  border: 1u solid {PANEL_BORDER}; box-shadow: inset 0 0 20u rgba(47, 212, 255, 0.12);
  display: flex; flex-direction: column; justify-content: space-between; overflow: hidden;
}}
.hs-kpi-label {{ font-size: 19u; color: {TEXT}; white-space: nowrap; display: flex; justify-content: space-between; }}
.hs-kpi-label span {{ font-size: 14u; color: {MUTED}; align-self: center; }}
.hs-kpi-value {{
  font-size: 40u; line-height: 1.05; font-weight: 700; color: {ACCENT}; white-space: nowrap;
  font-variant-numeric: tabular-nums; text-shadow: 0 0 12u rgba(47, 212, 255, 0.45);
}}
.hs-kpi-value small {{ font-size: 18u; font-weight: 400; color: {MUTED}; margin-left: 4u; }}
.hs-kpi-cmp {{ font-size: 15u; color: {MUTED}; white-space: nowrap; line-height: 1.35; }}
.hs-kpi-cmp em {{ font-style: normal; font-weight: 600; margin-left: 4u; }}
.hs-kpi-cmp .up {{ color: {UP}; }} .hs-kpi-cmp .down {{ color: {DOWN}; }} .hs-kpi-cmp .flat {{ color: {TEXT}; }}
</style>
"""


def format_value(value: float | None, unit: str) -> tuple[str, str]:
    """Number and unit suffix for a card: 12,345 / 68.2万 / 42.13 (%)."""
    if value is None:
        return "—", ""
    if unit == "percent":
        return f"{value:.2f}", "%"
    if abs(value) >= 1_000_000:
        return f"{value / 10_000:,.1f}", "万"
    if unit == "yuan" or value != round(value):
        return f"{value:,.2f}", ""
    return f"{value:,.0f}", ""


def format_change(change: float | None, change_pct: float | None, unit: str) -> str:
    """One comparison as an arrow and amount: percentage points for rates, percent for counts."""
    amount = change if unit == "percent" else change_pct
    if amount is None:
        return '<em class="flat">—</em>'
    if amount == 0:
        return '<em class="flat">持平</em>'
    arrow, css = ("▲", "up") if amount > 0 else ("▼", "down")
    suffix = "个百分点" if unit == "percent" else "%"
    return f'<em class="{css}">{arrow} {abs(amount):.2f}{suffix}</em>'


def period_label(period_start: dt.date, grain: str) -> str:
    """Which period a card shows: 06-29, 2025年06月, 截至06-29."""
    if grain == "month":
        return f"{period_start:%Y年%m月}"
    if grain == "cumulative":
        return f"截至{period_start:%m-%d}"
    return f"{period_start:%m-%d}"


def kpi_card_html(reading: KpiReading) -> str:
    """The markup of one card."""
    comparison = reading.comparison
    label = html.escape(reading.name_zh)
    if comparison is None:
        return (
            f'<div class="hs-kpi"><div class="hs-kpi-label">{label}</div>'
            f'<div class="hs-kpi-value">—</div><div class="hs-kpi-cmp">暂无数据</div></div>'
        )
    number, scale = format_value(comparison.value, reading.unit)
    unit = "%" if reading.unit == "percent" else f"{scale}{reading.unit_zh}"
    previous = format_change(comparison.previous_change, comparison.previous_change_pct, reading.unit)
    last_year = format_change(comparison.last_year_change, comparison.last_year_change_pct, reading.unit)
    return (
        f'<div class="hs-kpi" data-code="{html.escape(reading.code)}">'
        f'<div class="hs-kpi-label">{label}<span>{period_label(comparison.period_start, reading.grain)}</span></div>'
        f'<div class="hs-kpi-value">{number}<small>{html.escape(unit)}</small></div>'
        f'<div class="hs-kpi-cmp">环比{previous}<br>同比{last_year}</div></div>'
    )


def render_kpi_row(readings: list[KpiReading]) -> None:
    """All headline cards in one row."""
    cards = "".join(kpi_card_html(reading) for reading in readings)
    st.html(scaled(_CSS) + f'<div class="hs-kpis">{cards}</div>')
