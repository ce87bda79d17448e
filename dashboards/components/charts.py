"""Plotly figures of the big screen, styled for a dark wall display (large type, no toolbars).

Builders take frames exactly as the warehouse query layer returns them and only draw them. Sizes
are design units (see ``layout``) converted with ``u()`` so charts scale with the wall.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from dashboards.components.layout import ACCENT, CHART_HEIGHT, FONT_FAMILY, MUTED, SERIES, TEXT, u

_GRID = "rgba(143, 179, 217, 0.16)"
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True}


def _style(fig: go.Figure, *, legend: bool = False) -> go.Figure:
    fig.update_layout(
        height=u(CHART_HEIGHT),
        margin={"l": u(8), "r": u(16), "t": u(34 if legend else 10), "b": u(8)},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": FONT_FAMILY, "size": u(16), "color": TEXT},
        showlegend=legend,
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.12, "font": {"size": u(16)}},
        hoverlabel={"font": {"family": FONT_FAMILY, "size": u(16)}},
        colorway=list(SERIES),
    )
    fig.update_xaxes(
        gridcolor=_GRID, zeroline=False, tickfont={"color": MUTED, "size": u(15)}, automargin=True
    )
    fig.update_yaxes(
        gridcolor=_GRID, zeroline=False, tickfont={"color": MUTED, "size": u(15)}, automargin=True
    )
    return fig


def trend_figure(frame: pd.DataFrame) -> go.Figure:
    """Daily lines, one per indicator (``period_start, value, name_zh``)."""
    fig = go.Figure()
    for index, (name, series) in enumerate(frame.groupby("name_zh", sort=False)):
        color = SERIES[index % len(SERIES)]
        fig.add_trace(
            go.Scatter(
                x=series["period_start"],
                y=series["value"],
                name=str(name),
                mode="lines+markers",
                line={"width": u(3), "color": color, "shape": "spline"},
                marker={"size": u(5)},
                hovertemplate="%{x|%m-%d}<br>%{y:,.0f}<extra>" + str(name) + "</extra>",
            )
        )
    fig.update_xaxes(tickformat="%m-%d", dtick=5 * 86_400_000)
    fig.update_yaxes(tickformat=",.0f")
    return _style(fig, legend=True)


def area_figure(frame: pd.DataFrame, *, name: str) -> go.Figure:
    """One daily series drawn as a filled area (e.g. daily active users)."""
    fig = go.Figure(
        go.Scatter(
            x=frame["period_start"],
            y=frame["value"],
            name=name,
            mode="lines",
            line={"width": u(3), "color": SERIES[3], "shape": "spline"},
            fill="tozeroy",
            fillcolor="rgba(46, 229, 157, 0.18)",
            hovertemplate="%{x|%m-%d}<br>%{y:,.0f}<extra>" + name + "</extra>",
        )
    )
    fig.update_xaxes(tickformat="%m-%d", dtick=5 * 86_400_000)
    fig.update_yaxes(tickformat=",.0f")
    return _style(fig)


def ranking_figure(frame: pd.DataFrame, *, color: str = ACCENT) -> go.Figure:
    """Horizontal bars of institutions by rank (``short_name, value``), the first on top."""
    ordered = frame.iloc[::-1]
    fig = go.Figure(
        go.Bar(
            x=ordered["value"],
            y=ordered["short_name"],
            orientation="h",
            marker={"color": color, "line": {"width": u(0)}, "opacity": 0.9},
            text=[f"{value:,.0f}" for value in ordered["value"]],
            textposition="outside",
            textfont={"size": u(16), "color": TEXT},
            cliponaxis=False,
            hovertemplate="%{y}<br>%{x:,.0f}<extra></extra>",
        )
    )
    fig.update_xaxes(showticklabels=False, showgrid=False, range=[0, float(frame["value"].max() or 1) * 1.18])
    fig.update_yaxes(tickfont={"size": u(16), "color": TEXT})
    fig.update_layout(bargap=0.35)
    return _style(fig)


def module_figure(frame: pd.DataFrame) -> go.Figure:
    """Visits per module (``member, value``), largest on top."""
    fig = ranking_figure(frame.rename(columns={"member": "short_name"}), color=SERIES[2])
    return fig


def profile_figure(gender: pd.DataFrame, age: pd.DataFrame) -> go.Figure:
    """Verified users by gender (donut) beside verified users by age band (bars)."""
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.4, 0.6],
        specs=[[{"type": "domain"}, {"type": "xy"}]],
        horizontal_spacing=0.1,
    )
    fig.add_trace(
        go.Pie(
            labels=gender["member"],
            values=gender["value"],
            hole=0.42,
            sort=False,
            marker={"colors": [SERIES[0], SERIES[4]], "line": {"color": "#050d1f", "width": u(2)}},
            textinfo="label+percent",
            textfont={"size": u(17), "color": "#04122a"},
            textposition="inside",
            insidetextorientation="horizontal",
            hovertemplate="%{label}<br>%{value:,.0f}人<extra></extra>",
        ),
        row=1,
        col=1,
    )
    ages = age.sort_values("member", key=lambda s: s.str.extract(r"^(\d+)")[0].astype(int))
    fig.add_trace(
        go.Bar(
            x=ages["member"],
            y=ages["value"],
            marker={"color": SERIES[1]},
            hovertemplate="%{x}岁<br>%{y:,.0f}人<extra></extra>",
        ),
        row=1,
        col=2,
    )
    fig.update_yaxes(tickformat=",.0f", row=1, col=2)
    return _style(fig)


def show(fig: go.Figure, *, key: str) -> None:
    """Draw a figure at panel width without Streamlit's chart theme or the Plotly toolbar."""
    st.plotly_chart(
        fig, width="stretch", height=round(u(CHART_HEIGHT)), theme=None, config=PLOTLY_CONFIG, key=key
    )
