"""The payload corpus: every attack line is refused wherever it is sent; every benign line passes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

PAYLOADS = Path(__file__).parent / "payloads"


def _lines(name: str) -> list[str]:
    return [line for line in (PAYLOADS / name).read_text(encoding="utf-8").splitlines() if line]


ATTACKS = [(kind, line) for kind in ("sqli", "xss", "traversal", "cmdi") for line in _lines(f"{kind}.txt")]
ATTACK_IDS = [f"{kind}-{i}" for i, (kind, _) in enumerate(ATTACKS)]
BENIGN = _lines("benign.txt")


def test_corpus_is_large_enough() -> None:
    assert len(ATTACKS) >= 350
    assert len(BENIGN) >= 100


@pytest.mark.parametrize(("kind", "payload"), ATTACKS, ids=ATTACK_IDS)
def test_attack_in_query_value_is_blocked(client: TestClient, kind: str, payload: str) -> None:
    response = client.get("/api/v1/search", params={"q": payload})
    assert response.status_code == 403, (kind, payload)
    assert response.json()["code"] == "request_blocked"


@pytest.mark.parametrize(("kind", "payload"), ATTACKS, ids=ATTACK_IDS)
def test_attack_in_json_body_is_blocked(client: TestClient, kind: str, payload: str) -> None:
    response = client.post("/api/v1/notes", json={"patient": {"remark": payload}})
    assert response.status_code == 403, (kind, payload)


@pytest.mark.parametrize(("kind", "payload"), ATTACKS, ids=ATTACK_IDS)
def test_attack_in_form_body_is_blocked(client: TestClient, kind: str, payload: str) -> None:
    response = client.post("/api/v1/forms", data={"remark": payload})
    assert response.status_code == 403, (kind, payload)


@pytest.mark.parametrize("payload", BENIGN)
def test_benign_query_value_passes(client: TestClient, payload: str) -> None:
    response = client.get("/api/v1/search", params={"q": payload})
    assert response.status_code == 200, payload
    assert response.json() == {"q": payload}


@pytest.mark.parametrize("payload", BENIGN)
def test_benign_json_value_passes(client: TestClient, payload: str) -> None:
    response = client.post("/api/v1/notes", json={"remark": payload, "note": f"{payload}'s"})
    assert response.status_code == 200, payload
    assert response.json()["received"]["remark"] == payload


@pytest.mark.parametrize("payload", BENIGN)
def test_benign_form_value_passes(client: TestClient, payload: str) -> None:
    response = client.post("/api/v1/forms", data={"remark": payload})
    assert response.status_code == 200, payload


@pytest.mark.parametrize("agent", _lines("scanners.txt"))
def test_scanner_user_agent_is_blocked(client: TestClient, agent: str) -> None:
    response = client.get("/api/v1/search", params={"q": "体检"}, headers={"User-Agent": agent})
    assert response.status_code == 403, agent


@pytest.mark.parametrize("path", _lines("probes.txt"))
def test_scanner_probe_path_is_blocked(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 403, path


def test_attack_in_query_parameter_name_is_blocked(client: TestClient) -> None:
    response = client.get("/api/v1/search?q=1&%3Cscript%3Ealert(1)%3C%2Fscript%3E=1")
    assert response.status_code == 403


def test_double_encoded_traversal_in_raw_query_is_blocked(client: TestClient) -> None:
    response = client.get("/api/v1/search?q=..%252f..%252f..%252fetc%252fpasswd")
    assert response.status_code == 403


def test_overlong_utf8_traversal_in_raw_query_is_blocked(client: TestClient) -> None:
    response = client.get("/api/v1/search?q=..%c0%af..%c0%afetc%c0%afpasswd")
    assert response.status_code == 403


def test_sqli_in_path_segment_is_blocked(client: TestClient) -> None:
    response = client.get("/api/v1/patients/1' or '1'='1")
    assert response.status_code == 403


def test_sqli_in_cookie_value_is_blocked(client: TestClient) -> None:
    response = client.get("/api/v1/search", headers={"Cookie": "lang=zh' UNION SELECT password FROM users--"})
    assert response.status_code == 403


def test_sqli_in_referer_is_blocked(client: TestClient) -> None:
    response = client.get("/api/v1/search", headers={"Referer": "http://x/?id=1' AND SLEEP(5)-- -"})
    assert response.status_code == 403


def test_real_browser_headers_pass(client: TestClient) -> None:
    headers = {
        "User-Agent": (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Mobile/15E148 MicroMessenger/8.0.40(0x18002831) NetType/WIFI Language/zh_CN"
        ),
        "Referer": "https://jkgl.example.gov.cn/booking?step=2&package=A&date=2025-06-01",
        "Cookie": "lang=zh-CN; theme=dark; _ga=GA1.2.1234567890.1700000000",
    }
    assert client.get("/api/v1/search", params={"q": "入职体检"}, headers=headers).status_code == 200


def test_json_with_apostrophes_and_nested_lists_passes(client: TestClient) -> None:
    body = {"doctors": [{"name": "O'Brien", "note": "It's fine; see Dr. D'Angelo's report"}], "n": 3}
    response = client.post(
        "/api/v1/notes", content=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 200
