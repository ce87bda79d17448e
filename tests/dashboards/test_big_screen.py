"""The big screen rendered by Streamlit's AppTest: KPIs, charts, and the missing-warehouse notice."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from warehouse.connection import MISSING_MESSAGE_ZH
from warehouse.paths import REPO_ROOT
from warehouse.query import EMPTY_MESSAGE_ZH

APP = str(REPO_ROOT / "dashboards" / "app.py")


@pytest.fixture(autouse=True)
def fresh_caches() -> None:
    """Each test reads its own warehouse, not a result cached by the previous test."""
    st.cache_data.clear()


def _run(**query_params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    for key, value in query_params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    return app


def _html(app: AppTest) -> str:
    return "\n".join(element.proto.body for element in app.get("html"))


def _charts(app: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in app.get("plotly_chart")]


def test_screen_shows_headline_kpis_with_latest_day_and_comparisons(screen_warehouse: Path) -> None:
    page = _html(_run())
    for label in (
        "今日预约总数",
        "今日挂号总数",
        "预约率",
        "履约率",
        "累计注册人数",
        "累计实名人数",
        "日活跃用户数",
        "月活跃用户数",
    ):
        assert label in page
    assert "数据日期 <b>2025-06-29</b>" in page
    assert "数据更新于 <b>2025-06-30 10:15</b>" in page  # computed_at 02:15 UTC shown in Shanghai time
    assert page.count("环比") >= 8 and page.count("同比") >= 8


def test_screen_draws_six_charts_with_institution_short_names(screen_warehouse: Path) -> None:
    charts = _charts(_run())
    assert len(charts) == 6
    bars = [trace for chart in charts for trace in chart["data"] if trace.get("orientation") == "h"]
    institution_labels = {label for trace in bars for label in trace["y"]}
    assert "彭浦镇第二社区" in institution_labels or "静安区中心医院" in institution_labels
    assert not any(label.startswith("上海市") for label in institution_labels)
    module_labels = set(bars[-1]["y"])
    assert {"健康档案", "门诊预约"} <= module_labels


def test_trend_covers_the_last_thirty_days(screen_warehouse: Path) -> None:
    trend = _charts(_run())[0]
    assert [trace["name"] for trace in trend["data"]] == ["预约量趋势", "挂号量趋势"]
    assert len(trend["data"][0]["x"]) == 30
    assert str(trend["data"][0]["x"][-1]).startswith("2025-06-29")


def test_scale_parameter_enlarges_the_canvas(screen_warehouse: Path) -> None:
    normal, wall = _run(), _run(scale="2")
    assert "height: 128.00px" in _html(normal) and "height: 256.00px" in _html(wall)
    assert _charts(wall)[0]["layout"]["height"] == 2 * _charts(normal)[0]["layout"]["height"]


def test_missing_warehouse_shows_the_chinese_notice(warehouse_file: Path) -> None:
    app = _run()
    page = _html(app)
    assert MISSING_MESSAGE_ZH in page
    assert "数据尚未生成" in page
    assert not app.get("plotly_chart")


def test_warehouse_without_indicators_shows_the_empty_notice(warehouse_file: Path) -> None:
    warehouse_file.parent.mkdir(parents=True)
    duckdb.connect(str(warehouse_file)).close()
    page = _html(_run())
    assert EMPTY_MESSAGE_ZH in page
