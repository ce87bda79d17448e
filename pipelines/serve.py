"""Run the platform's long-lived processes side by side and stop them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from rich.console import Console

from operational.common.db import stop_embedded_server
from pipelines.orchestrate import ensure_dagster_home, ensure_dbt_manifest
from warehouse.paths import REPO_ROOT, keys_dir


def _port(name: str, default: int) -> str:
    return os.environ.get(name) or str(default)


def _services() -> dict[str, tuple[str, list[str]]]:
    """Label and command of each service; ports from HEALTHOPS_{DASHBOARD,DAGSTER,API}_PORT."""
    dashboard, dagster, api = (
        _port("HEALTHOPS_DASHBOARD_PORT", 8501),
        _port("HEALTHOPS_DAGSTER_PORT", 3000),
        _port("HEALTHOPS_API_PORT", 8000),
    )
    python = sys.executable
    return {
        "dashboard": (
            f"大屏 (Streamlit)   http://127.0.0.1:{dashboard}",
            [
                python,
                "-m",
                "streamlit",
                "run",
                "dashboards/app.py",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                dashboard,
            ],
        ),
        "dagster": (
            f"Dagster 界面与守护进程 http://127.0.0.1:{dagster}",
            [python, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", dagster],
        ),
        "api": (
            f"运营接口 (FastAPI) http://127.0.0.1:{api}/docs",
            [python, "-m", "uvicorn", "operational.app:app", "--host", "127.0.0.1", "--port", api],
        ),
        "worker": ("后台任务 (队列与定时审计签名)", [python, "-m", "operational.worker"]),
    }


SERVICE_NAMES = ("dashboard", "dagster", "api", "worker")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve_all(names: list[str], *, console: Console) -> int:
    """Start ``names``, print their URLs, wait; on Ctrl-C (or one dying) stop the rest. Returns an exit code."""
    # Explicit handlers: a shell starting us in the background leaves SIGINT ignored, and a
    # supervisor stops us with SIGTERM or SIGHUP; every one of them must stop the services.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    ensure_dagster_home()
    if "dagster" in names:
        ensure_dbt_manifest()
    children: dict[str, subprocess.Popen] = {}
    services = _services()
    for name in names:
        label, command = services[name]
        # Own process group: Ctrl-C reaches us once, and we stop each service with its children.
        children[name] = subprocess.Popen(
            command, cwd=REPO_ROOT, env=os.environ.copy(), start_new_session=True
        )
        console.print(f"[green]已启动[/green] {label}")
    if "api" in names:
        console.print(
            f"首次登录：用户名 admin，一次性密码在 {keys_dir() / 'initial-admin-password'}"
            "（数据库首次启动时生成；登录后须修改密码并绑定动态口令）"
        )
    console.print("按 Ctrl-C 停止全部服务")
    exit_code = 0
    try:
        while True:
            for name, child in children.items():
                if child.poll() is not None:
                    console.print(f"[red]{name} 已退出 (代码 {child.returncode})，正在停止其余服务[/red]")
                    exit_code = child.returncode or 1
                    raise KeyboardInterrupt
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C while stopping must not leave orphans behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop(children, console)
        if stop_embedded_server():
            console.print("已停止 内置 PostgreSQL")
    return exit_code


def _stop(children: dict[str, subprocess.Popen], console: Console) -> None:
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
        console.print(f"已停止 {name}")
