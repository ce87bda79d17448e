"""The operational service running for real on loopback, for attackers' tools to hit over the wire.

``LiveService`` starts uvicorn in a subprocess on a free port against its own throw-away database
and runtime folder (with a small contract warehouse so the indicator endpoints answer), waits for
readiness and stops it afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.warehouse.warehouse_factory import WarehouseBuilder
from warehouse.paths import REPO_ROOT


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_small_warehouse(path: Path) -> None:
    """A few indicator rows, enough for every indicator read endpoint to return data."""
    builder = WarehouseBuilder()
    start = dt.date(2026, 10, 1)
    builder.add_daily("ITS.PRE.appointments_today", start, [30, 33, 36])
    builder.add_daily("ITS.PRE.appointments_today", start, [10, 11, 12], institution_code="JA01")
    builder.write(path)


@dataclass
class LiveService:
    """A uvicorn process serving ``operational.app:app``."""

    database_url: str
    var_dir: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment the service runs with (also what in-test set-up code must use)."""
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "HEALTHOPS_VAR": str(self.var_dir),
            "HEALTHOPS_WAREHOUSE": str(self.var_dir / "warehouse.duckdb"),
            **self.extra_env,
        }

    def start(self, timeout: float = 60) -> LiveService:
        """Start the server and wait until it answers its health endpoint."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        write_small_warehouse(self.var_dir / "warehouse.duckdb")
        log = open(self.var_dir / "uvicorn.log", "wb")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "operational.app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
            ],
            cwd=REPO_ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.base_url}/api/v1/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"service did not start: {self.log_tail()}")
            time.sleep(0.3)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output (for failure messages)."""
        path = self.var_dir / "uvicorn.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
