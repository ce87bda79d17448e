"""Factories for 健康静安 WeChat deliveries in the simulator's canonical form (writer and adapter tests)."""

from __future__ import annotations

import datetime as dt

from corpus_his import DAY, local, person

from pipelines.simulate.delivery import Delivery, RecordVersion

MODULES = (
    "健康档案",
    "门诊预约",
    "住院服务",
    "云陪诊",
    "互联网诊疗",
    "药品查询",
    "一键续方",
    "代配药",
    "疫苗接种",
    "健康体检",
)


def user(index: int, status: str = "verified", **overrides) -> dict:
    """A canonical WeChat user; identity fields only when verified."""
    who = person(index)
    verified = status == "verified"
    method = {"verified": ("auto", "manual")[index % 2], "rejected": "manual", "pending": "manual"}.get(
        status
    )
    record = {
        "user_id": f"wx{index:07d}",
        "registered_at": local(6, index % 60, 5),
        "verify_status": status,
        "verify_method": method,
        "verified_at": local(6, index % 60, 40) if verified else None,
        "manual_applied_at": local(6, index % 60, 20) if method == "manual" else None,
        "manual_decided_at": local(6, index % 60, 40) if method == "manual" and status != "pending" else None,
        "phone": who["phone"],
        "id_number": who["id_number"] if verified else None,
        "name": who["name"] if verified else None,
        "gender": who["gender"] if verified else None,
        "birth_date": who["birth_date"] if verified else None,
    }
    return {**record, **overrides}


def app_open(index: int, user_index: int) -> dict:
    """A canonical app-open event."""
    return {
        "event_id": f"ao{index:08d}",
        "user_id": f"wx{user_index:07d}",
        "opened_at": local(12, index % 60, 1),
    }


def module_visit(index: int, user_index: int) -> dict:
    """A canonical module-visit event."""
    return {
        "event_id": f"mv{index:08d}",
        "user_id": f"wx{user_index:07d}",
        "module": MODULES[index % len(MODULES)],
        "visited_at": local(12, index % 60, 2),
    }


def mixed_versions(count: int, day: dt.date = DAY) -> list[RecordVersion]:
    """``count`` users (every status) with two app opens and one module visit each."""
    shift = dt.timedelta(days=(day - DAY).days)
    versions = []
    for index in range(count):
        status = ("verified", "none", "pending", "rejected", "verified")[index % 5]
        versions.append(RecordVersion("wechat_users", user(index, status), local(6, index % 60, 50) + shift))
        for k in range(2):
            event = app_open(index * 2 + k, index)
            versions.append(
                RecordVersion("wechat_app_opens", event, event["opened_at"] + dt.timedelta(seconds=5))
            )
        visit = module_visit(index, index)
        versions.append(
            RecordVersion("wechat_module_visits", visit, visit["visited_at"] + dt.timedelta(seconds=9))
        )
    return versions


def delivery(versions: list[RecordVersion], day: dt.date = DAY) -> Delivery:
    """The district-wide WeChat delivery of ``versions`` on ``day``."""
    return Delivery(source="wechat", institution_code=None, day=day, versions=list(versions))
