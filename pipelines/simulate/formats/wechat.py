"""The 健康静安 WeChat platform's daily feed: users, app opens and module visits as JSON Lines.

Layout: ``<root>/<YYYY-MM-DD>/users.jsonl`` (one line per user change), ``app_opens.jsonl`` and
``module_visits.jsonl``; times are ISO 8601 with +08:00, codes those of the ``wechat`` rows of
``dbt/seeds/code_map.csv``. See docs/sources/wechat.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from pipelines.simulate.delivery import Delivery, RecordVersion

SOURCE = "wechat"
FILES = {
    "wechat_users": "users.jsonl",
    "wechat_app_opens": "app_opens.jsonl",
    "wechat_module_visits": "module_visits.jsonl",
}
_LOCAL = dt.timedelta(hours=8)

# Canonical value -> feed code, exactly the wechat rows of dbt/seeds/code_map.csv.
GENDER = {"男": 1, "女": 2}
VERIFY_STATUS = {"none": "UNVERIFIED", "pending": "PENDING", "verified": "VERIFIED", "rejected": "REJECTED"}
VERIFY_METHOD = {"auto": "AUTO", "manual": "MANUAL"}
MODULE = {
    "健康档案": "ehr",
    "门诊预约": "outpatient_booking",
    "住院服务": "inpatient",
    "云陪诊": "companion",
    "互联网诊疗": "internet_care",
    "药品查询": "drug_query",
    "一键续方": "renew_rx",
    "代配药": "proxy_rx",
    "疫苗接种": "vaccine",
    "健康体检": "checkup",
}
BAD_TIMES = ("2024-02-30T25:61:00+08:00", "1709254800000", "昨天 10:30", "")


def iso_local(value: dt.datetime | None) -> str | None:
    """Naive UTC -> ISO 8601 Shanghai local time with +08:00."""
    return None if value is None else (value + _LOCAL).isoformat() + "+08:00"


def user_line(version: RecordVersion) -> dict:
    """One user change (identity fields only once the platform verified the person)."""
    r = version.record
    return {
        "user_id": r["user_id"],
        "registered_at": iso_local(r["registered_at"]),
        "verify_status": VERIFY_STATUS[r["verify_status"]],
        "verify_method": VERIFY_METHOD.get(r.get("verify_method")),
        "verified_at": iso_local(r.get("verified_at")),
        "manual_applied_at": iso_local(r.get("manual_applied_at")),
        "manual_decided_at": iso_local(r.get("manual_decided_at")),
        "phone": r.get("phone"),
        "name": r.get("name"),
        "id_card": r.get("id_number"),
        "gender": GENDER.get(r.get("gender")),
        "birth_date": r["birth_date"].isoformat() if r.get("birth_date") else None,
        "updated_at": iso_local(version.version_at),
    }


def app_open_line(version: RecordVersion) -> dict:
    """One app open event (``reported_at``: when the client uploaded it)."""
    r = version.record
    return {
        "event_id": r["event_id"],
        "user_id": r["user_id"],
        "opened_at": iso_local(r["opened_at"]),
        "reported_at": iso_local(version.version_at),
    }


def module_visit_line(version: RecordVersion) -> dict:
    """One module visit event with the feed's module code."""
    r = version.record
    return {
        "event_id": r["event_id"],
        "user_id": r["user_id"],
        "module": MODULE[r["module"]],
        "visited_at": iso_local(r["visited_at"]),
        "reported_at": iso_local(version.version_at),
    }


BUILDERS = {
    "wechat_users": (user_line, "user_id", "registered_at"),
    "wechat_app_opens": (app_open_line, "event_id", "opened_at"),
    "wechat_module_visits": (module_visit_line, "event_id", "visited_at"),
}


def _dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _broken(entity: str, obj: dict, rng: np.random.Generator) -> tuple[str, str]:
    """A malformed variant of one line, and what is wrong with it."""
    kinds = ("json", "time") if entity == "wechat_users" else ("json", "time", "user_id")
    kind = kinds[int(rng.integers(0, len(kinds)))]
    time_field = BUILDERS[entity][2]
    if kind == "json":
        line = _dumps(obj)
        return line[: len(line) // 2], "broken JSON line"
    if kind == "user_id":
        return _dumps({k: v for k, v in obj.items() if k != "user_id"}), "event missing user_id"
    bad = BAD_TIMES[int(rng.integers(0, len(BAD_TIMES)))]
    return _dumps({**obj, time_field: bad}), f"bad timestamp in {time_field}: {bad!r}"


def write_delivery(
    delivery: Delivery, *, root: Path, rng: np.random.Generator, defect_rate: float
) -> list[dict]:
    """Write one day's three feed files; return DEFECTS rows for the malformed lines added.

    Every version is written intact; with probability ``defect_rate`` a version also gets a
    malformed copy (broken JSON, bad timestamp, event without user_id) at a random line.
    """
    folder = root / delivery.day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    defects = []
    for entity, (build, id_key, _) in BUILDERS.items():
        versions = delivery.of(entity)
        keyed: list[tuple[float, str, dict | None]] = []  # (order key, line, defect row)
        draws = rng.random(len(versions))
        for index, (version, draw) in enumerate(zip(versions, draws)):
            obj = build(version)
            keyed.append((index, _dumps(obj), None))
            if draw < defect_rate:
                line, detail = _broken(entity, obj, rng)
                # Placed just before a random intact line (or at the end): sorted in below.
                at = int(rng.integers(0, len(versions) + 1)) - 0.5 + len(keyed) * 1e-9
                defect = {
                    "source": SOURCE,
                    "institution_code": None,
                    "partition_date": delivery.day,
                    "kind": "malformed",
                    "entity": entity,
                    "record_id": obj[id_key],
                    "detail": detail,
                }
                keyed.append((at, line, defect))
        keyed.sort(key=lambda item: item[0])
        for line_no, (_, _, defect) in enumerate(keyed, start=1):
            if defect is not None:
                defect["detail"] = f"{FILES[entity]}:{line_no}: {defect['detail']}"
                defects.append(defect)
        (folder / FILES[entity]).write_text("".join(line + "\n" for _, line, _ in keyed), encoding="utf-8")
    return defects
