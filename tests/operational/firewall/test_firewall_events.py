"""Block events: logged without payloads, counted, persisted by the batch writer, read through the API."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from operational.accounts.principal import Principal
from operational.firewall import firewall_stats
from operational.firewall.endpoints import require_firewall_read
from operational.firewall.events import BlockRecorder, EventWriter, FirewallStats, default_writer, safe_path
from operational.firewall.middleware import FirewallMiddleware

AUDITOR = Principal(
    kind="staff",
    user_id="u-auditor",
    username="auditor",
    roles=frozenset({"auditor"}),
    permissions=frozenset({"firewall.read"}),
    institution_codes=None,
)


@pytest.fixture
def reader_api(api: TestClient) -> TestClient:
    """The real app, its caller holding ``firewall.read``."""
    api.app.dependency_overrides[require_firewall_read] = lambda: AUDITOR  # type: ignore[attr-defined]
    return api


def _blocked_request_id(client: TestClient, params: dict[str, str]) -> str:
    request_id = f"fwtest-{uuid.uuid4().hex}"
    response = client.get("/api/v1/health", params=params, headers={"X-Request-ID": request_id})
    assert response.status_code == 403
    return request_id


def test_real_app_runs_the_firewall_inside_the_request_id(api: TestClient) -> None:
    response = api.get(
        "/api/v1/health", params={"q": "' or 1=1--"}, headers={"X-Request-ID": "fw-order-0001"}
    )
    assert response.status_code == 403
    assert response.json()["request_id"] == "fw-order-0001"
    assert response.headers["X-Request-ID"] == "fw-order-0001"


def test_real_app_adds_security_headers(api: TestClient) -> None:
    assert api.get("/api/v1/health").headers["X-Frame-Options"] == "DENY"


def test_block_is_persisted_and_listed_by_the_endpoint(reader_api: TestClient) -> None:
    request_id = _blocked_request_id(reader_api, {"q": "<script>alert(1)</script>"})
    assert default_writer().flush()
    events = reader_api.get("/api/v1/security/firewall/events", params={"attack_type": "xss"}).json()
    mine = [event for event in events if event["request_id"] == request_id]
    assert len(mine) == 1
    assert mine[0]["source_ip"] == "127.0.0.1"
    assert mine[0]["url_path"] == "/api/v1/health"
    assert mine[0]["location"] == "query:q"
    assert mine[0]["rule_id"].startswith("xss-")


def test_stored_event_holds_no_payload(reader_api: TestClient) -> None:
    request_id = _blocked_request_id(reader_api, {"q": "1 UNION SELECT secret_marker_42 FROM t"})
    assert default_writer().flush()
    events = reader_api.get("/api/v1/security/firewall/events").json()
    mine = [event for event in events if event["request_id"] == request_id]
    assert mine and "secret_marker_42" not in str(mine)


def test_stats_endpoint_counts_blocks_by_type(reader_api: TestClient) -> None:
    before = reader_api.get("/api/v1/security/firewall/stats").json()
    _blocked_request_id(reader_api, {"q": "; cat /etc/passwd"})
    assert default_writer().flush()
    after = reader_api.get("/api/v1/security/firewall/stats").json()
    assert after["blocked"] == before["blocked"] + 1
    assert sum(after["stored_by_attack_type"].values()) == sum(before["stored_by_attack_type"].values()) + 1


def test_events_endpoint_requires_signing_in(api: TestClient) -> None:
    response = api.get("/api/v1/security/firewall/events")
    assert response.status_code == 401


def test_firewall_stats_counts_by_rule_and_ip(reader_api: TestClient) -> None:
    before = firewall_stats()["by_rule"].get("scanner-agent", 0)
    reader_api.get("/api/v1/health", headers={"User-Agent": "sqlmap/1.9#stable (https://sqlmap.org)"})
    stats = firewall_stats()
    assert stats["by_rule"]["scanner-agent"] == before + 1
    assert stats["top_ips"]["127.0.0.1"] >= 1


def test_block_log_names_ip_type_rule_and_path_but_not_the_payload(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(rate_limits_enabled=False)
    with caplog.at_level(logging.WARNING, logger="healthops.firewall"):
        client.get("/api/v1/search", params={"q": "' or 'marker'='marker"})
    message = caplog.records[-1].getMessage()
    assert "ip=203.0.113.7" in message and "type=sqli" in message and "path=/api/v1/search" in message
    assert "marker" not in message


def test_logged_path_masks_long_numbers() -> None:
    assert safe_path("/api/v1/patients/110101199003071234/reports") == "/api/v1/patients/***/reports"


def test_database_down_keeps_counting_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    stats = FirewallStats()
    dead = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", connect_args={"connect_timeout": 1})
    writer = EventWriter(stats, engine=lambda: dead)
    middleware = FirewallMiddleware(lambda *_: None, stats=stats, writer=writer)  # type: ignore[arg-type]
    client = TestClient(middleware, client=("198.51.100.9", 1))
    with caplog.at_level(logging.WARNING, logger="healthops.firewall"):
        for _ in range(3):
            assert client.get("/x", params={"q": "' or 1=1--"}).status_code == 403
        assert writer.flush(timeout=15)
    assert stats.snapshot()["blocked"] == 3
    assert stats.snapshot()["persist_failures"] == 3
    assert any("not persisted" in record.getMessage() for record in caplog.records)


def test_recorder_without_writer_still_counts() -> None:
    stats = FirewallStats()
    middleware = FirewallMiddleware(lambda *_: None, stats=stats)  # type: ignore[arg-type]
    assert isinstance(middleware.recorder, BlockRecorder)
    TestClient(middleware).get("/.env")
    assert stats.snapshot()["by_attack_type"] == {"scanner": 1}
