"""A tiny landed lake built with the real landing writer, for dbt tests.

Rows are written with each vendor's raw codes (the ones dbt/seeds/code_map.csv maps) and with
identity pseudonymized through :func:`pipelines.sources.identity.person_fields`, exactly as an
adapter lands them. Times are given in Shanghai local time and stored as naive UTC.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from pipelines.sources.identity import person_fields
from pipelines.sources.landing import ParseResult, write_result
from pipelines.sources.schema import HIS_ENTITIES, HIS_SOURCES, WECHAT_ENTITIES

SHANGHAI_OFFSET = dt.timedelta(hours=8)

# Raw codes per vendor (a subset of dbt/seeds/code_map.csv) for the canonical values the tests use.
RAW_CODES: dict[str, dict[str, dict[str, str]]] = {
    "his_a": {
        "gender": {"男": "M", "女": "F"},
        "channel": {"健康静安": "WX", "窗口": "WIN"},
        "appointment_status": {"booked": "Booked", "cancelled": "Cancelled"},
        "visit_type": {"普通门诊": "01", "急诊": "03"},
        "registration_status": {"normal": "A04", "cancelled": "A11"},
    },
    "his_b": {
        "gender": {"男": "male", "女": "female"},
        "channel": {"健康静安": "wechat", "窗口": "counter"},
        "appointment_status": {"booked": "booked", "cancelled": "cancelled"},
        "visit_type": {"普通门诊": "general", "急诊": "emergency"},
        "registration_status": {"normal": "arrived", "cancelled": "cancelled"},
    },
    "his_c": {
        "gender": {"男": "男", "女": "女"},
        "channel": {"健康静安": "健康静安", "窗口": "窗口"},
        "appointment_status": {"booked": "已预约", "cancelled": "已取消"},
        "visit_type": {"普通门诊": "普通 ", "急诊": "急诊"},  # trailing blank, as vendor C sends it
        "registration_status": {"normal": "正常", "cancelled": "退号"},
    },
    "his_d": {
        "gender": {"男": "1", "女": "2"},
        "channel": {"健康静安": "1", "窗口": "2"},
        "appointment_status": {"booked": "1", "cancelled": "2"},
        "visit_type": {"普通门诊": "1", "急诊": "3"},
        "registration_status": {"normal": "0", "cancelled": "1"},
    },
    "wechat": {
        "gender": {"男": "1", "女": "2"},
        "verify_status": {
            "none": "UNVERIFIED",
            "pending": "PENDING",
            "verified": "VERIFIED",
            "rejected": "REJECTED",
        },
        "verify_method": {"auto": "AUTO", "manual": "MANUAL"},
        "module": {"健康档案": "ehr", "疫苗接种": "vaccine", "云陪诊": "companion"},
    },
}


def utc(local: dt.datetime | None) -> dt.datetime | None:
    """Shanghai local time as the naive UTC the lake stores."""
    return None if local is None else local - SHANGHAI_OFFSET


def person(n: int, *, gender: str = "男", birth_date: dt.date = dt.date(1980, 5, 6)) -> dict:
    """The identity columns of test person ``n`` (plaintext never leaves this function)."""
    id_number = f"31010619800506{n:04d}"
    return {
        **person_fields(name=f"测试{n}号", phone=f"1380000{n:04d}", id_number=id_number),
        "patient_gender_code": gender,  # canonical here, turned into the vendor's code on add
        "patient_birth_date": birth_date,
    }


@dataclass
class LakeBuilder:
    """Collects rows per (source, institution, delivery day), then lands them all."""

    partitions: dict[tuple[str, str | None, dt.date], ParseResult] = field(default_factory=dict)
    _positions: itertools.count = field(default_factory=itertools.count)

    def _result(self, source: str, institution_code: str | None, day: dt.date) -> ParseResult:
        return self.partitions.setdefault((source, institution_code, day), ParseResult())

    def _code(self, source: str, field_name: str, canonical: str | None) -> str | None:
        return None if canonical is None else RAW_CODES[source][field_name][canonical]

    def _lineage(self, version_at: dt.datetime) -> dict:
        return {
            "source_file": "batch-1",
            "source_position": next(self._positions),
            "record_version_at": utc(version_at),
        }

    def appointment(
        self,
        source: str,
        institution_code: str,
        day: dt.date,
        appointment_id: str,
        *,
        created: dt.datetime,
        slot: dt.datetime,
        channel: str = "健康静安",
        status: str = "booked",
        cancelled: dt.datetime | None = None,
        version_at: dt.datetime | None = None,
        patient: int = 1,
    ) -> None:
        """Deliver one appointment version on ``day`` (times are Shanghai local)."""
        who = person(patient)
        self._result(source, institution_code, day).add(
            "appointments",
            {
                **self._lineage(version_at or created),
                **who,
                "patient_gender_code": self._code(source, "gender", who["patient_gender_code"]),
                "appointment_id": appointment_id,
                "department_code": "D01",
                "department_name": "内科",
                "doctor_code": "DR01",
                "doctor_name": "王医生",
                "channel_code": self._code(source, "channel", channel),
                "created_at": utc(created),
                "slot_start_at": utc(slot),
                "status_code": self._code(source, "appointment_status", status),
                "cancelled_at": utc(cancelled),
            },
        )

    def registration(
        self,
        source: str,
        institution_code: str,
        day: dt.date,
        registration_id: str,
        *,
        registered: dt.datetime,
        appointment_id: str | None = None,
        visit_type: str = "普通门诊",
        status: str = "normal",
        version_at: dt.datetime | None = None,
        patient: int = 1,
    ) -> None:
        """Deliver one registration version on ``day`` (times are Shanghai local)."""
        who = person(patient)
        self._result(source, institution_code, day).add(
            "registrations",
            {
                **self._lineage(version_at or registered),
                **who,
                "patient_gender_code": self._code(source, "gender", who["patient_gender_code"]),
                "registration_id": registration_id,
                "department_code": "D01",
                "department_name": "内科",
                "doctor_code": "DR01",
                "doctor_name": "王医生",
                "visit_type_code": self._code(source, "visit_type", visit_type),
                "registered_at": utc(registered),
                "appointment_id": appointment_id,
                "fee_yuan": 25.0,
                "status_code": self._code(source, "registration_status", status),
            },
        )

    def wechat_user(
        self,
        day: dt.date,
        user_id: str,
        *,
        registered: dt.datetime,
        status: str = "none",
        method: str | None = None,
        verified: dt.datetime | None = None,
        applied: dt.datetime | None = None,
        decided: dt.datetime | None = None,
        gender: str | None = None,
        birth_date: dt.date | None = None,
        version_at: dt.datetime | None = None,
        patient: int = 1,
    ) -> None:
        """Deliver one WeChat user version; identity is known only once verified."""
        identity = person(patient) if status == "verified" else {}
        self._result("wechat", None, day).add(
            "users",
            {
                **self._lineage(version_at or registered),
                **identity,
                "patient_gender_code": self._code("wechat", "gender", gender),
                "patient_birth_date": birth_date,
                "user_id": user_id,
                "registered_at": utc(registered),
                "verify_status_code": self._code("wechat", "verify_status", status),
                "verify_method_code": self._code("wechat", "verify_method", method),
                "verified_at": utc(verified),
                "manual_applied_at": utc(applied),
                "manual_decided_at": utc(decided),
            },
        )

    def app_open(self, day: dt.date, event_id: str, user_id: str, opened: dt.datetime) -> None:
        self._result("wechat", None, day).add(
            "app_opens",
            {
                **self._lineage(opened),
                "event_id": event_id,
                "user_id": user_id,
                "opened_at": utc(opened),
            },
        )

    def module_visit(
        self, day: dt.date, event_id: str, user_id: str, module: str, visited: dt.datetime
    ) -> None:
        self._result("wechat", None, day).add(
            "module_visits",
            {
                **self._lineage(visited),
                "event_id": event_id,
                "user_id": user_id,
                "module_code": self._code("wechat", "module", module),
                "visited_at": utc(visited),
            },
        )

    def quarantine(
        self, source: str, institution_code: str | None, day: dt.date, reason: str, raw: str
    ) -> None:
        self._result(source, institution_code, day).quarantine(
            source_file="batch-1",
            source_position=next(self._positions),
            entity="appointments",
            reason=reason,
            raw=raw,
        )

    def deliver_empty(self, source: str, institution_code: str | None, day: dt.date) -> None:
        """A delivery with no records (still lands empty files, as adapters do)."""
        self._result(source, institution_code, day)

    def land(self) -> None:
        """Write every partition with the real landing writer (under HEALTHOPS_LAKE)."""
        for (source, institution_code, day), result in self.partitions.items():
            schemas = WECHAT_ENTITIES if source == "wechat" else HIS_ENTITIES
            assert source == "wechat" or source in HIS_SOURCES
            write_result(result, source=source, institution_code=institution_code, day=day, schemas=schemas)
