"""Adapter for HIS vendor D: a paginated JSON REST API with an ``updated_since`` cursor.

:func:`fetch_pages` pulls one institution-day (every change whose ``updateTime`` falls on that
Shanghai-local day), returning the raw page bodies so they are landed before parsing, plus a
``fetch_log.json`` naming the repeated pages it dropped. :func:`parse_files` turns those pages
into landed rows. Times are epoch milliseconds (-> naive UTC), codes stay as sent (numbers as
text). See docs/sources/his_d.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Iterable

import httpx
import orjson

from pipelines.sources.identity import person_fields
from pipelines.sources.landing import ParseResult

RESOURCES = ("appointments", "registrations")
FETCH_LOG = "fetch_log.json"
_DAY_MS = 86_400_000
_EPOCH = dt.datetime(1970, 1, 1)
_PAGE_FILE = re.compile(r"^(appointments|registrations)_p(\d+)\.json$")
REQUIRED = {
    "appointments": ("id", "updateTime", "status", "deptCode", "patient", "createTime", "scheduleTime"),
    "registrations": ("id", "updateTime", "status", "deptCode", "patient", "regTime", "visitType"),
}
REQUIRED_PATIENT = ("idCard",)

log = logging.getLogger(__name__)


class VendorApiError(RuntimeError):
    """The vendor API answered with a non-zero business code (an infrastructure failure: raise)."""


def day_bounds_ms(day: dt.date) -> tuple[int, int]:
    """Epoch ms of the Shanghai-local day's start (inclusive) and end (exclusive)."""
    start_utc = dt.datetime.combine(day, dt.time()) - dt.timedelta(hours=8)
    start = (start_utc - _EPOCH) // dt.timedelta(milliseconds=1)
    return start, start + _DAY_MS


def _fetch_resource(
    client: httpx.Client,
    code: str,
    resource: str,
    day: dt.date,
    page_size: int,
    pages: list[tuple[str, bytes]],
    repeated: list[dict],
) -> None:
    start, end = day_bounds_ms(day)
    seen: dict[str, int] = {}
    page = 1
    while True:
        response = client.get(
            f"/api/v1/hospitals/{code}/{resource}",
            params={"updated_since": start, "page": page, "page_size": page_size},
        )
        response.raise_for_status()
        payload = orjson.loads(response.content)
        if payload.get("code") != 0:
            raise VendorApiError(f"D 厂商接口返回错误 {payload.get('code')}: {payload.get('message')}")
        data = payload.get("data") or []
        digest = hashlib.sha256(orjson.dumps(data)).hexdigest()
        if digest in seen:
            # The vendor re-served an earlier page under the next number; its records follow later.
            repeated.append({"resource": resource, "page": page, "same_as": seen[digest]})
            log.warning("HIS D %s %s page %d repeats page %d; dropped", code, resource, page, seen[digest])
        else:
            seen[digest] = page
            pages.append((f"{resource}_p{page:04d}.json", response.content))
        times = [
            r["updateTime"] for r in data if isinstance(r, dict) and isinstance(r.get("updateTime"), int)
        ]
        if not payload.get("hasMore") or not data or (times and max(times) >= end):
            return
        page += 1


def fetch_pages(
    client: httpx.Client, *, institution_code: str, day: dt.date, page_size: int = 500
) -> list[tuple[str, bytes]]:
    """Page through both resources from the day's start; return raw page bodies and the fetch log.

    Stops at ``hasMore == false`` or once a page reaches past the day's end. A page whose data
    repeats an earlier page is not returned; it is listed in ``fetch_log.json`` (counted there
    and quarantined by :func:`parse_files`). ``client`` carries the base URL and credentials.
    """
    pages: list[tuple[str, bytes]] = []
    repeated: list[dict] = []
    for resource in RESOURCES:
        _fetch_resource(client, institution_code, resource, day, page_size, pages, repeated)
    fetch_log = {
        "institution_code": institution_code,
        "day": day.isoformat(),
        "page_size": page_size,
        "pages": len(pages),
        "repeated_pages": repeated,
    }
    return pages + [(FETCH_LOG, orjson.dumps(fetch_log))]


def _utc(ms: int | None) -> dt.datetime | None:
    return None if ms is None else _EPOCH + dt.timedelta(milliseconds=ms)


def _code(value: object) -> str | None:
    return None if value is None else str(value)


def _missing(record: dict, resource: str) -> str | None:
    for key in REQUIRED[resource]:
        if record.get(key) in (None, ""):
            return key
    patient = record["patient"]
    if not isinstance(patient, dict):
        return "patient"
    for key in REQUIRED_PATIENT:
        if not patient.get(key):
            return f"patient.{key}"
    return None


def _common(record: dict, person: dict) -> dict:
    return {
        "department_code": record.get("deptCode"),
        "department_name": record.get("deptName"),
        "doctor_code": record.get("doctorCode"),
        "doctor_name": record.get("doctorName"),
        **person,
        # versionTime is when the HIS user made the change; updateTime when it reached the API.
        "record_version_at": _utc(
            record["versionTime"] if isinstance(record.get("versionTime"), int) else record["updateTime"]
        ),
    }


def appointment_row(record: dict, person: dict) -> dict:
    """Landed appointment columns of one API object."""
    return {
        "appointment_id": str(record["id"]),
        **_common(record, person),
        "channel_code": _code(record.get("channel")),
        "created_at": _utc(record["createTime"]),
        "slot_start_at": _utc(record["scheduleTime"]),
        "status_code": _code(record["status"]),
        "cancelled_at": _utc(record.get("cancelTime")),
    }


def registration_row(record: dict, person: dict) -> dict:
    """Landed registration columns of one API object."""
    fee = record.get("regFee")
    return {
        "registration_id": str(record["id"]),
        **_common(record, person),
        "visit_type_code": _code(record["visitType"]),
        "registered_at": _utc(record["regTime"]),
        "appointment_id": _code(record.get("appointmentId")),
        "fee_yuan": None if fee is None else float(fee),
        "status_code": _code(record["status"]),
    }


BUILDERS = {"appointments": appointment_row, "registrations": registration_row}


class _People:
    """Pseudonymized person columns, computed once per distinct patient object in a partition."""

    def __init__(self) -> None:
        self._cache: dict[tuple, dict] = {}

    def __call__(self, patient: dict) -> dict:
        key = (
            patient.get("idCard"),
            patient.get("name"),
            patient.get("mobile"),
            patient.get("gender"),
            patient.get("birthday"),
        )
        person = self._cache.get(key)
        if person is None:
            birthday = patient.get("birthday")
            person = self._cache[key] = {
                **person_fields(name=key[1], phone=key[2], id_number=key[0]),
                "patient_gender_code": _code(key[3]),
                "patient_birth_date": dt.date.fromisoformat(birthday) if birthday else None,
            }
        return person


def _quarantine_repeats(body: bytes, result: ParseResult) -> None:
    for item in orjson.loads(body).get("repeated_pages", []):
        result.quarantine(
            source_file=FETCH_LOG,
            source_position=item["page"],
            entity=item["resource"],
            reason=f"分页重复已丢弃: 第 {item['page']} 页与第 {item['same_as']} 页内容相同",
        )


def _parse_page(
    name: str, body: bytes, resource: str, window: tuple[int, int], people: _People, result: ParseResult
) -> None:
    try:
        data = orjson.loads(body)["data"]
        if not isinstance(data, list):
            raise TypeError
    except (orjson.JSONDecodeError, KeyError, TypeError):
        result.quarantine(
            source_file=name,
            source_position=0,
            entity=resource,
            reason="JSON 解析失败",
            raw=body[:200].decode("utf-8", "replace"),
        )
        return
    build = BUILDERS[resource]
    for position, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            result.quarantine(
                source_file=name,
                source_position=position,
                entity=resource,
                reason="记录不是 JSON 对象",
                raw=orjson.dumps(record).decode(),
            )
            continue
        updated = record.get("updateTime")
        if isinstance(updated, int) and not window[0] <= updated < window[1]:
            continue  # another day's change: that day's partition lands it
        try:
            missing = _missing(record, resource)
            if missing is not None:
                raise ValueError(f"缺少必填字段: {missing}")
            if not isinstance(updated, int):
                raise TypeError
            row = build(record, people(record["patient"]))
        except (ValueError, TypeError, OverflowError) as exc:
            reason = str(exc) if str(exc).startswith("缺少") else "字段值无法解析"
            result.quarantine(
                source_file=name,
                source_position=position,
                entity=resource,
                reason=reason,
                raw=orjson.dumps(record).decode(),
            )
            continue
        result.add(resource, {"source_file": name, "source_position": position, **row})


def parse_files(files: Iterable[tuple[str, bytes]], *, institution_code: str, day: dt.date) -> ParseResult:
    """Parse the landed pages of one institution-day into appointments and registrations."""
    result = ParseResult()
    window = day_bounds_ms(day)
    people = _People()
    for name, body in sorted(files):
        if name == FETCH_LOG:
            _quarantine_repeats(body, result)
            continue
        match = _PAGE_FILE.match(name)
        if match is None:
            result.quarantine(
                source_file=name, source_position=0, entity="unknown", reason="无法识别的接口页面文件"
            )
            continue
        _parse_page(name, body, match.group(1), window, people, result)
    return result
