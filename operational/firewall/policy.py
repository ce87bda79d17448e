"""Firewall policy: global detector switches, rate limits and per-endpoint rules.

The defaults live in code (``default_policy()``); a deployment overrides them with a YAML or JSON
file named by ``HEALTHOPS_FIREWALL_POLICY`` (format in docs/security/firewall.md). Rules are matched
in order, first match wins; the last default rule matches everything.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

DETECTORS = ("sqli", "xss", "traversal", "cmdi", "scanner")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
# Swagger UI / ReDoc pages load their bundle from jsDelivr and start it with an inline script.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com "
    "https://cdn.redoc.ly; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'self'"
)


@dataclass(frozen=True)
class RateLimit:
    """A token bucket: ``requests`` per ``per_seconds``, with bursts up to ``burst`` (default ``requests``)."""

    requests: int
    per_seconds: float = 60.0
    burst: int | None = None

    @property
    def capacity(self) -> float:
        """Bucket size."""
        return float(self.burst or self.requests)

    @property
    def refill_per_second(self) -> float:
        """Tokens added per second."""
        return self.requests / self.per_seconds


@dataclass(frozen=True)
class EndpointRule:
    """What the firewall does for requests whose method and path match this rule."""

    name: str
    path_prefix: str | None = None
    path_regex: str | None = None
    methods: frozenset[str] | None = None
    detectors: frozenset[str] | None = None
    """Detectors applied here (None: all); still subject to the global switches."""
    inspect_body: bool = True
    max_body_bytes: int = 1_048_576
    ip_limit: RateLimit | None = None
    """Per client IP on this endpoint, on top of the global per-IP limit."""
    endpoint_limit: RateLimit | None = None
    """All clients together on this endpoint."""
    uploads_allowed: bool = False
    upload_types: frozenset[str] = frozenset()
    csrf: bool = True
    csp: str = API_CSP

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to ``method`` ``path``."""
        if self.methods is not None and method not in self.methods:
            return False
        if self.path_prefix is not None and not path.startswith(self.path_prefix):
            return False
        return self.path_regex is None or _compiled(self.path_regex).search(path) is not None


@dataclass(frozen=True)
class FirewallPolicy:
    """The whole firewall configuration; immutable, so one instance is shared by every request."""

    enabled: bool = True
    detectors: frozenset[str] = frozenset(DETECTORS)
    """Global switches: a detector not listed here runs nowhere."""
    rules: tuple[EndpointRule, ...] = ()
    ip_limit: RateLimit | None = RateLimit(1200, 60.0, burst=300)
    api_key_limit: RateLimit | None = RateLimit(3000, 60.0, burst=600)
    rate_limits_enabled: bool = True
    ban_after_limit_hits: int = 30
    """An IP refused this many times within ``ban_window_seconds`` is banned (0: never)."""
    ban_after_attacks: int = 0
    """An IP blocked for attacks this many times within the window is banned (0: never)."""
    ban_window_seconds: float = 60.0
    ban_seconds: float = 600.0
    max_decode_passes: int = 3
    trusted_proxies: tuple[str, ...] = ()
    """Addresses or CIDR networks whose ``X-Forwarded-For`` is believed."""
    csrf_enabled: bool = True
    allowed_origins: tuple[str, ...] = ()
    """Origins (``https://host[:port]``) allowed to send cookie-authenticated unsafe requests."""
    session_cookies: tuple[str, ...] = ("healthops_session",)
    """Cookies that authenticate (ambient credentials): only requests carrying one are CSRF-checked."""
    csrf_cookie: str = "csrf_token"
    csrf_header: str = "x-csrf-token"
    secure_cookies: bool = True
    headers_enabled: bool = True
    hsts_seconds: int = 31_536_000
    """``Strict-Transport-Security`` max-age (0: header not sent)."""

    def rule_for(self, method: str, path: str) -> EndpointRule:
        """The first rule matching ``method`` ``path`` (the fallback rule when none does)."""
        for rule in self.rules:
            if rule.matches(method, path):
                return rule
        return _FALLBACK


_FALLBACK = EndpointRule(name="default")


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


_MB = 1_048_576
_UPLOAD_TYPES = frozenset({"pdf", "png", "jpeg", "xlsx", "csv", "text", "dicom"})


def default_rules() -> tuple[EndpointRule, ...]:
    """The built-in endpoint rules: docs allowed, login strict, DICOM uploads loose, uploads checked."""
    prefix = r"^(?:/api/v1)?"
    return (
        EndpointRule(
            name="docs",
            path_regex=r"^/(?:docs|redoc)(?:/.*)?$|^/openapi\.json$|^/docs/oauth2-redirect$",
            methods=frozenset({"GET", "HEAD"}),
            detectors=frozenset({"scanner"}),
            inspect_body=False,
            csp=DOCS_CSP,
        ),
        EndpointRule(
            name="login",
            path_regex=prefix + r"/auth/login/?$",
            max_body_bytes=16_384,
            ip_limit=RateLimit(10, 60.0),
        ),
        EndpointRule(
            name="dicom_stow",
            path_regex=prefix + r"/(?:dicomweb|imaging)(?:/|$)",
            methods=frozenset({"POST", "PUT"}),
            detectors=frozenset({"scanner", "traversal"}),
            inspect_body=False,
            max_body_bytes=2048 * _MB,
            endpoint_limit=RateLimit(6000, 60.0, burst=1000),
            uploads_allowed=True,
            upload_types=frozenset({"dicom"}),
        ),
        EndpointRule(
            name="dicom_read",
            path_regex=prefix + r"/(?:dicomweb|imaging)(?:/|$)",
            detectors=frozenset({"scanner", "traversal", "sqli", "xss"}),
            inspect_body=False,
        ),
        EndpointRule(
            name="uploads",
            path_regex=prefix + r"/(?:[a-z0-9_-]+/)*uploads?(?:/|$)",
            methods=frozenset({"POST", "PUT"}),
            max_body_bytes=50 * _MB,
            uploads_allowed=True,
            upload_types=_UPLOAD_TYPES,
        ),
    )


def default_policy() -> FirewallPolicy:
    """The policy used when no file overrides it."""
    return FirewallPolicy(rules=default_rules())


def off_policy() -> FirewallPolicy:
    """Everything off (the benchmark's baseline): requests pass untouched."""
    return FirewallPolicy(enabled=False, rules=default_rules())


def _rate_limit(raw: Any) -> RateLimit | None:
    if raw is None:
        return None
    return RateLimit(int(raw["requests"]), float(raw.get("per_seconds", 60.0)), raw.get("burst"))


def _rule(raw: dict[str, Any]) -> EndpointRule:
    known = {f.name for f in fields(EndpointRule)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"unknown firewall rule keys: {sorted(unknown)}")
    values: dict[str, Any] = dict(raw)
    for name in ("methods", "detectors", "upload_types"):
        if values.get(name) is not None:
            values[name] = frozenset(str(v).upper() if name == "methods" else str(v) for v in values[name])
    for name in ("ip_limit", "endpoint_limit"):
        if name in values:
            values[name] = _rate_limit(values[name])
    if values.get("path_regex"):
        re.compile(values["path_regex"])  # fail at load time, not on the first request
    return EndpointRule(**values)


def policy_from_mapping(raw: dict[str, Any], base: FirewallPolicy | None = None) -> FirewallPolicy:
    """``base`` (default: the built-in policy) overridden by a parsed policy file.

    ``rules`` in the file come before the base rules (so they win); ``replace_rules: true`` drops
    the base rules instead.
    """
    base = base or default_policy()
    raw = dict(raw)
    replace_rules = bool(raw.pop("replace_rules", False))
    rules = tuple(_rule(r) for r in raw.pop("rules", []))
    known = {f.name for f in fields(FirewallPolicy)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"unknown firewall policy keys: {sorted(unknown)}")
    values: dict[str, Any] = dict(raw)
    if "detectors" in values:
        values["detectors"] = frozenset(values["detectors"])
    for name in ("ip_limit", "api_key_limit"):
        if name in values:
            values[name] = _rate_limit(values[name])
    for name in ("trusted_proxies", "allowed_origins", "session_cookies"):
        if name in values:
            values[name] = tuple(values[name])
    values["rules"] = rules if replace_rules else rules + base.rules
    return replace(base, **values)


def load_policy(path: Path) -> FirewallPolicy:
    """Read a policy file (``.yaml``/``.yml`` or ``.json``) over the built-in defaults."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in {".yaml", ".yml"}:
        import yaml

        raw = yaml.safe_load(text) or {}
    else:
        raw = json.loads(text)
    return policy_from_mapping(raw)


@lru_cache(maxsize=1)
def get_policy() -> FirewallPolicy:
    """The process policy: ``HEALTHOPS_FIREWALL_POLICY`` when set, else the defaults (cached)."""
    path = os.environ.get("HEALTHOPS_FIREWALL_POLICY")
    return load_policy(Path(path)) if path else default_policy()


@dataclass
class RuleCache:
    """Per-(method, path) memo of ``policy.rule_for``; bounded, cleared when full."""

    policy: FirewallPolicy
    max_entries: int = 4096
    _entries: dict[tuple[str, str], EndpointRule] = field(default_factory=dict)

    def rule_for(self, method: str, path: str) -> EndpointRule:
        """The rule of ``method`` ``path``, computed once per distinct pair."""
        key = (method, path)
        rule = self._entries.get(key)
        if rule is None:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            rule = self._entries[key] = self.policy.rule_for(method, path)
        return rule
