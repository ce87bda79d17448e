"""The big screen rendered by Streamlit's AppTest: KPIs, charts, and the missing-warehouse notice."""

from __future__ import annotations

import datetime as dt
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


def _run(token: str | None = None, **query_params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60)
    if token is not None:
        app.session_state["auth_token"] = token
    for key, value in query_params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    return app


def _html(app: AppTest) -> str:
    return "\n".join(element.proto.body for element in app.get("html"))


def _charts(app: AppTest) -> list[dict]:
    return [json.loads(element.proto.spec) for element in app.get("plotly_chart")]


def test_screen_shows_headline_kpis_with_latest_day_and_comparisons(
    screen_warehouse: Path, reader_token: str
) -> None:
    page = _html(_run(reader_token))
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


def test_screen_draws_six_charts_with_institution_short_names(
    screen_warehouse: Path, reader_token: str
) -> None:
    charts = _charts(_run(reader_token))
    assert len(charts) == 6
    bars = [trace for chart in charts for trace in chart["data"] if trace.get("orientation") == "h"]
    institution_labels = {label for trace in bars for label in trace["y"]}
    assert "彭浦镇第二社区" in institution_labels or "静安区中心医院" in institution_labels
    assert not any(label.startswith("上海市") for label in institution_labels)
    module_labels = set(bars[-1]["y"])
    assert {"健康档案", "门诊预约"} <= module_labels


def test_trend_covers_the_last_thirty_days(screen_warehouse: Path, reader_token: str) -> None:
    trend = _charts(_run(reader_token))[0]
    assert [trace["name"] for trace in trend["data"]] == ["预约量趋势", "挂号量趋势"]
    assert len(trend["data"][0]["x"]) == 30
    assert str(trend["data"][0]["x"][-1]).startswith("2025-06-29")


def test_scale_parameter_enlarges_the_canvas(screen_warehouse: Path, reader_token: str) -> None:
    normal, wall = _run(reader_token), _run(reader_token, scale="2")
    assert "height: 128.00px" in _html(normal) and "height: 256.00px" in _html(wall)
    assert _charts(wall)[0]["layout"]["height"] == 2 * _charts(normal)[0]["layout"]["height"]


def test_missing_warehouse_shows_the_chinese_notice(warehouse_file: Path, reader_token: str) -> None:
    app = _run(reader_token)
    page = _html(app)
    assert MISSING_MESSAGE_ZH in page
    assert "数据尚未生成" in page
    assert not app.get("plotly_chart")


def test_warehouse_without_indicators_shows_the_empty_notice(warehouse_file: Path, reader_token: str) -> None:
    warehouse_file.parent.mkdir(parents=True)
    duckdb.connect(str(warehouse_file)).close()
    page = _html(_run(reader_token))
    assert EMPTY_MESSAGE_ZH in page


def test_nothing_is_shown_before_sign_in(screen_warehouse: Path, database_url: str) -> None:
    app = _run()
    assert not app.get("plotly_chart")
    assert [field.label for field in app.text_input][:2] == ["用户名", "密码"]


def test_signing_in_with_password_and_totp_opens_the_screen(
    screen_warehouse: Path, database_url: str
) -> None:
    import uuid

    from operational.accounts.models import User
    from operational.accounts.totp import current_code
    from operational.common import db
    from tests.operational.staff import PASSWORD, signed_in_headers

    username = f"leader_{uuid.uuid4().hex[:8]}"
    with db.new_session() as session:
        signed_in_headers(session, username, ("区卫健委管理员", None))
        secret = session.query(User).filter_by(username=username).one().totp_secret
        session.commit()
    app = _run()
    app.text_input[0].input(username)
    app.text_input[1].input(PASSWORD)
    app.text_input[2].input(current_code(secret, now=dt.datetime.now(dt.UTC)))
    app.button[0].click().run()
    assert not app.exception
    assert app.session_state["auth_token"]
    assert len(app.get("plotly_chart")) == 6


def test_a_wrong_password_is_refused_in_chinese(screen_warehouse: Path, database_url: str) -> None:

    app = _run()
    app.text_input[0].input("nobody_here")
    app.text_input[1].input("Wrong#Pass123")
    app.button[0].click().run()
    assert [error.value for error in app.error] == ["用户名或密码错误"] or app.error[0].value.startswith(
        "用户名或密码"
    )
    assert "auth_token" not in app.session_state


def test_an_institution_account_is_kept_off_the_district_screen(screen_warehouse: Path) -> None:
    from tests.dashboards.conftest import committed_token

    app = _run(committed_token(("医生", "JA01")))
    assert not app.get("plotly_chart")
    assert "仅限区级账号" in app.error[0].value
