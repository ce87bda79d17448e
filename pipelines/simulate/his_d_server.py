"""A mock of HIS vendor D's paginated REST API, serving the simulator's change feed.

``GET /api/v1/hospitals/{code}/appointments`` and ``/registrations`` with ``updated_since``
(epoch ms, inclusive), ``page`` (1-based) and ``page_size`` (capped at 500 whatever is asked),
ordered by ``(updateTime, id)``, answering
``{"code": 0, "message": "success", "data": [...], "page", "pageSize", "total", "hasMore"}``.

Like the real vendor it now and then serves a repeated page: for some queries (chosen
deterministically from the query itself) page ``r + 1`` returns the content of page ``r`` and
every later page shifts by one, so a client that drops the repeat still receives every record.

Run it with ``python -m pipelines.simulate.his_d_server [--host H] [--port P] [--root DIR]`` or in
a background thread: ``with HisDServer(root) as server: httpx.Client(base_url=server.base_url)``.
"""

from __future__ import annotations

import argparse
import bisect
import math
import re
import threading
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, urlsplit

import orjson

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
_ROUTE = re.compile(r"^/api/v1/hospitals/([A-Za-z0-9_-]+)/(appointments|registrations)$")


@dataclass(frozen=True)
class _Feed:
    """One institution's records per resource, sorted by (updateTime, id), pre-serialized."""

    signature: tuple
    keys: dict[str, list[int]]
    bodies: dict[str, list[bytes]]


def load_feed(folder: Path) -> _Feed:
    """Read every ``<day>.jsonl`` change file of one institution into sorted, serialized records."""
    files = sorted(folder.glob("*.jsonl"))
    signature = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    records: dict[str, list[dict]] = {"appointments": [], "registrations": []}
    for path in files:
        for line in path.read_bytes().splitlines():
            if line.strip():
                change = orjson.loads(line)
                records[change["resource"]].append(change["record"])
    keys, bodies = {}, {}
    for resource, items in records.items():
        # A record lacking its id still sorts (the vendor's defect, served as stored).
        items.sort(key=lambda r: (r.get("updateTime") or 0, str(r.get("id") or "")))
        keys[resource] = [r.get("updateTime") or 0 for r in items]
        bodies[resource] = [orjson.dumps(r) for r in items]
    return _Feed(signature, keys, bodies)


def page_plan(query_key: str, real_pages: int, repeat_rate: float) -> int | None:
    """The real page repeated for this query (served again as the next page), or None."""
    if real_pages < 2 or repeat_rate <= 0:
        return None
    digest = zlib.crc32(query_key.encode())
    if (digest % 10_000) / 10_000 >= repeat_rate:
        return None
    return 1 + (digest // 10_000) % (real_pages - 1)


class HisDServer:
    """The vendor-D API over ``root`` (``sources_dir()/his_d``), startable in a background thread."""

    def __init__(
        self, root: Path, *, host: str = "127.0.0.1", port: int = 0, repeat_rate: float = 0.2
    ) -> None:
        self.root = Path(root)
        self.repeat_rate = repeat_rate
        self._feeds: dict[str, _Feed] = {}
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def feed(self, code: str) -> _Feed | None:
        """The institution's feed, reloaded when a feed file was added or changed."""
        folder = self.root / code
        if not folder.is_dir():
            return None
        with self._lock:
            files = sorted(folder.glob("*.jsonl"))
            signature = tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files)
            cached = self._feeds.get(code)
            if cached is None or cached.signature != signature:
                cached = self._feeds[code] = load_feed(folder)
            return cached

    def respond(
        self, code: str, resource: str, updated_since: int, page: int, page_size: int
    ) -> tuple[int, bytes]:
        """Status and JSON body for one page request (the whole API in one function)."""
        feed = self.feed(code)
        if feed is None:
            return 404, orjson.dumps({"code": 404, "message": f"医院不存在: {code}"})
        size = max(1, min(page_size, MAX_PAGE_SIZE))
        first = bisect.bisect_left(feed.keys[resource], updated_since)
        total = len(feed.keys[resource]) - first
        real_pages = math.ceil(total / size)
        repeated = page_plan(f"{code}|{resource}|{updated_since}|{size}", real_pages, self.repeat_rate)
        pages = real_pages + (repeated is not None)
        real = page if repeated is None or page <= repeated else page - 1
        start = first + (real - 1) * size
        chunk = feed.bodies[resource][start : min(start + size, first + total)] if real <= real_pages else []
        head = orjson.dumps(
            {
                "code": 0,
                "message": "success",
                "page": page,
                "pageSize": size,
                "total": total,
                "hasMore": page < pages,
            }
        )
        return 200, head[:-1] + b',"data":[' + b",".join(chunk) + b"]}"

    def start(self) -> Self:
        """Serve in a daemon thread; returns self."""
        # A short poll interval so that stop() returns promptly (tests start many servers).
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="his-d-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _handler_for(server: HisDServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in one segment (buffered, flushed per request, no Nagle delay);
        # otherwise keep-alive clients wait on delayed ACKs for every page.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            match = _ROUTE.match(url.path)
            if match is None:
                return self._send(404, orjson.dumps({"code": 404, "message": "接口不存在"}))
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                updated_since = int(query.get("updated_since", 0))
                page = int(query.get("page", 1))
                page_size = int(query.get("page_size", DEFAULT_PAGE_SIZE))
                if page < 1 or updated_since < 0:
                    raise ValueError
            except ValueError:
                return self._send(400, orjson.dumps({"code": 400, "message": "参数错误"}))
            self._send(*server.respond(match.group(1), match.group(2), updated_since, page, page_size))

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:
            pass  # request logs would drown the simulator's output; errors still raise

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Command line: serve the simulated vendor-D API until interrupted."""
    from warehouse.paths import sources_dir

    parser = argparse.ArgumentParser(description="模拟 D 厂商 HIS 分页接口")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--root", type=Path, default=None, help="change-feed folder (default: sources_dir()/his_d)"
    )
    parser.add_argument(
        "--repeat-rate", type=float, default=0.2, help="share of queries with a repeated page"
    )
    args = parser.parse_args(argv)
    server = HisDServer(
        args.root or sources_dir() / "his_d", host=args.host, port=args.port, repeat_rate=args.repeat_rate
    )
    print(f"HIS D 模拟接口: {server.base_url}/api/v1/hospitals/{{code}}/appointments")
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
