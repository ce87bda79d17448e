"""What one source sends on one day: the interface between the simulator core and the format writers.

The core (``pipelines.simulate.plan``) turns the truth into record *versions* and decides on which
day each version is delivered (with duplicates and late corrections already planned). A format
writer (``pipelines.simulate.formats.<format>``) only serializes a :class:`Delivery` the way its
vendor would, and may add malformed records of its own (reported as defect rows).

``RecordVersion.record`` holds canonical values, plaintext identity included (the hospital's own
export does); keys per entity:

appointments
    appointment_id, institution_code, department_code, department_name, doctor_code, doctor_name,
    id_number, name, gender (男/女), birth_date (date), phone, channel (健康静安/窗口/自助机/电话/互联网医院),
    created_at, slot_start_at, status ('booked' | 'cancelled'), cancelled_at (None unless cancelled)
registrations
    registration_id, institution_code, department_code, department_name, doctor_code, doctor_name,
    id_number, name, gender, birth_date, phone, visit_type (普通门诊/专家门诊/急诊), registered_at,
    appointment_id (None for walk-ins), fee_yuan (float), is_cancelled (bool), cancelled_at
wechat_users
    user_id, registered_at, verify_status (none/pending/verified/rejected), verify_method (auto/manual/None),
    verified_at, manual_applied_at, manual_decided_at, phone, and once verified: id_number, name, gender, birth_date
    (None before verification)
wechat_app_opens
    event_id, user_id, opened_at
wechat_module_visits
    event_id, user_id, module (健康档案 … 健康体检), visited_at

All datetimes are naive UTC (local Shanghai time = UTC+8); a writer converts to its vendor's
convention (HL7 local time, FHIR ISO with +08:00, CSV Excel-style local text, REST epoch ms).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RecordVersion:
    """One version of one record as the source system holds it at ``version_at`` (naive UTC)."""

    entity: str
    record: dict
    version_at: dt.datetime
    kind: str = "original"  # original | update | duplicate | correction_wrong | correction


@dataclass
class Delivery:
    """Everything ``source`` delivers for ``institution_code`` (None for WeChat) on local day ``day``."""

    source: str
    institution_code: str | None
    day: dt.date
    versions: list[RecordVersion] = field(default_factory=list)

    def of(self, entity: str) -> list[RecordVersion]:
        return [v for v in self.versions if v.entity == entity]
