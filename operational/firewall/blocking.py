"""Refusals and request bodies: the ``Blocked`` signal, its answers, and buffered / counted bodies."""

from __future__ import annotations

from starlette.types import Message, Receive

MESSAGES = {
    "attack": (403, "request_blocked", "请求被安全策略拦截"),
    "ban": (403, "ip_banned", "访问过于频繁，已被暂时封禁，请稍后再试"),
    "rate_limit": (429, "rate_limited", "请求过于频繁，请稍后再试"),
    "body_size": (413, "payload_too_large", "请求体超过允许的大小"),
    "csrf": (403, "csrf_failed", "跨站请求校验失败，请刷新页面后重试"),
    "upload_not_allowed": (403, "upload_not_allowed", "该接口不允许上传文件"),
}


class Blocked(Exception):
    """A refusal: which kind, by which rule, found where (never the offending value)."""

    def __init__(self, kind: str, attack_type: str, rule_id: str, location: str, wait: float = 0.0) -> None:
        super().__init__(rule_id)
        self.kind, self.attack_type, self.rule_id, self.location, self.wait = (
            kind, attack_type, rule_id, location, wait,
        )  # fmt: skip


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a streamed body outgrows its limit."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body; ``Blocked`` (413) as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Blocked("body_size", "body_size", "body-too-large", "body")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` handing the app the already-read ``body`` first, then the real channel."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def counting_receive(receive: Receive, limit: int) -> Receive:
    """``receive`` that fails once more than ``limit`` body bytes have streamed in (no Content-Length)."""
    size = 0

    async def counted() -> Message:
        nonlocal size
        message = await receive()
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > limit:
                raise BodyTooLarge
        return message

    return counted
