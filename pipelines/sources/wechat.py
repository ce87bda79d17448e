"""Adapter for the 健康静安 WeChat platform's daily JSON Lines feed (users, app opens, module visits).

One district-wide partition per day. Each line is checked on its own: broken JSON, a missing id
or a time that is not ISO 8601 with an offset is quarantined with its line number and the rest
of the file still lands. Identity columns are pseudonymized here; a user not (yet) verified has
no patient key. Codes stay as sent. See docs/sources/wechat.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

import orjson

from pipelines.sources.identity import person_fields
from pipelines.sources.landing import ParseResult

VERIFIED = "VERIFIED"


class Rejected(Exception):
    """A line that cannot be landed; the message is the Chinese quarantine reason."""


def to_utc(obj: dict, key: str, *, required: bool = False) -> dt.datetime | None:
    """ISO 8601 with offset -> naive UTC; a missing offset is rejected rather than guessed."""
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise Rejected(f"缺少时间字段: {key}" if value is None else f"时间格式错误: {key}")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Rejected(f"时间格式错误: {key}") from None
    if parsed.tzinfo is None:
        raise Rejected(f"时间缺少时区: {key}")
    return parsed.astimezone(dt.UTC).replace(tzinfo=None)


def _require(obj: dict, key: str) -> str:
    value = obj.get(key)
    if value in (None, ""):
        raise Rejected(f"缺少 {key}")
    return str(value)


def _code(value: object) -> str | None:
    return None if value is None else str(value)


def user_row(obj: dict) -> dict:
    """Landed user columns; ID number and name are used only when the platform verified them."""
    verified = obj.get("verify_status") == VERIFIED
    birth = obj.get("birth_date")
    try:
        birth_date = dt.date.fromisoformat(birth) if birth else None
    except (TypeError, ValueError):
        raise Rejected("日期格式错误: birth_date") from None
    return {
        "user_id": _require(obj, "user_id"),
        **person_fields(
            name=obj.get("name") if verified else None,
            phone=obj.get("phone"),
            id_number=obj.get("id_card") if verified else None,
        ),
        "patient_gender_code": _code(obj.get("gender")),
        "patient_birth_date": birth_date,
        "registered_at": to_utc(obj, "registered_at", required=True),
        "verify_status_code": _code(obj.get("verify_status")),
        "verify_method_code": _code(obj.get("verify_method")),
        "verified_at": to_utc(obj, "verified_at"),
        "manual_applied_at": to_utc(obj, "manual_applied_at"),
        "manual_decided_at": to_utc(obj, "manual_decided_at"),
        "record_version_at": to_utc(obj, "updated_at") or to_utc(obj, "registered_at"),
    }


def app_open_row(obj: dict) -> dict:
    """Landed app-open columns."""
    opened_at = to_utc(obj, "opened_at", required=True)
    return {
        "event_id": _require(obj, "event_id"),
        "user_id": _require(obj, "user_id"),
        "opened_at": opened_at,
        "record_version_at": to_utc(obj, "reported_at") or opened_at,
    }


def module_visit_row(obj: dict) -> dict:
    """Landed module-visit columns (module code as sent)."""
    visited_at = to_utc(obj, "visited_at", required=True)
    return {
        "event_id": _require(obj, "event_id"),
        "user_id": _require(obj, "user_id"),
        "module_code": _require(obj, "module"),
        "visited_at": visited_at,
        "record_version_at": to_utc(obj, "reported_at") or visited_at,
    }


FILES: dict[str, tuple[str, Callable[[dict], dict]]] = {
    "users.jsonl": ("users", user_row),
    "app_opens.jsonl": ("app_opens", app_open_row),
    "module_visits.jsonl": ("module_visits", module_visit_row),
}


def parse_files(
    files: Iterable[tuple[str, bytes]], *, institution_code: str | None, day: dt.date
) -> ParseResult:
    """Parse one day's feed files into landed users, app opens and module visits."""
    result = ParseResult()
    for path, body in files:
        name = PurePosixPath(path).name
        if name not in FILES:
            result.quarantine(source_file=name, source_position=0, entity="unknown", reason="无法识别的文件")
            continue
        entity, build = FILES[name]
        for position, line in enumerate(body.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = orjson.loads(line)
                if not isinstance(obj, dict):
                    raise Rejected("记录不是 JSON 对象")
                row = build(obj)
            except orjson.JSONDecodeError:
                reason = "JSON 解析失败"
            except Rejected as exc:
                reason = str(exc)
            else:
                result.add(entity, {"source_file": name, "source_position": position, **row})
                continue
            result.quarantine(
                source_file=name,
                source_position=position,
                entity=entity,
                reason=reason,
                raw=line.decode("utf-8", "replace"),
            )
    return result
