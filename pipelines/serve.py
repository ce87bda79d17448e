"""Run the platform's long-lived processes side by side and stop them together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from rich.console import Console

from pipelines.orchestrate import ensure_dagster_home, ensure_dbt_manifest
from warehouse.paths import REPO_ROOT

SERVICES: dict[str, tuple[str, list[str]]] = {
    "dashboard": (
        "大屏 (Streamlit)   http://127.0.0.1:8501",
        [sys.executable, "-m", "streamlit", "run", "dashboards/app.py", "--server.address", "127.0.0.1", "--server.port", "8501"],
    ),
    "dagster": (
        "Dagster 界面与守护进程 http://127.0.0.1:3000",
        [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", "3000"],
    ),
    "api": (
        "运营接口 (FastAPI) http://127.0.0.1:8000/docs",
        [sys.executable, "-m", "uvicorn", "operational.app:app", "--host", "127.0.0.1", "--port", "8000"],
    ),
}


def serve_all(names: list[str], *, console: Console) -> int:
    """Start ``names``, print their URLs, wait; on Ctrl-C (or one dying) stop the rest. Returns an exit code."""
    ensure_dagster_home()
    if "dagster" in names:
        ensure_dbt_manifest()
    children: dict[str, subprocess.Popen] = {}
    for name in names:
        label, command = SERVICES[name]
        # Own process group: Ctrl-C reaches us once, and we stop each service with its children.
        children[name] = subprocess.Popen(command, cwd=REPO_ROOT, env=os.environ.copy(), start_new_session=True)
        console.print(f"[green]已启动[/green] {label}")
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
        _stop(children, console)
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
