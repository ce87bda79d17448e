"""Rate limits per IP, per API key and per endpoint; bans for repeat offenders; trusted proxies."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from operational.firewall import RateLimit
from tests.operational.firewall.conftest import ManualClock

Make = Callable[..., TestClient]


def test_ip_over_its_limit_gets_429_with_retry_after(make_client: Make) -> None:
    client = make_client(ip_limit=RateLimit(5, 60.0), ban_after_limit_hits=0)
    codes = [client.get("/api/v1/search").status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    refused = client.get("/api/v1/search")
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) >= 1


def test_ip_limit_refills_with_time(make_client: Make, clock: ManualClock) -> None:
    client = make_client(ip_limit=RateLimit(5, 60.0), ban_after_limit_hits=0)
    for _ in range(5):
        client.get("/api/v1/search")
    assert client.get("/api/v1/search").status_code == 429
    clock.advance(12.5)
    assert client.get("/api/v1/search").status_code == 200


def test_api_key_limit_applies_across_ips(make_client: Make) -> None:
    client = make_client(
        ip_limit=None,
        api_key_limit=RateLimit(3, 60.0),
        ban_after_limit_hits=0,
        trusted_proxies=("203.0.113.7",),
    )
    codes = [
        client.get(
            "/api/v1/search", headers={"X-API-Key": "hk_secret", "X-Forwarded-For": f"10.0.0.{i}"}
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_other_api_key_has_its_own_bucket(make_client: Make) -> None:
    client = make_client(ip_limit=None, api_key_limit=RateLimit(1, 60.0), ban_after_limit_hits=0)
    assert client.get("/api/v1/search", headers={"X-API-Key": "key-a"}).status_code == 200
    assert client.get("/api/v1/search", headers={"X-API-Key": "key-a"}).status_code == 429
    assert client.get("/api/v1/search", headers={"X-API-Key": "key-b"}).status_code == 200


def test_login_is_limited_to_ten_per_minute_per_ip(make_client: Make) -> None:
    client = make_client(ban_after_limit_hits=0)
    codes = [
        client.post("/api/v1/auth/login", json={"username": "u", "password": "p"}).status_code
        for _ in range(11)
    ]
    assert codes == [200] * 10 + [429]


def test_login_limit_leaves_other_endpoints_open(make_client: Make) -> None:
    client = make_client(ban_after_limit_hits=0)
    for _ in range(11):
        client.post("/api/v1/auth/login", json={})
    assert client.get("/api/v1/search").status_code == 200


def test_endpoint_limit_counts_all_clients_together(make_client: Make) -> None:
    from dataclasses import replace

    from operational.firewall import default_policy
    from operational.firewall.policy import EndpointRule

    rule = EndpointRule(name="search", path_prefix="/api/v1/search", endpoint_limit=RateLimit(4, 60.0))
    policy = replace(
        default_policy(), rules=(rule, *default_policy().rules), trusted_proxies=("203.0.113.7",)
    )
    client = make_client(policy, ban_after_limit_hits=0)
    codes = [
        client.get("/api/v1/search", headers={"X-Forwarded-For": f"10.1.0.{i}"}).status_code for i in range(5)
    ]
    assert codes == [200] * 4 + [429]


def test_ip_that_keeps_hitting_the_limit_is_banned(make_client: Make, clock: ManualClock) -> None:
    client = make_client(ip_limit=RateLimit(2, 60.0), ban_after_limit_hits=3, ban_seconds=600.0)
    statuses = [client.get("/api/v1/search").status_code for _ in range(5)]
    assert statuses == [200, 200, 429, 429, 403]
    clock.advance(120)  # the bucket is full again, but the ban holds
    banned = client.get("/api/v1/search")
    assert banned.status_code == 403
    assert banned.json()["code"] == "ip_banned"
    assert int(banned.headers["Retry-After"]) > 400


def test_ban_expires(make_client: Make, clock: ManualClock) -> None:
    client = make_client(ip_limit=RateLimit(1, 60.0), ban_after_limit_hits=1, ban_seconds=300.0)
    client.get("/api/v1/search")
    assert client.get("/api/v1/search").status_code == 403
    clock.advance(301)
    assert client.get("/api/v1/search").status_code == 200


def test_repeated_attacks_ban_the_ip_when_configured(make_client: Make) -> None:
    client = make_client(rate_limits_enabled=False, ban_after_attacks=2)
    client.get("/api/v1/search", params={"q": "' or 1=1--"})
    client.get("/api/v1/search", params={"q": "' or 1=1--"})
    assert client.get("/api/v1/search", params={"q": "体检"}).json()["code"] == "ip_banned"


def test_forwarded_for_is_ignored_from_untrusted_peer(make_client: Make) -> None:
    client = make_client(ip_limit=RateLimit(1, 60.0), ban_after_limit_hits=0)
    assert client.get("/api/v1/search", headers={"X-Forwarded-For": "10.9.9.1"}).status_code == 200
    assert client.get("/api/v1/search", headers={"X-Forwarded-For": "10.9.9.2"}).status_code == 429


def test_forwarded_for_from_trusted_proxy_names_the_client(make_client: Make) -> None:
    client = make_client(
        ip_limit=RateLimit(1, 60.0), ban_after_limit_hits=0, trusted_proxies=("203.0.113.0/24",)
    )
    assert client.get("/api/v1/search", headers={"X-Forwarded-For": "10.9.9.1"}).status_code == 200
    assert client.get("/api/v1/search", headers={"X-Forwarded-For": "10.9.9.2"}).status_code == 200
    assert client.get("/api/v1/search", headers={"X-Forwarded-For": "10.9.9.1"}).status_code == 429
