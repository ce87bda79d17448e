"""`healthops serve`: starts the services, and a stop signal stops every one of them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.operational.postgres import temporary_database
from warehouse.paths import REPO_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a parent that never reaps it has stopped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_stops_the_api_and_its_workers(tmp_path: Path, stop_signal: signal.Signals) -> None:
    port = _free_port()
    with temporary_database(tmp_path) as database_url:
        env = {
            **os.environ,
            "HEALTHOPS_API_PORT": str(port),
            "HEALTHOPS_VAR": str(tmp_path / "var"),
            "DATABASE_URL": database_url,
        }
        # As a background job of a non-interactive shell: SIGINT starts out ignored (trap '' INT).
        serve = subprocess.Popen(
            [
                "/bin/sh",
                "-c",
                'trap "" INT; exec "$0" -c "from pipelines.cli import app; app()" serve --only api',
                sys.executable,
            ],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            health = _wait_for(f"http://127.0.0.1:{port}/api/v1/health", timeout=60)
            assert health.status_code == 200
            uvicorn_pids = subprocess.run(
                ["pgrep", "-f", f"uvicorn operational.app:app --host 127.0.0.1 --port {port}"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.split()
            assert uvicorn_pids
            serve.send_signal(stop_signal)
            assert serve.wait(timeout=30) == 0
            output = serve.stdout.read().decode() if serve.stdout else ""
            assert "已停止 api" in output
            assert not any(_alive(int(pid)) for pid in uvicorn_pids)
        finally:
            if serve.poll() is None:
                serve.kill()


def test_the_embedded_postgres_stops_with_the_services(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"HEALTHOPS_API_PORT": str(port), "HEALTHOPS_VAR": str(tmp_path / "var")}
    serve = subprocess.Popen(
        [sys.executable, "-c", "from pipelines.cli import app; app()", "serve", "--only", "api"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/api/v1/health", timeout=90).status_code == 200
        pid_file = tmp_path / "var" / "pg" / "postmaster.pid"
        assert pid_file.exists()
        postgres_pid = int(pid_file.read_text().splitlines()[0])
        serve.send_signal(signal.SIGTERM)
        assert serve.wait(timeout=60) == 0
        assert "已停止 内置 PostgreSQL" in (serve.stdout.read().decode() if serve.stdout else "")
        assert not _alive(postgres_pid)
    finally:
        if serve.poll() is None:
            serve.kill()
