"""HIS vendor D: the change feed behind its paginated JSON REST API.

Vendor D is pulled, not pushed: the writer stores what the vendor's database holds as a change
feed, ``<root>/<institution_code>/<YYYY-MM-DD>.jsonl`` (one line per change, every record version
is a change), and :mod:`pipelines.simulate.his_d_server` serves all of an institution's feed files
through the API. A line is ``{"resource": "appointments" | "registrations", "record": {...}}``
where ``record`` is exactly the API object: camelCase, epoch milliseconds, numeric codes and a
nested ``patient``. ``versionTime`` is when the HIS user made the change (the version time);
``updateTime``, the API's cursor, is when the change reached the API: the same instant for a change
made on the delivery day, the day's start for history and re-sent versions delivered later, so
every delivered version is pulled with its delivery day. See docs/sources/his_d.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

from pipelines.simulate.delivery import Delivery, RecordVersion

SOURCE = "his_d"
_EPOCH = dt.datetime(1970, 1, 1)
_LOCAL = dt.timedelta(hours=8)

# Canonical value -> vendor D code, exactly the his_d rows of dbt/seeds/code_map.csv.
GENDER = {"男": 1, "女": 2}
APPOINTMENT_STATUS = {"booked": 1, "cancelled": 2}
CHANNEL = {"健康静安": 1, "窗口": 2, "自助机": 3, "电话": 4, "互联网医院": 5}
VISIT_TYPE = {"普通门诊": 1, "专家门诊": 2, "急诊": 3}
REGISTRATION_STATUS = {False: 0, True: 1}

# Fields a defective copy may lack (the adapter requires each of them).
REQUIRED_DROPPABLE = {
    "appointments": ("id", "patient", "deptCode", "status", "createTime"),
    "registrations": ("id", "patient", "deptCode", "status", "regTime"),
}


def update_time_ms(version_at: dt.datetime, day: dt.date) -> int:
    """When the change entered the API's change log: on the delivery day, at its version time if that
    falls on the day, else at the day's start (history and re-sent versions are re-synced then)."""
    start = dt.datetime.combine(day, dt.time()) - _LOCAL
    clamped = min(max(version_at, start), start + dt.timedelta(days=1) - dt.timedelta(milliseconds=1))
    return epoch_ms(clamped)


def epoch_ms(value: dt.datetime | None) -> int | None:
    """Naive UTC -> epoch milliseconds (the vendor's time convention)."""
    if value is None:
        return None
    return (value - _EPOCH) // dt.timedelta(milliseconds=1)


def _patient(r: dict) -> dict:
    return {
        "name": r["name"],
        "idCard": r["id_number"],
        "mobile": r["phone"],
        "gender": GENDER[r["gender"]],
        "birthday": r["birth_date"].isoformat(),
    }


def appointment_record(version: RecordVersion, day: dt.date) -> dict:
    """The API object of one appointment version delivered on ``day``."""
    r = version.record
    return {
        "id": r["appointment_id"],
        "hospitalCode": r["institution_code"],
        "deptCode": r["department_code"],
        "deptName": r["department_name"],
        "doctorCode": r["doctor_code"],
        "doctorName": r["doctor_name"],
        "patient": _patient(r),
        "channel": CHANNEL[r["channel"]],
        "status": APPOINTMENT_STATUS[r["status"]],
        "createTime": epoch_ms(r["created_at"]),
        "scheduleTime": epoch_ms(r["slot_start_at"]),
        "cancelTime": epoch_ms(r.get("cancelled_at")),
        "versionTime": epoch_ms(version.version_at),
        "updateTime": update_time_ms(version.version_at, day),
    }


def registration_record(version: RecordVersion, day: dt.date) -> dict:
    """The API object of one registration version delivered on ``day``."""
    r = version.record
    return {
        "id": r["registration_id"],
        "hospitalCode": r["institution_code"],
        "deptCode": r["department_code"],
        "deptName": r["department_name"],
        "doctorCode": r["doctor_code"],
        "doctorName": r["doctor_name"],
        "patient": _patient(r),
        "visitType": VISIT_TYPE[r["visit_type"]],
        "regTime": epoch_ms(r["registered_at"]),
        "appointmentId": r.get("appointment_id"),
        "regFee": r["fee_yuan"],
        "status": REGISTRATION_STATUS[bool(r["is_cancelled"])],
        "cancelTime": epoch_ms(r.get("cancelled_at")),
        "versionTime": epoch_ms(version.version_at),
        "updateTime": update_time_ms(version.version_at, day),
    }


BUILDERS = {"appointments": appointment_record, "registrations": registration_record}
ID_KEYS = {"appointments": "appointment_id", "registrations": "registration_id"}


def write_delivery(
    delivery: Delivery, *, root: Path, rng: np.random.Generator, defect_rate: float
) -> list[dict]:
    """Write one day's changes to the institution's feed; return DEFECTS rows of injected copies.

    Every version is written intact; with probability ``defect_rate`` a version is followed by a
    copy lacking one required field (the vendor's data-entry gaps).
    """
    lines: list[str] = []
    defects: list[dict] = []
    for entity, build in BUILDERS.items():
        versions = delivery.of(entity)
        draws = rng.random(len(versions))
        for version, draw in zip(versions, draws):
            record = build(version, delivery.day)
            lines.append(json.dumps({"resource": entity, "record": record}, ensure_ascii=False))
            if draw >= defect_rate:
                continue
            droppable = REQUIRED_DROPPABLE[entity]
            missing = droppable[int(rng.integers(0, len(droppable)))]
            broken = {k: v for k, v in record.items() if k != missing}
            lines.append(json.dumps({"resource": entity, "record": broken}, ensure_ascii=False))
            defects.append(
                {
                    "source": SOURCE,
                    "institution_code": delivery.institution_code,
                    "partition_date": delivery.day,
                    "kind": "malformed",
                    "entity": entity,
                    "record_id": version.record[ID_KEYS[entity]],
                    "detail": f"missing required field {missing} (updateTime {record['updateTime']})",
                }
            )
    folder = root / delivery.institution_code
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{delivery.day.isoformat()}.jsonl").write_text(
        "".join(f"{x}\n" for x in lines), encoding="utf-8"
    )
    return defects
