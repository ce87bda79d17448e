"""Security headers on every response and CSRF checks on cookie-authenticated unsafe requests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

Make = Callable[..., TestClient]
SESSION = {"healthops_session": "s3ss10n"}


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cache-Control", "no-store"),
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ],
)
def test_security_header_on_allowed_response(client: TestClient, header: str, value: str) -> None:
    assert client.get("/api/v1/search").headers[header] == value


def test_api_csp_allows_nothing_to_load(client: TestClient) -> None:
    csp = client.get("/api/v1/search").headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in csp


def test_permissions_policy_denies_camera_and_microphone(client: TestClient) -> None:
    policy = client.get("/api/v1/search").headers["Permissions-Policy"]
    assert "camera=()" in policy and "microphone=()" in policy


def test_blocked_response_carries_headers_and_request_id_but_not_the_payload(client: TestClient) -> None:
    response = client.get("/api/v1/search", params={"q": "<script>alert('pwn')</script>"})
    body = response.json()
    assert response.status_code == 403
    assert body == {
        "code": "request_blocked",
        "message": "请求被安全策略拦截",
        "request_id": body["request_id"],
    }
    assert response.headers["X-Request-ID"] == body["request_id"]
    assert "pwn" not in response.text
    assert response.headers["X-Frame-Options"] == "DENY"


def test_hsts_can_be_switched_off(make_client: Make) -> None:
    client = make_client(hsts_seconds=0)
    assert "Strict-Transport-Security" not in client.get("/api/v1/search").headers


def test_cookie_post_without_origin_or_token_is_refused(make_client: Make) -> None:
    client = make_client()
    client.cookies.update(SESSION)
    response = client.post("/api/v1/notes", json={"a": 1})
    assert response.status_code == 403
    assert response.json()["code"] == "csrf_failed"


def test_cookie_post_from_same_origin_passes(make_client: Make) -> None:
    client = make_client()
    client.cookies.update(SESSION)
    response = client.post("/api/v1/notes", json={"a": 1}, headers={"Origin": "http://testserver"})
    assert response.status_code == 200


def test_cookie_post_from_foreign_origin_is_refused(make_client: Make) -> None:
    client = make_client()
    client.cookies.update(SESSION)
    response = client.post("/api/v1/notes", json={"a": 1}, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


def test_cookie_post_from_an_allowed_origin_passes(make_client: Make) -> None:
    client = make_client(allowed_origins=("https://dashboard.example.gov.cn",))
    client.cookies.update(SESSION)
    headers = {"Origin": "https://dashboard.example.gov.cn"}
    assert client.post("/api/v1/notes", json={"a": 1}, headers=headers).status_code == 200


def test_cookie_post_with_foreign_referer_and_no_origin_is_refused(make_client: Make) -> None:
    client = make_client()
    client.cookies.update(SESSION)
    headers = {"Referer": "https://evil.example/page"}
    assert client.post("/api/v1/notes", json={"a": 1}, headers=headers).status_code == 403


def test_double_submit_token_in_header_passes(make_client: Make) -> None:
    client = make_client()
    cookies = {**SESSION, "csrf_token": "tok-123"}
    client.cookies.update(cookies)
    response = client.post("/api/v1/notes", json={"a": 1}, headers={"X-CSRF-Token": "tok-123"})
    assert response.status_code == 200


def test_double_submit_token_mismatch_is_refused(make_client: Make) -> None:
    client = make_client()
    cookies = {**SESSION, "csrf_token": "tok-123"}
    client.cookies.update(cookies)
    response = client.post("/api/v1/notes", json={"a": 1}, headers={"X-CSRF-Token": "tok-999"})
    assert response.status_code == 403


def test_double_submit_token_in_form_field_passes(make_client: Make) -> None:
    client = make_client()
    cookies = {**SESSION, "csrf_token": "tok-123"}
    client.cookies.update(cookies)
    response = client.post("/api/v1/forms", data={"csrf_token": "tok-123", "name": "张三"})
    assert response.status_code == 200


def test_bearer_authenticated_post_is_exempt(make_client: Make) -> None:
    client = make_client()
    client.cookies.update(SESSION)
    headers = {"Authorization": "Bearer abc.def"}
    assert client.post("/api/v1/notes", json={"a": 1}, headers=headers).status_code == 200


def test_post_without_session_cookie_is_not_csrf_checked(make_client: Make) -> None:
    client = make_client()
    client.cookies.update({"lang": "zh"})
    assert client.post("/api/v1/notes", json={"a": 1}).status_code == 200


def test_session_get_without_token_is_issued_one(make_client: Make) -> None:
    client = make_client()
    client.cookies.update(SESSION)
    response = client.get("/api/v1/search")
    assert "csrf_token=" in response.headers["set-cookie"]
    assert "SameSite=Strict" in response.headers["set-cookie"]
