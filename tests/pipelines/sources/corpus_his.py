"""Factories for HIS deliveries in the simulator's canonical form, shared by the writer and adapter tests."""

from __future__ import annotations

import datetime as dt
import itertools

from pipelines.simulate.delivery import Delivery, RecordVersion

DAY = dt.date(2026, 9, 5)
_counter = itertools.count(1)

_PEOPLE = (
    ("张小三", "男", dt.date(1990, 1, 1), "13812345678"),
    ("欧阳明月", "女", dt.date(1985, 6, 30), "13998765432"),
    ("李四", "男", dt.date(2001, 12, 31), "15000001111"),
    ("王芳", "女", dt.date(1962, 3, 8), "18621213434"),
)
_DEPARTMENTS = (
    ("0301", "妇产科&计划生育"),
    ("0101", "心内科"),
    ("0902", "急诊科|抢救室"),
    ("0505", "中医科^针灸~推拿\\"),
)


def id_number(birth: dt.date, serial: int, gender: str) -> str:
    """A resident ID number with a valid GB 11643 check digit (region 310106, Jing'an)."""
    sequence = serial * 2 + (1 if gender == "男" else 0)
    body = f"310106{birth:%Y%m%d}{sequence % 1000:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
    return body + check


def person(index: int) -> dict:
    """Plaintext identity fields of fake person ``index``."""
    name, gender, birth, phone = _PEOPLE[index % len(_PEOPLE)]
    return {
        "name": name,
        "gender": gender,
        "birth_date": birth,
        "phone": phone,
        "id_number": id_number(birth, 10 + index, gender),
    }


def _care_site(institution_code: str, index: int) -> dict:
    code, name = _DEPARTMENTS[index % len(_DEPARTMENTS)]
    return {
        "institution_code": institution_code,
        "department_code": code,
        "department_name": name,
        "doctor_code": f"D{index % 7:04d}",
        "doctor_name": ("王建国", "司马光", "陈静")[index % 3],
    }


def local(hour: int, minute: int = 0, second: int = 0, day: dt.date = DAY) -> dt.datetime:
    """Naive UTC for a Shanghai local time on ``day``."""
    return dt.datetime.combine(day, dt.time(hour, minute, second)) - dt.timedelta(hours=8)


def appointment(institution_code: str = "JA01", index: int | None = None, **overrides) -> dict:
    """A canonical appointment record (booked unless overridden)."""
    index = next(_counter) if index is None else index
    record = {
        "appointment_id": f"{institution_code}A{index:08d}",
        **_care_site(institution_code, index),
        **person(index),
        "channel": ("健康静安", "窗口", "自助机", "电话", "互联网医院")[index % 5],
        "created_at": local(7, index % 60, 15),
        "slot_start_at": local(9, 30, day=DAY + dt.timedelta(days=2)),
        "status": "booked",
        "cancelled_at": None,
    }
    return {**record, **overrides}


def registration(institution_code: str = "JA01", index: int | None = None, **overrides) -> dict:
    """A canonical registration record (normal, linked to an appointment, unless overridden)."""
    index = next(_counter) if index is None else index
    record = {
        "registration_id": f"{institution_code}R{index:08d}",
        **_care_site(institution_code, index),
        **person(index),
        "visit_type": ("普通门诊", "专家门诊", "急诊")[index % 3],
        "registered_at": local(8, index % 60, 30),
        "appointment_id": f"{institution_code}A{index:08d}" if index % 4 == 0 else None,
        "fee_yuan": (12.0, 25.5, 40.0)[index % 3],
        "is_cancelled": False,
        "cancelled_at": None,
    }
    return {**record, **overrides}


def version(entity: str, record: dict, at: dt.datetime, kind: str = "original") -> RecordVersion:
    """A record version delivered at ``at`` (naive UTC)."""
    return RecordVersion(entity=entity, record=record, version_at=at, kind=kind)


def mixed_versions(institution_code: str, count: int) -> list[RecordVersion]:
    """``count`` versions alternating appointments and registrations, some cancelled."""
    versions = []
    for index in range(count):
        at = local(10, index % 60, index % 60)
        if index % 2:
            cancelled = index % 5 == 0
            record = appointment(
                institution_code, index, status="cancelled" if cancelled else "booked",
                cancelled_at=at if cancelled else None,
            )  # fmt: skip
            versions.append(version("appointments", record, at))
        else:
            cancelled = index % 6 == 0
            record = registration(
                institution_code, index, is_cancelled=cancelled, cancelled_at=at if cancelled else None
            )
            versions.append(version("registrations", record, at))
    return versions


def delivery(
    source: str, versions: list[RecordVersion], institution_code: str = "JA01", day: dt.date = DAY
) -> Delivery:
    """A delivery of ``versions`` by ``source`` for one institution and day."""
    return Delivery(source=source, institution_code=institution_code, day=day, versions=list(versions))
