"""Object storage behind one small interface: a local directory by default, S3-compatible on demand.

``OBJECT_STORE_URL`` unset stores objects under ``var/objects``; ``s3://bucket/prefix`` stores them in
an S3-compatible bucket (AWS, MinIO, Ceph …). Query parameters of the URL configure the client::

    s3://films/district?endpoint=http://127.0.0.1:9000&region=cn-east-1

Credentials come from the standard ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` /
``AWS_SESSION_TOKEN`` environment variables (never from the URL, so they stay out of logs).
``file:///abs/path`` names a local directory explicitly. Both backends go through ``obstore``, so
they behave alike: writes are atomic (a reader never sees half an object), ``list`` matches whole
path segments (``a/b`` lists ``a/b/x``, not ``a/bc``) and deleting a missing key is not an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO
from urllib.parse import parse_qsl, urlsplit

import obstore
from obstore.store import LocalStore, S3Store

from operational.common.errors import InvalidRequest, NotFound
from operational.common.settings import get_settings

_MAX_KEY_LENGTH = 1024
# Letters (any script), digits and a few separators; no control characters, backslashes or '%'.
_KEY_SEGMENT = re.compile(r"^[\w.\-=+@,~ ]+$")
# URL query parameters accepted for S3, mapped to obstore's S3 configuration keys.
_S3_PARAMETERS = {
    "endpoint": "endpoint",
    "region": "region",
    "virtual_hosted_style_request": "virtual_hosted_style_request",
    "checksum_algorithm": "checksum_algorithm",
}


class ObjectNotFound(NotFound):
    """No object is stored under the key."""

    code = "object_not_found"
    default_message = "文件不存在或已被删除"


class InvalidObjectKey(InvalidRequest):
    """The key is not a safe relative path (empty, absolute, with ``..`` or odd characters)."""

    code = "invalid_object_key"
    default_message = "文件路径不合法"


class InvalidObjectRange(InvalidRequest):
    """The requested byte range lies outside the object."""

    code = "invalid_object_range"
    default_message = "请求的文件范围不合法"


def validate_key(key: str) -> str:
    """Return ``key`` if it is a safe relative object key, else raise ``InvalidObjectKey``.

    A key is ``segment/segment/…``: not empty, not absolute, no empty, ``.`` or ``..`` segment, no
    backslash or control character, at most 1024 characters.
    """
    if not isinstance(key, str) or not key or len(key) > _MAX_KEY_LENGTH:
        raise InvalidObjectKey(details={"reason": "empty_or_too_long"})
    if key.startswith("/"):
        raise InvalidObjectKey(details={"reason": "absolute"})
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise InvalidObjectKey(details={"reason": "bad_segment"})
        if not _KEY_SEGMENT.match(segment) or segment != segment.strip():
            raise InvalidObjectKey(details={"reason": "bad_character"})
    return key


def _validate_prefix(prefix: str) -> str | None:
    prefix = prefix.rstrip("/")
    return validate_key(prefix) if prefix else None


class ObjectStore:
    """Bytes stored under slash-separated keys; see the module docstring for the backends."""

    def __init__(self, store: LocalStore | S3Store, *, supports_attributes: bool) -> None:
        self._store = store
        self._supports_attributes = supports_attributes

    def __repr__(self) -> str:
        return f"ObjectStore({self._store!r})"

    def put(self, key: str, data: bytes, *, content_type: str | None = None) -> None:
        """Store ``data`` under ``key``, replacing any previous object atomically."""
        obstore.put(self._store, validate_key(key), data, attributes=self._attributes(content_type))

    def put_file(
        self,
        key: str,
        source: Path | IO[bytes],
        *,
        content_type: str | None = None,
        chunk_size: int = 8 << 20,
    ) -> None:
        """Stream a local file (a path or a binary file object) to ``key``, in chunks (multipart on S3)."""
        obstore.put(
            self._store,
            validate_key(key),
            Path(source) if isinstance(source, str) else source,
            attributes=self._attributes(content_type),
            chunk_size=chunk_size,
        )

    def put_stream(self, key: str, chunks: Iterable[bytes], *, content_type: str | None = None) -> None:
        """Store the concatenation of ``chunks`` under ``key`` without holding it all in memory."""
        obstore.put(self._store, validate_key(key), iter(chunks), attributes=self._attributes(content_type))

    def get(self, key: str) -> bytes:
        """The whole object stored under ``key``; ``ObjectNotFound`` if there is none."""
        try:
            return obstore.get(self._store, validate_key(key)).bytes().to_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(details={"key": key}) from exc

    def stream(self, key: str, *, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """The object under ``key`` as an iterator of chunks (for copying big files)."""
        try:
            result = obstore.get(self._store, validate_key(key))
        except FileNotFoundError as exc:
            raise ObjectNotFound(details={"key": key}) from exc
        return (bytes(chunk) for chunk in result.stream(min_chunk_size=chunk_size))

    def get_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes ``start`` (inclusive) to ``end`` (exclusive) of the object; clipped at its end.

        ``InvalidObjectRange`` when ``start`` is negative, after ``end``, or at or past the end of a
        non-empty range's object.
        """
        validate_key(key)
        if start < 0 or end < start:
            raise InvalidObjectRange(details={"start": start, "end": end})
        if start == end:
            self.size(key)  # still report a missing object
            return b""
        try:
            return obstore.get_range(self._store, key, start=start, end=end).to_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(details={"key": key}) from exc
        except obstore.exceptions.BaseError as exc:
            if start >= self.size(key):
                raise InvalidObjectRange(details={"start": start, "end": end}) from exc
            raise

    def size(self, key: str) -> int:
        """The size in bytes of the object under ``key``."""
        try:
            return int(obstore.head(self._store, validate_key(key))["size"])
        except FileNotFoundError as exc:
            raise ObjectNotFound(details={"key": key}) from exc

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        try:
            obstore.head(self._store, validate_key(key))
        except FileNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove the object under ``key``; a missing object is not an error."""
        try:
            obstore.delete(self._store, validate_key(key))
        except FileNotFoundError:
            pass

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix`` (whole segments: ``a/b`` matches ``a/b/x``, not ``a/bc``), streamed."""
        for batch in obstore.list(self._store, _validate_prefix(prefix), chunk_size=1000):
            for meta in batch:
                yield meta["path"]

    def _attributes(self, content_type: str | None) -> dict[str, str] | None:
        # The local backend keeps no metadata; the content type matters only to HTTP-served buckets.
        if content_type is None or not self._supports_attributes:
            return None
        return {"Content-Type": content_type}


def object_store_from_url(url: str | None, *, local_root: Path) -> ObjectStore:
    """The store named by ``url``: ``None`` → ``local_root``; ``file:///dir``; ``s3://bucket/prefix?…``."""
    if not url:
        return _local(local_root)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return _local(Path(parts.path))
    if parts.scheme in ("s3", "s3a"):
        return _s3(parts.netloc, parts.path.strip("/"), dict(parse_qsl(parts.query)))
    raise ValueError(f"OBJECT_STORE_URL must start with s3:// or file://, got {parts.scheme}://…")


def _local(root: Path) -> ObjectStore:
    root.mkdir(parents=True, exist_ok=True)
    return ObjectStore(LocalStore(root.resolve()), supports_attributes=False)


def _s3(bucket: str, prefix: str, parameters: dict[str, str]) -> ObjectStore:
    if not bucket:
        raise ValueError("OBJECT_STORE_URL names no bucket (s3://bucket/prefix)")
    unknown = set(parameters) - set(_S3_PARAMETERS)
    if unknown:
        raise ValueError(f"OBJECT_STORE_URL has unknown parameters: {', '.join(sorted(unknown))}")
    config = {_S3_PARAMETERS[name]: value for name, value in parameters.items()}
    allow_http = config.get("endpoint", "").startswith("http://")
    store = S3Store(
        bucket,
        prefix=prefix or None,
        client_options={"allow_http": allow_http},
        **config,  # type: ignore[arg-type]
    )
    return ObjectStore(store, supports_attributes=True)


@lru_cache(maxsize=1)
def get_object_store() -> ObjectStore:
    """The process-wide object store chosen by the settings (cached; tests call ``cache_clear()``)."""
    settings = get_settings()
    return object_store_from_url(settings.object_store_url, local_root=settings.objects_dir)
