"""Per-endpoint policy: body size limits, the looser DICOM rules, docs, policy files, the off switch."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from operational.firewall import default_policy, load_policy
from operational.firewall.policy import off_policy

Make = Callable[..., TestClient]


def test_json_body_over_the_default_limit_gets_413(client: TestClient) -> None:
    response = client.post("/api/v1/notes", json={"remark": "体" * 400_000})
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_body_streamed_without_length_over_the_limit_gets_413(client: TestClient) -> None:
    def chunks():  # a generator body: sent chunked, without Content-Length
        for _ in range(20):
            yield b"x" * 65_536

    response = client.post(
        "/api/v1/dicomweb/studies", content=chunks(), headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 200  # DICOM STOW allows 2 GB
    refused = client.post("/api/v1/notes", content=chunks(), headers={"Content-Type": "application/json"})
    assert refused.status_code == 413


def test_login_body_limit_is_small(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "u", "password": "p" * 20_000})
    assert response.status_code == 413


def test_dicom_stow_accepts_large_binary_bodies_without_inspection(client: TestClient) -> None:
    body = b"\x00" * 128 + b"DICM" + b"' or 1=1-- <script>" * 200_000
    response = client.post(
        "/api/v1/dicomweb/studies",
        content=body,
        headers={"Content-Type": 'multipart/related; type="application/dicom"; boundary=x'},
    )
    assert response.status_code == 200
    assert response.json() == {"bytes": len(body)}


def test_dicom_path_still_refuses_traversal(client: TestClient) -> None:
    assert client.post("/api/v1/dicomweb/studies?file=../../etc/passwd", content=b"").status_code == 403


def test_docs_are_allowed_with_a_csp_fit_for_swagger(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert "https://cdn.jsdelivr.net" in response.headers["Content-Security-Policy"]


def test_openapi_json_is_allowed(client: TestClient) -> None:
    assert client.get("/openapi.json").status_code == 200


def test_policy_file_adds_a_stricter_rule_before_the_defaults(tmp_path: Path, make_client: Make) -> None:
    path = tmp_path / "firewall.yaml"
    path.write_text(
        "ban_after_limit_hits: 0\n"
        "rules:\n"
        "  - name: booking\n"
        "    path_prefix: /api/v1/search\n"
        "    ip_limit: {requests: 2, per_seconds: 60}\n",
        encoding="utf-8",
    )
    policy = load_policy(path)
    assert policy.rules[0].name == "booking"
    assert len(policy.rules) == len(default_policy().rules) + 1
    client = make_client(policy)
    assert [client.get("/api/v1/search").status_code for _ in range(3)] == [200, 200, 429]


def test_json_policy_file_can_switch_a_detector_off_globally(tmp_path: Path, make_client: Make) -> None:
    path = tmp_path / "firewall.json"
    path.write_text(json.dumps({"detectors": ["sqli", "traversal", "cmdi", "scanner"]}), encoding="utf-8")
    client = make_client(load_policy(path), rate_limits_enabled=False)
    assert client.get("/api/v1/search", params={"q": "<script>alert(1)</script>"}).status_code == 200
    assert client.get("/api/v1/search", params={"q": "' or 1=1--"}).status_code == 403


def test_policy_file_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "firewall.json"
    path.write_text(json.dumps({"detector": ["sqli"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="detector"):
        load_policy(path)


def test_rule_can_narrow_detectors_for_one_endpoint(tmp_path: Path, make_client: Make) -> None:
    path = tmp_path / "firewall.yaml"
    path.write_text(
        "rules:\n  - {name: rich_text, path_prefix: /api/v1/notes, detectors: [sqli, cmdi]}\n",
        encoding="utf-8",
    )
    client = make_client(load_policy(path), rate_limits_enabled=False)
    assert client.post("/api/v1/notes", json={"html": "<b onclick=alert(1)>x</b>"}).status_code == 200
    assert client.post("/api/v1/notes", json={"html": "1; DROP TABLE users--"}).status_code == 403


def test_everything_off_lets_attacks_through_untouched(make_client: Make) -> None:
    client = make_client(off_policy())
    response = client.get("/api/v1/search", params={"q": "' or 1=1--"}, headers={"User-Agent": "sqlmap/1.9"})
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers
