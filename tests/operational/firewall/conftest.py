"""A small app behind the firewall, with a controllable clock, for the firewall tests.

``make_client(policy)`` builds a fresh app (its own buckets, bans and counters) with the routes the
rules are about: a search GET, JSON / form / multipart POSTs, login, a DICOMweb STOW and uploads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from operational.common.errors import register_error_handlers
from operational.common.request_id import RequestIdMiddleware
from operational.firewall import FirewallMiddleware, FirewallPolicy, default_policy
from operational.firewall.events import FirewallStats


class ManualClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


def build_app(policy: FirewallPolicy, *, clock: ManualClock, stats: FirewallStats) -> FastAPI:
    """An app with the firewall inside the request-id middleware, as ``install_firewall`` does."""
    app = FastAPI()
    app.add_middleware(FirewallMiddleware, policy=policy, stats=stats, clock=clock)
    app.add_middleware(RequestIdMiddleware)
    register_error_handlers(app)

    @app.get("/api/v1/search")
    def search(q: str = "") -> dict[str, Any]:
        return {"q": q}

    @app.post("/api/v1/notes")
    async def notes(request: Request) -> dict[str, Any]:
        return {"received": await request.json()}

    @app.post("/api/v1/forms")
    async def forms(request: Request) -> dict[str, Any]:
        form = await request.form()
        return {"fields": sorted(form.keys())}

    @app.post("/api/v1/uploads")
    async def uploads(request: Request) -> dict[str, Any]:
        form = await request.form()
        return {"files": [v.filename for v in form.values() if not isinstance(v, str)]}

    @app.post("/api/v1/auth/login")
    def login() -> dict[str, bool]:
        return {"ok": True}

    @app.post("/api/v1/dicomweb/studies")
    async def stow(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


@pytest.fixture
def clock() -> ManualClock:
    """The clock of the firewall under test."""
    return ManualClock()


@pytest.fixture
def stats() -> FirewallStats:
    """The counters of the firewall under test."""
    return FirewallStats()


@pytest.fixture
def make_client(clock: ManualClock, stats: FirewallStats) -> Iterator[Callable[..., TestClient]]:
    """Build a client of a fresh firewalled app; keyword arguments override the default policy."""
    clients: list[TestClient] = []

    def make(
        policy: FirewallPolicy | None = None, *, ip: str = "203.0.113.7", **overrides: Any
    ) -> TestClient:
        chosen = replace(policy or default_policy(), **overrides)
        client = TestClient(build_app(chosen, clock=clock, stats=stats), client=(ip, 50000))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    """A client of the default policy without rate limits (content rules only)."""
    return make_client(rate_limits_enabled=False)
