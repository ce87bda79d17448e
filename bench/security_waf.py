"""Web application firewall throughput: requests/s with every rule on versus every rule off.

    uv run python bench/security_waf.py           # 3 runs of 5 s per mode
    uv run python bench/security_waf.py --quick   # 3 runs of 2 s per mode

Prints one figure a line as ``name: value unit``. Each mode starts uvicorn (2 workers, uvloop and
httptools) on a free loopback port serving a small app behind ``RequestIdMiddleware`` and the
firewall, and loads it with ``wrk`` (Debian package ``wrk``) alternating a search GET with a query
string and a JSON POST; the figure is the median of the runs. "On" is every detector, security
headers, CSRF and rate-limit bookkeeping (limits set high so the load generator is not refused);
"off" is the same app with the firewall disabled. Seed 003 asks for at least 2,000 requests/s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WRK_SCRIPT = r"""
local n = 0
local body = '{"name":"张三","remark":"2型糖尿病 O\'Brien 复查","items":["血常规","尿常规"],"age":52}'
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("POST", "/api/v1/notes", {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/api/v1/search?q=%E9%AB%98%E8%A1%80%E5%8E%8B%20135%2F85&page=2&size=20&sort=-date")
end
"""


def create_bench_app():  # returns a FastAPI app (imported lazily)
    """The app under load; ``HEALTHOPS_WAF_BENCH=off`` disables the firewall (read when built)."""
    from dataclasses import replace

    from fastapi import FastAPI

    from operational.common.request_id import RequestIdMiddleware
    from operational.firewall import FirewallMiddleware, RateLimit, default_policy

    rules_on = os.environ.get("HEALTHOPS_WAF_BENCH", "on") == "on"
    high = RateLimit(10**9, 1.0)
    policy = replace(default_policy(), enabled=rules_on, ip_limit=high, api_key_limit=high)
    app = FastAPI()
    app.add_middleware(FirewallMiddleware, policy=policy)
    app.add_middleware(RequestIdMiddleware)

    @app.get("/api/v1/search")
    def search(q: str = "", page: int = 1, size: int = 20, sort: str = "date") -> dict[str, object]:
        return {"q": q, "page": page, "size": size, "sort": sort, "items": []}

    @app.post("/api/v1/notes")
    def notes(note: dict[str, object]) -> dict[str, object]:
        return {"ok": True, "fields": len(note)}

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server(rules: str, port: int) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "uvicorn", "bench.security_waf:create_bench_app", "--factory",
        "--app-dir", str(ROOT), "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    env = {**os.environ, "HEALTHOPS_WAF_BENCH": rules}
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/search?q=x", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("uvicorn did not start")


def _wrk(port: int, seconds: int, script: Path) -> float:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    output = subprocess.run(
        [wrk, "-t2", "-c64", f"-d{seconds}s", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"refused requests during the benchmark:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise RuntimeError(output)
    return float(match.group(1))


def measure(rules: str, *, seconds: int, runs: int, script: Path) -> float:
    """Median requests/s of ``runs`` wrk runs against a fresh server in mode ``rules``."""
    port = _free_port()
    process = _server(rules, port)
    try:
        _wrk(port, 1, script)  # warm-up
        return statistics.median(_wrk(port, seconds, script) for _ in range(runs))
    finally:
        process.terminate()
        process.wait(timeout=30)


def waf_figures(quick: bool) -> list[tuple[str, float, str]]:
    """``waf_rps_rules_on`` and ``waf_rps_rules_off`` in requests/s (median of 3 runs each)."""
    seconds = 2 if quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "mix.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        on = measure("on", seconds=seconds, runs=3, script=script)
        off = measure("off", seconds=seconds, runs=3, script=script)
    return [
        ("waf_rps_rules_on", round(on, 1), "requests/s"),
        ("waf_rps_rules_off", round(off, 1), "requests/s"),
    ]


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2-second runs instead of 5-second runs")
    args = parser.parse_args()
    for name, value, unit in waf_figures(args.quick):
        print(f"{name}: {value} {unit}")


if __name__ == "__main__":
    main()
