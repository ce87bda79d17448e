"""Security response headers and the CSRF check for cookie-authenticated requests."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from operational.firewall.policy import SAFE_METHODS, EndpointRule, FirewallPolicy

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


def security_headers(policy: FirewallPolicy, rule: EndpointRule) -> list[tuple[bytes, bytes]]:
    """The headers added to every response of ``rule`` (Cache-Control only when the app set none)."""
    headers = [
        (b"content-security-policy", rule.csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if policy.hsts_seconds > 0:
        headers.append(
            (b"strict-transport-security", f"max-age={policy.hsts_seconds}; includeSubDomains".encode())
        )
    return headers


def add_headers(
    existing: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """``existing`` response headers plus those of ``extra`` the app did not set itself."""
    present = {name.lower() for name, _ in existing}
    merged = list(existing)
    merged.extend(header for header in extra if header[0] not in present)
    if b"cache-control" not in present:
        merged.append((b"cache-control", b"no-store"))
    return merged


def csrf_cookie_header(policy: FirewallPolicy) -> tuple[bytes, bytes]:
    """A ``Set-Cookie`` issuing a fresh double-submit token (readable by the page's script)."""
    secure = "; Secure" if policy.secure_cookies else ""
    value = f"{policy.csrf_cookie}={secrets.token_urlsafe(32)}; Path=/; SameSite=Strict{secure}"
    return b"set-cookie", value.encode()


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def csrf_passes(
    policy: FirewallPolicy,
    *,
    method: str,
    headers: dict[bytes, str],
    cookies: dict[str, str],
    form_token: str | None = None,
) -> bool:
    """Whether a request may proceed as far as CSRF is concerned.

    Only unsafe requests carrying a session cookie (an ambient credential) are checked; API-key and Bearer
    requests are exempt. Such a request passes when its ``Origin`` (or else ``Referer``) is this
    host or an allowed origin, or, with neither header, when it echoes the ``csrf_token`` cookie in
    the ``X-CSRF-Token`` header or a ``csrf_token`` form field (double submit).
    """
    if method in SAFE_METHODS or not any(name in cookies for name in policy.session_cookies):
        return True
    if b"x-api-key" in headers or headers.get(b"authorization", "")[:7].lower() == "bearer ":
        return True
    origin = headers.get(b"origin") or (_origin_of(headers[b"referer"]) if b"referer" in headers else None)
    if origin and origin != "null":
        origin = origin.lower().rstrip("/")
        host = headers.get(b"host", "").lower()
        if origin in {o.lower().rstrip("/") for o in policy.allowed_origins}:
            return True
        return bool(host and urlsplit(origin).netloc == host)
    expected = cookies.get(policy.csrf_cookie)
    supplied = headers.get(policy.csrf_header.encode()) or form_token
    return bool(expected and supplied and hmac.compare_digest(expected, supplied))
