"""Web application firewall in front of the API and pages (see docs/security/firewall.md).

``install_firewall(app)`` wires it: the middleware inside ``RequestIdMiddleware`` (so refusals carry
the request id) and the read endpoints of block events and counters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from operational.firewall.events import firewall_stats
from operational.firewall.middleware import FirewallMiddleware
from operational.firewall.policy import EndpointRule, FirewallPolicy, RateLimit, default_policy, load_policy
from operational.firewall.uploads import DetectedType, check_upload, safe_upload_path

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = [
    "DetectedType",
    "EndpointRule",
    "FirewallMiddleware",
    "FirewallPolicy",
    "RateLimit",
    "check_upload",
    "default_policy",
    "firewall_stats",
    "install_firewall",
    "load_policy",
    "safe_upload_path",
]


def install_firewall(app: FastAPI, policy: FirewallPolicy | None = None) -> None:
    """Add the firewall just inside ``RequestIdMiddleware`` (wherever that was added) and its router.

    ``policy`` defaults to ``get_policy()`` (``HEALTHOPS_FIREWALL_POLICY`` or the built-in rules),
    resolved when the middleware stack is built. Block events are persisted by the process's
    background writer.
    """
    from starlette.middleware import Middleware

    from operational.common.request_id import RequestIdMiddleware
    from operational.firewall.endpoints import router
    from operational.firewall.events import default_writer

    middleware = Middleware(FirewallMiddleware, policy=policy, writer=default_writer())
    # user_middleware[0] is the outermost; the firewall goes right after (inside) the request id.
    position = next(
        (i + 1 for i, m in enumerate(app.user_middleware) if m.cls is RequestIdMiddleware),
        0,
    )
    app.user_middleware.insert(position, middleware)
    app.include_router(router)
