"""The big screen in a real headless Chromium at 1920x1080, served by ``streamlit run``.

Saves ``var/screenshots/big_screen_1920x1080.png`` in the repository for people to look at (the
one artifact a test writes there; ``var/`` is git-ignored).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from operational.accounts.models import User
from operational.accounts.totp import current_code
from operational.common import db
from tests.operational.staff import PASSWORD, signed_in_headers
from warehouse.paths import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = REPO_ROOT / "var" / "screenshots" / "big_screen_1920x1080.png"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


@pytest.fixture
def streamlit_url(screen_warehouse: Path, tmp_path: Path, database_url: str) -> Iterator[str]:
    """``streamlit run dashboards/app.py`` on a free loopback port, against the fixture warehouse."""
    port = _free_port()
    env = {**os.environ, "HEALTHOPS_VAR": str(tmp_path / "var"), "HEALTHOPS_WAREHOUSE": str(screen_warehouse)}
    command = [sys.executable, "-m", "streamlit", "run", "dashboards/app.py", "--server.port", str(port)]
    # cwd = repository root, so .streamlit/config.toml (headless, dark theme, no toolbar) applies.
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _leader() -> tuple[str, str]:
    """A committed 区卫健委管理员 with a bound authenticator: (username, TOTP secret)."""
    username = f"leader_{uuid.uuid4().hex[:8]}"
    with db.new_session() as session:
        signed_in_headers(session, username, ("区卫健委管理员", None))
        secret = session.scalars(select(User.totp_secret).where(User.username == username)).one()
        session.commit()
    return username, str(secret)


def test_big_screen_renders_in_chromium_at_1920x1080(streamlit_url: str) -> None:
    from playwright.sync_api import sync_playwright

    username, secret = _leader()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(streamlit_url, wait_until="domcontentloaded")
            # Signed out, the page asks for credentials, TOTP included (the same accounts as the API).
            page.get_by_label("用户名").fill(username, timeout=60_000)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_label("动态口令（已绑定的账号填写）").fill(
                current_code(secret, now=dt.datetime.now(dt.UTC))
            )
            page.get_by_role("button", name="登录").click()
            page.wait_for_function(
                "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 6", timeout=60_000
            )
            page.wait_for_function("document.querySelectorAll('.hs-kpi').length === 8", timeout=30_000)
            page.wait_for_timeout(800)  # let Plotly finish its transitions before the picture
            text = page.inner_text("body")
            for label in ("静安区互联网运营监管平台", "今日预约总数", "预约排行", "挂号排行", "数据更新于"):
                assert label in text
            assert "scale=" not in page.url  # 1920x1080 is the design canvas: no rescale reload
            # The canvas fits the wall: nothing scrolls.
            assert page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight") <= 1080
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 50_000
