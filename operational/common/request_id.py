"""Request ids: taken from a caller's ``X-Request-ID`` when sane, otherwise generated; echoed back.

A pure ASGI middleware (not ``BaseHTTPMiddleware``). The id is kept in the request scope's state,
which the server-error handler outside this middleware still sees, and in a context variable for
code that has no request at hand (logging).
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled (None outside a request)."""
    return _request_id.get()


def request_id_of(scope: Scope) -> str | None:
    """The id assigned to the request of this ASGI scope."""
    state = scope.get("state") or {}
    return state.get("request_id") if isinstance(state, dict) else getattr(state, "request_id", None)


class RequestIdMiddleware:
    """Assigns every HTTP request an id and returns it in the ``X-Request-ID`` response header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(HEADER.encode(), b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = _request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER.encode()]
                headers.append((HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)
