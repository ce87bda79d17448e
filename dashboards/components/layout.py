"""The wall-screen canvas: palette, scale, global CSS, title bar, panel headings and notices.

The screen is designed on a fixed 1920x1080 canvas. Every size is written in design units
(``40u`` is 40 px on a 1920x1080 wall) and rendered as ``40 * scale`` px, where the scale is the
``?scale=`` query parameter. A small script in the page keeps it equal to
min(width / 1920, height / 1080) of the browser window, so a 3840x2160 wall shows the same layout
at twice the size. The scale is applied server-side, not with a CSS transform or zoom, because
Streamlit sizes Plotly charts from the on-screen size of their container, which a transform or
zoom would then inflate a second time.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import streamlit as st

SHANGHAI = ZoneInfo("Asia/Shanghai")
SCREEN_TITLE = "静安区互联网运营监管平台"
WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'

BACKGROUND = "#050d1f"
PANEL = "rgba(10, 32, 66, 0.72)"
PANEL_BORDER = "rgba(47, 212, 255, 0.35)"
ACCENT = "#2fd4ff"
TEXT = "#e6f1ff"
MUTED = "#8fb3d9"
UP = "#ff6b6b"  # Chinese screens read red as "up"
DOWN = "#2ee59d"
SERIES = ("#2fd4ff", "#ffb648", "#7b8cff", "#2ee59d", "#ff6b9a", "#c6f432")

DESIGN_WIDTH = 1920
DESIGN_HEIGHT = 1080
CHART_HEIGHT = 352  # design units: two rows of panels fill the canvas below the KPI cards
MIN_SCALE, MAX_SCALE = 0.5, 4.0
_DESIGN_UNIT = re.compile(r"(?<![\w#.-])(\d+(?:\.\d+)?)u\b")

# Keeps ?scale= equal to the window's fit on the design canvas; reloads once when it differs
# (first visit, or the window was resized). It runs in the page, where the real viewport is known.
_SCALE_SCRIPT = f"""
<script>
(function () {{
  function fit() {{
    var s = Math.min(window.innerWidth / {DESIGN_WIDTH}, window.innerHeight / {DESIGN_HEIGHT});
    s = Math.round(Math.max({MIN_SCALE}, Math.min({MAX_SCALE}, s)) * 100) / 100;
    var url = new URL(window.location.href);
    var current = parseFloat(url.searchParams.get("scale") || "1");
    if (Math.abs(current - s) > 0.011) {{ url.searchParams.set("scale", s); window.location.replace(url); }}
  }}
  if (!window.__hsScaleWatch) {{
    window.__hsScaleWatch = true;
    var timer = null;
    window.addEventListener("resize", function () {{ clearTimeout(timer); timer = setTimeout(fit, 500); }});
  }}
  fit();
}})();
</script>
"""


def screen_scale() -> float:
    """Pixels per design unit, from ``?scale=`` (1.0 when absent or malformed)."""
    try:
        value = float(st.query_params.get("scale", 1.0))
    except ValueError:
        return 1.0
    return min(MAX_SCALE, max(MIN_SCALE, value))


def scaled(css: str, scale: float | None = None) -> str:
    """Replace design units (``40u``) in CSS or markup with pixels at the current scale."""
    factor = screen_scale() if scale is None else scale
    return _DESIGN_UNIT.sub(lambda m: f"{float(m.group(1)) * factor:.2f}px", css)


def u(value: float) -> float:
    """A design-unit size in pixels at the current scale (for Plotly layouts)."""
    return value * screen_scale()


_CSS = f"""
<style>
html, body, .stApp {{ background: {BACKGROUND}; font-family: {FONT_FAMILY}; }}
.stApp {{
  background: radial-gradient(ellipse at 50% -10%, #0f3a73 0%, {BACKGROUND} 55%) fixed;
  color: {TEXT};
}}
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stAppDeployButton"], [data-testid="stMainMenu"],
footer {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{
  padding: 10u 20u 6u 20u !important;
}}
[data-testid="stVerticalBlock"] {{ gap: 10u; }}
[data-testid="stElementContainer"]:has(script) {{ display: none; }}
[data-testid="stHorizontalBlock"] {{ gap: 12u; }}
[class*="st-key-panel"] {{
  background: {PANEL}; border: 1u solid {PANEL_BORDER} !important; border-radius: 6u;
  box-shadow: inset 0 0 24u rgba(47, 212, 255, 0.10); padding: 8u 12u 4u 12u;
}}
[class*="st-key-panel"] [data-testid="stVerticalBlock"] {{ gap: 2u; }}
.hs-title {{
  height: 76u; display: grid; grid-template-columns: 1fr auto 1fr; align-items: center;
  border-bottom: 2u solid {PANEL_BORDER};
  background: linear-gradient(90deg, rgba(47,212,255,0) 0%, rgba(47,212,255,0.14) 50%, rgba(47,212,255,0) 100%);
}}
.hs-title h1 {{
  margin: 0; padding: 0; font-size: 40u; font-weight: 700; letter-spacing: 6u; color: #ffffff;
  text-shadow: 0 0 18u rgba(47, 212, 255, 0.75); font-family: {FONT_FAMILY}; line-height: 1.2;
}}
.hs-title .hs-left, .hs-title .hs-right {{ font-size: 20u; color: {MUTED}; line-height: 1.5; }}
.hs-title .hs-right {{ text-align: right; }}
.hs-title b {{ color: {TEXT}; font-weight: 600; }}
.hs-panel-title {{
  font-size: 22u; font-weight: 700; color: {TEXT}; padding: 0 0 4u 12u; line-height: 1.4;
  border-left: 4u solid {ACCENT}; display: flex; justify-content: space-between; align-items: baseline;
}}
.hs-panel-title span {{ font-size: 16u; font-weight: 400; color: {MUTED}; }}
.hs-notice {{
  margin: 120u auto; max-width: 1100u; padding: 48u; text-align: center; font-size: 36u;
  color: #ffd27a; border: 1u solid rgba(255, 210, 122, 0.6); border-radius: 8u; background: {PANEL};
}}
.hs-empty {{ height: {CHART_HEIGHT}u; display: flex; align-items: center; justify-content: center;
  font-size: 22u; color: {MUTED}; }}
</style>
"""


def inject_canvas_css() -> None:
    """Install the global CSS (dark canvas, hidden Streamlit chrome, panel frames) at the current
    scale, and the script that keeps the scale in step with the window."""
    st.html(scaled(_CSS))
    st.html(_SCALE_SCRIPT, unsafe_allow_javascript=True)


def now_shanghai() -> dt.datetime:
    """The wall clock of the district."""
    return dt.datetime.now(SHANGHAI)


def to_shanghai(moment: dt.datetime | None) -> dt.datetime | None:
    """A warehouse timestamp in Shanghai time; naive timestamps are UTC as the warehouse stores them."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI)


def render_title_bar(*, latest_day: dt.date | None, computed_at: dt.datetime | None) -> None:
    """The title bar: date and time on the left, the platform name, data date and freshness on the right."""
    now = now_shanghai()
    clock = f"{now:%Y年%m月%d日} {WEEKDAYS_ZH[now.weekday()]} <b>{now:%H:%M}</b>"
    built = to_shanghai(computed_at)
    right = []
    if latest_day is not None:
        right.append(f"数据日期 <b>{latest_day:%Y-%m-%d}</b>")
    right.append(f"数据更新于 <b>{built:%Y-%m-%d %H:%M}</b>" if built else "数据尚未生成")
    st.html(
        f'<div class="hs-title"><div class="hs-left">{clock}</div>'
        f"<h1>{html.escape(SCREEN_TITLE)}</h1>"
        f'<div class="hs-right">{"　｜　".join(right)}</div></div>'
    )


def render_panel_title(title: str, note: str = "") -> None:
    """A panel heading with an optional muted note on the right (e.g. the period shown)."""
    note_html = f"<span>{html.escape(note)}</span>" if note else ""
    st.html(f'<div class="hs-panel-title">{html.escape(title)}{note_html}</div>')


def render_notice(message: str) -> None:
    """A large centred message for states where there is nothing to chart (e.g. no warehouse yet)."""
    st.html(f'<div class="hs-notice">{html.escape(message)}</div>')


def render_empty(message: str = "暂无数据") -> None:
    """Placeholder of a chart's height when a panel has no rows."""
    st.html(f'<div class="hs-empty">{html.escape(message)}</div>')
