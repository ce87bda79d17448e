"""The firewall: a pure ASGI middleware in front of every route (inside ``RequestIdMiddleware``).

Order of checks, cheapest first: ban list, rate limits (IP, API key, endpoint), declared body size,
path / query / headers, then the body (buffered up to the rule's limit, inspected, replayed to the
app), CSRF. Refusals are answered here with the platform's error body and recorded; allowed
responses get the security headers.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from operational.common.request_id import request_id_of
from operational.firewall import extract
from operational.firewall.blocking import (
    MESSAGES,
    Blocked,
    BodyTooLarge,
    counting_receive,
    read_body,
    replay,
)
from operational.firewall.detectors import (
    DETECTORS,
    scan_header,
    scan_probe_path,
    scan_user_agent,
    scan_value,
)
from operational.firewall.events import BlockEvent, BlockRecorder, EventWriter, FirewallStats, safe_path
from operational.firewall.headers import add_headers, csrf_cookie_header, csrf_passes, security_headers
from operational.firewall.policy import SAFE_METHODS, EndpointRule, FirewallPolicy, RuleCache, get_policy
from operational.firewall.ratelimit import BanList, Clock, TokenBuckets, retry_after
from operational.firewall.uploads import UploadRejected, check_upload
from operational.security.crypto import sm3_hex

_WANTED = {
    b"user-agent", b"referer", b"cookie", b"content-type", b"content-length", b"x-api-key",
    b"authorization", b"origin", b"host", b"x-forwarded-for", b"x-csrf-token",
}  # fmt: skip
_OVERLONG = ("%c0", "%c1", "%e0%80", "%u", "%25")


class FirewallMiddleware:
    """Blocks attacks, floods and oversized bodies; adds security headers; records every block."""

    def __init__(
        self,
        app: ASGIApp,
        policy: FirewallPolicy | None = None,
        *,
        stats: FirewallStats | None = None,
        writer: EventWriter | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        from operational.firewall.events import default_stats

        self.app = app
        self.policy = policy or get_policy()
        self.rules = RuleCache(self.policy)
        self.buckets = TokenBuckets(clock)
        self.bans = BanList(self.policy.ban_window_seconds, self.policy.ban_seconds, clock)
        self.stats = stats or default_stats()
        self.recorder = BlockRecorder(self.stats, writer)
        self._trusted = [ipaddress.ip_network(p, strict=False) for p in self.policy.trusted_proxies]
        self._per_rule: dict[str, tuple[tuple[str, ...], list[tuple[bytes, bytes]]]] = {}
        self._path_verdicts: dict[tuple[str, str, bytes], tuple[str, str, str] | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.policy.enabled:
            await self.app(scope, receive, send)
            return
        policy = self.policy
        method: str = scope["method"]
        path: str = scope["path"]
        rule = self.rules.rule_for(method, path)
        detectors, extra_headers = self._rule_setup(rule)
        headers = {k: v.decode("latin-1") for k, v in scope["headers"] if k in _WANTED}
        ip = self._client_ip(scope, headers)
        self.stats.inspected += 1
        cookies = extract.cookie_map(headers[b"cookie"]) if b"cookie" in headers else {}
        try:
            self._check_limits(rule, ip, headers)
            self._check_declared_size(rule, headers)
            self._check_request_line(scope, rule, detectors, headers, cookies)
            receive = await self._check_body(rule, detectors, method, headers, cookies, receive)
        except Blocked as blocked:
            await self._refuse(scope, send, rule, ip, blocked, extra_headers)
            return

        issue_csrf = (
            policy.csrf_enabled
            and method in SAFE_METHODS
            and policy.csrf_cookie not in cookies
            and any(name in cookies for name in policy.session_cookies)
        )

        started = False

        async def send_secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if policy.headers_enabled:
                    merged = add_headers(message.get("headers", []), extra_headers)
                    if issue_csrf:
                        merged.append(csrf_cookie_header(policy))
                    message["headers"] = merged
            await send(message)

        try:
            await self.app(scope, receive, send_secured)
        except BodyTooLarge:
            if started:
                raise
            blocked = Blocked("body_size", "body_size", "body-too-large", "body")
            await self._refuse(scope, send, rule, ip, blocked, extra_headers)

    def _rule_setup(self, rule: EndpointRule) -> tuple[tuple[str, ...], list[tuple[bytes, bytes]]]:
        setup = self._per_rule.get(rule.name)
        if setup is None:
            active = tuple(
                name
                for name in (*DETECTORS, "scanner")
                if name in self.policy.detectors and (rule.detectors is None or name in rule.detectors)
            )
            setup = self._per_rule[rule.name] = (active, security_headers(self.policy, rule))
        return setup

    def _client_ip(self, scope: Scope, headers: dict[bytes, str]) -> str:
        client = scope.get("client")
        peer = client[0] if client else "unknown"
        if not self._trusted or b"x-forwarded-for" not in headers or not self._is_trusted(peer):
            return peer
        for hop in reversed([h.strip() for h in headers[b"x-forwarded-for"].split(",") if h.strip()]):
            if not self._is_trusted(hop):
                return hop
        return peer

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)

    def _check_limits(self, rule: EndpointRule, ip: str, headers: dict[bytes, str]) -> None:
        policy = self.policy
        banned = self.bans.banned_for(ip)
        if banned:
            raise Blocked("ban", "ban", "ban-repeat-offender", "ip", banned)
        if not policy.rate_limits_enabled:
            return
        checks = []
        if policy.ip_limit is not None:
            checks.append((("ip", ip), policy.ip_limit, "ratelimit-ip"))
        if rule.ip_limit is not None:
            checks.append(((f"ip@{rule.name}", ip), rule.ip_limit, f"ratelimit-{rule.name}-ip"))
        if rule.endpoint_limit is not None:
            checks.append((("endpoint", rule.name), rule.endpoint_limit, f"ratelimit-{rule.name}"))
        api_key = headers.get(b"x-api-key")
        if api_key and policy.api_key_limit is not None:
            checks.append(
                (("key", sm3_hex(api_key.encode())[:16]), policy.api_key_limit, "ratelimit-api-key")
            )
        for key, limit, rule_id in checks:
            wait = self.buckets.take(key, limit)
            if wait:
                if self.bans.strike(ip, "limit", policy.ban_after_limit_hits):
                    raise Blocked("ban", "ban", "ban-repeat-offender", "ip", policy.ban_seconds)
                raise Blocked("rate_limit", "rate_limit", rule_id, key[0], wait)

    @staticmethod
    def _check_declared_size(rule: EndpointRule, headers: dict[bytes, str]) -> None:
        declared = headers.get(b"content-length")
        if declared and declared.isdigit() and int(declared) > rule.max_body_bytes:
            raise Blocked("body_size", "body_size", "body-too-large", "content-length")

    def _scan(self, pairs: Iterable[tuple[str, str]], detectors: tuple[str, ...], prefix: str) -> None:
        passes = self.policy.max_decode_passes
        for name, value in pairs:
            found = scan_value(value, detectors, passes)
            if found is not None:
                raise Blocked("attack", found[0], found[1], extract.location(prefix, name))

    def _check_request_line(
        self,
        scope: Scope,
        rule: EndpointRule,
        detectors: tuple[str, ...],
        headers: dict[bytes, str],
        cookies: dict[str, str],
    ) -> None:
        value_detectors = tuple(d for d in detectors if d != "scanner")
        if "scanner" in detectors and (agent := headers.get(b"user-agent")) and scan_user_agent(agent):
            raise Blocked("attack", "scanner", "scanner-agent", "header:user-agent")
        path: str = scope["path"]
        key = (rule.name, path, scope.get("raw_path") or b"")
        if key in self._path_verdicts:
            verdict = self._path_verdicts[key]
        else:
            try:
                verdict = None
                self._check_path(path, key[2], detectors, value_detectors)
            except Blocked as blocked:
                verdict = (blocked.attack_type, blocked.rule_id, blocked.location)
            if len(self._path_verdicts) >= 8192:
                self._path_verdicts.clear()
            self._path_verdicts[key] = verdict
        if verdict is not None:
            raise Blocked("attack", *verdict)
        query: bytes = scope["query_string"]
        if query:
            if "traversal" in detectors and b"%" in query:
                self._check_overlong(query.decode("latin-1"), "query")
            self._scan(extract.query_pairs(query), value_detectors, "query")
        passes = self.policy.max_decode_passes
        for name in (b"user-agent", b"referer"):
            if (value := headers.get(name)) and (found := scan_header(value, value_detectors, passes)):
                raise Blocked("attack", found[0], found[1], f"header:{name.decode()}")
        if cookies:
            self._scan(extract.cookie_values(headers[b"cookie"]), value_detectors, "cookie")

    def _check_path(
        self, path: str, raw_path: bytes, detectors: tuple[str, ...], value_detectors: tuple[str, ...]
    ) -> None:
        """Path checks; their verdict depends on the path alone, so the caller memoises it."""
        if "scanner" in detectors and scan_probe_path(path):
            raise Blocked("attack", "scanner", "scanner-probe", "path")
        if "traversal" in detectors and b"%" in raw_path:
            self._check_overlong(raw_path.decode("latin-1"), "path")
        segments = [(str(i), s) for i, s in enumerate(path.split("/")) if s and not s.isalnum()]
        self._scan(segments, value_detectors, "path")
        if "traversal" in detectors:
            self._scan([("", path)], ("traversal",), "path")

    def _check_overlong(self, raw: str, location: str) -> None:
        lowered = raw.lower()
        if any(marker in lowered for marker in _OVERLONG):
            found = scan_value(lowered, ("traversal",), 0)
            if found is not None:
                raise Blocked("attack", found[0], found[1], location)

    async def _check_body(
        self,
        rule: EndpointRule,
        detectors: tuple[str, ...],
        method: str,
        headers: dict[bytes, str],
        cookies: dict[str, str],
        receive: Receive,
    ) -> Receive:
        content_type = headers.get(b"content-type", "").lower()
        value_detectors = tuple(d for d in detectors if d != "scanner")
        is_form = content_type.startswith("application/x-www-form-urlencoded")
        is_multipart = content_type.startswith("multipart/form-data")
        is_json = content_type.startswith("application/json") or "+json" in content_type.split(";")[0]
        needs_body = method not in SAFE_METHODS and (is_form or is_multipart or is_json)
        needs_csrf_body = needs_body and bool(cookies) and self.policy.csrf_enabled
        if not needs_body or not (rule.inspect_body or needs_csrf_body or is_multipart):
            self._check_csrf(method, headers, cookies, None)
            return counting_receive(receive, rule.max_body_bytes) if method not in SAFE_METHODS else receive
        body = await read_body(receive, rule.max_body_bytes)
        form_token = None
        if is_json and rule.inspect_body:
            pairs = extract.json_strings(body)
            if pairs is not None:
                self._scan(pairs, value_detectors, "body")
        elif is_form:
            fields = extract.form_fields(body)
            form_token = next((v for n, v in fields if n == self.policy.csrf_cookie), None)
            if rule.inspect_body:
                self._scan(extract.form_pairs(fields), value_detectors, "body")
        elif is_multipart:
            parts = list(extract.multipart_parts(body, content_type))
            form_token = next(
                (c.decode("latin-1") for n, f, c in parts if n == self.policy.csrf_cookie), None
            )
            self._check_files(rule, parts)
            if rule.inspect_body:
                self._scan(extract.multipart_pairs(parts), value_detectors, "body")
        self._check_csrf(method, headers, cookies, form_token)
        return replay(body, receive)

    def _check_csrf(
        self, method: str, headers: dict[bytes, str], cookies: dict[str, str], form_token: str | None
    ) -> None:
        if self.policy.csrf_enabled and not csrf_passes(
            self.policy, method=method, headers=headers, cookies=cookies, form_token=form_token
        ):
            raise Blocked("csrf", "csrf", "csrf-origin-or-token", "header:origin")

    @staticmethod
    def _check_files(rule: EndpointRule, parts: list[tuple[str, str | None, bytes]]) -> None:
        for name, filename, content in parts:
            if filename is None:
                continue
            if not rule.uploads_allowed:
                raise Blocked("upload_not_allowed", "upload", "upload-not-allowed", f"body:{name[:40]}")
            try:
                check_upload(
                    filename, content, allowed_types=rule.upload_types, max_bytes=rule.max_body_bytes
                )
            except UploadRejected as exc:
                raise Blocked("upload", "upload", "upload-type-refused", f"body:{name[:40]}") from exc

    async def _refuse(
        self,
        scope: Scope,
        send: Send,
        rule: EndpointRule,
        ip: str,
        blocked: Blocked,
        extra_headers: list[tuple[bytes, bytes]],
    ) -> None:
        status, code, message = MESSAGES.get(blocked.kind, (415, "upload_rejected", "上传的文件类型不被允许"))
        request_id = request_id_of(scope)
        if blocked.kind == "attack" and self.bans.strike(ip, "attack", self.policy.ban_after_attacks):
            self.recorder.record(self._event(scope, rule, ip, "ban", "ban-repeat-offender", "ip", 403))
        self.recorder.record(
            self._event(scope, rule, ip, blocked.attack_type, blocked.rule_id, blocked.location, status)
        )
        body = json.dumps({"code": code, "message": message, "request_id": request_id}, ensure_ascii=False)
        headers = [(b"content-type", b"application/json; charset=utf-8")]
        if blocked.wait:
            headers.append((b"retry-after", retry_after(blocked.wait).encode()))
        if blocked.kind in {"body_size", "upload"}:
            headers.append((b"connection", b"close"))  # the unread body must not be parsed as a request
        if self.policy.headers_enabled:
            headers = add_headers(headers, extra_headers)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})

    @staticmethod
    def _event(
        scope: Scope, rule: EndpointRule, ip: str, attack_type: str, rule_id: str, location: str, status: int
    ) -> BlockEvent:
        return BlockEvent(
            occurred_at=dt.datetime.now(dt.UTC),
            source_ip=ip[:64],
            attack_type=attack_type,
            rule_id=rule_id[:64],
            endpoint_rule=rule.name[:64],
            method=scope["method"][:16],
            url_path=safe_path(scope["path"]),
            location=location[:128],
            status_code=status,
            request_id=request_id_of(scope),
        )
