"""Pulling the inspectable strings out of a request: query, cookies, JSON, form and multipart bodies.

Each function yields ``(name, value)`` pairs; on a hit the caller turns the name into a location
(``location("query", name)`` → ``query:q``), which is what logs record, never the value. Locations are
built only on a hit: this runs on every request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

_MAX_DEPTH = 32
_MAX_NAME = 40
_BOUNDARY = re.compile(r'boundary="?([^";,]+)"?', re.IGNORECASE)
_DISPOSITION_PARAM = re.compile(r'(\w+)\*?="((?:[^"\\]|\\.)*)"|(\w+)=([^;\s]+)')


def location(prefix: str, name: str) -> str:
    """A log-safe location label: ``prefix:name`` with the name shortened and stripped of odd characters."""
    clean = "".join(c for c in name[:_MAX_NAME] if c.isalnum() or c in "_-.[]")
    return f"{prefix}:{clean}"


def query_pairs(query_string: bytes) -> Iterator[tuple[str, str]]:
    """Parameter names and values of a raw query string, each URL-decoded once."""
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="utf-8"):
        yield name, name
        yield name, value


def form_fields(body: bytes) -> list[tuple[str, str]]:
    """``(name, value)`` fields of an ``application/x-www-form-urlencoded`` body."""
    return parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8")


def form_pairs(fields: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Field names and values of form fields, with their locations."""
    for name, value in fields:
        yield name, name
        yield name, value


def cookie_values(header: str) -> Iterator[tuple[str, str]]:
    """Cookie values of a ``Cookie`` header (names are not attacker-interesting enough to scan)."""
    for pair in header.split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and value:
            yield name, unquote(value.strip('"'))


def cookie_map(header: str) -> dict[str, str]:
    """The cookies of a ``Cookie`` header by name."""
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep:
            cookies.setdefault(name, value.strip('"'))
    return cookies


def json_strings(body: bytes) -> Iterator[tuple[str, str]] | None:
    """Every key and string value of a JSON body; None when the body is not JSON (the app will say so)."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return _walk(document, "", 0)


def _walk(node: Any, key: str, depth: int) -> Iterator[tuple[str, str]]:
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, dict):
        for child, value in node.items():
            child = str(child)
            yield child, child
            yield from _walk(value, child, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, key, depth + 1)


def multipart_parts(body: bytes, content_type: str) -> Iterator[tuple[str, str | None, bytes]]:
    """``(field name, filename or None, content)`` of each part of a ``multipart/form-data`` body."""
    match = _BOUNDARY.search(content_type)
    if match is None:
        return
    delimiter = b"--" + match.group(1).encode("latin-1")
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        params: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                for quoted_key, quoted, bare_key, bare in _DISPOSITION_PARAM.findall(line):
                    params[(quoted_key or bare_key).lower()] = quoted or bare
        yield params.get("name", ""), params.get("filename"), content.removesuffix(b"\r\n")


def multipart_pairs(parts: list[tuple[str, str | None, bytes]]) -> Iterator[tuple[str, str]]:
    """Field names, filenames and non-file values of multipart parts (file contents are not scanned)."""
    for name, filename, content in parts:
        yield name, name
        if filename is not None:
            yield name, filename
        else:
            yield name, content.decode("utf-8", "replace")
