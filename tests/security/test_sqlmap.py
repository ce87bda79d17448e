"""sqlmap against every endpoint that takes parameters: no injection point found, firewall on or off."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import Target
from tests.security.openapi_targets import Operation, operations

# Operations that would end the tool's own session (their own tests cover them).
EXCLUDED = re.compile(r"/auth/logout$|/auth/password$|/sessions(/|$)")
FOUND_INJECTION = re.compile(r"identified the following injection point|is vulnerable", re.IGNORECASE)
NOTHING_FOUND = re.compile(r"do(es)? not (seem|appear) to be injectable", re.IGNORECASE)


def _sqlmap(operation: Operation, target: Target, output_dir: Path) -> str:
    command = [
        shutil.which("sqlmap") or "sqlmap",
        "-u",
        operation.url,
        "--method",
        operation.method,
        "--batch",
        "--level",
        "1",
        "--risk",
        "1",
        "--flush-session",
        "--disable-coloring",
        "--random-agent",
        "--ignore-code",
        "401,404",
        "--timeout",
        "10",
        "--retries",
        "0",
        "--output-dir",
        str(output_dir),
        "-H",
        f"Authorization: {target.headers['Authorization']}",
    ]
    if operation.body is not None:
        command += ["--data", operation.body, "-H", "Content-Type: application/json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    return result.stdout + result.stderr


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("target_name", ["guarded", "unguarded"])
def test_sqlmap_finds_no_injection_in_any_parameterized_endpoint(
    target_name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    target: Target = request.getfixturevalue(target_name)
    spec = httpx.get(f"{target.base_url}/openapi.json", timeout=10).json()
    known = {"code": "ITS.PRE.appointments_today", "user_id": target.user_id, "role": "医生"}
    tested = [
        op for op in operations(spec, target.base_url, excluded=EXCLUDED, known=known) if op.has_parameters
    ]
    assert len(tested) >= 15, [op.path for op in tested]
    injectable, silent = [], []
    for operation in tested:
        output = _sqlmap(operation, target, tmp_path / "sqlmap")
        if FOUND_INJECTION.search(output):
            injectable.append((operation.method, operation.path, output[-2000:]))
        elif not NOTHING_FOUND.search(output):
            silent.append((operation.method, operation.path, output[-1500:]))
    assert injectable == []
    # Each run must have reached a verdict: a run that never tested anything proves nothing.
    assert silent == [], [(m, p, o[-600:]) for m, p, o in silent]
    assert "Traceback" not in target.service.log_tail(200)
