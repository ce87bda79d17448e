"""The attack corpus of tests/operational/firewall/payloads, sent over the wire to the running service.

Every attack string is refused by the firewall (403 ``request_blocked``) as a query value and in a
JSON body; with the firewall off, the code alone handles each harmlessly (never a 5xx, never the
payload echoed into a renderable response). Benign Chinese and medical inputs pass the firewall untouched.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.security.conftest import Target

PAYLOADS = Path(__file__).resolve().parent.parent / "operational" / "firewall" / "payloads"
ATTACK_FILES = ("sqli.txt", "xss.txt", "traversal.txt", "cmdi.txt")
QUERY_TARGET = "/api/v1/indicators/ITS.PRE.appointments_today/values"
BODY_TARGET = "/api/v1/accounts/users"


def _lines(name: str) -> list[str]:
    text = (PAYLOADS / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


ATTACKS = [payload for name in ATTACK_FILES for payload in _lines(name)]


def _send(client: httpx.Client, target: Target, payload: str) -> tuple[httpx.Response, httpx.Response]:
    query = client.get(QUERY_TARGET, params={"dimension": payload}, headers=target.headers)
    body = client.post(BODY_TARGET, json={"username": payload, "real_name": payload}, headers=target.headers)
    return query, body


def test_the_corpus_is_large_enough_to_mean_something() -> None:
    assert len(ATTACKS) >= 300
    assert len(_lines("benign.txt")) >= 100


def test_every_attack_is_blocked_by_the_firewall(guarded: Target) -> None:
    passed = []
    with httpx.Client(base_url=guarded.base_url, timeout=10) as client:
        for payload in ATTACKS:
            for response in _send(client, guarded, payload):
                if response.status_code != 403 or response.json().get("code") != "request_blocked":
                    passed.append((payload, response.request.method, response.status_code))
    assert passed == []


def test_without_the_firewall_every_attack_is_handled_harmlessly(unguarded: Target) -> None:
    harmful = []
    with httpx.Client(base_url=unguarded.base_url, timeout=10) as client:
        for payload in ATTACKS:
            for response in _send(client, unguarded, payload):
                # A value echoed inside a JSON error message is inert; echoed into anything a
                # browser could render (HTML, plain text sniffed as HTML) it would be reflected XSS.
                renderable = not response.headers.get("content-type", "").startswith("application/json")
                echoed = renderable and len(payload) > 3 and payload in response.text
                if response.status_code >= 500 or echoed:
                    harmful.append((payload, response.request.method, response.status_code, echoed))
    assert harmful == []


@pytest.mark.parametrize("line", _lines("benign.txt")[:60])
def test_benign_input_passes_the_firewall(guarded: Target, line: str) -> None:
    response = httpx.get(
        f"{guarded.base_url}{QUERY_TARGET}", params={"dimension": line}, headers=guarded.headers, timeout=10
    )
    assert response.status_code != 403, response.text
