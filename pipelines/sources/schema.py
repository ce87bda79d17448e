"""The landed (normalized, pseudonymized) tables every source adapter writes.

All adapters of one entity land the same columns, so dbt staging can read them alike; values stay
as the source sent them (raw status, channel, gender and visit-type codes) and staging maps them
to canonical values through ``dbt/seeds/code_map.csv``. Timestamps are naive UTC; business dates
are derived in dbt as Asia/Shanghai (UTC+8, no daylight saving). See docs/sources.md.
"""

from __future__ import annotations

import polars as pl

# Columns every landed row carries: where it came from, so any figure can be traced to a byte.
LINEAGE: dict[str, pl.DataType] = {
    "source": pl.Utf8,  # his_a | his_b | his_c | his_d | wechat
    "institution_code": pl.Utf8,  # NULL for the district-wide WeChat feed
    "partition_date": pl.Date,  # the day the source delivered it (the Dagster partition)
    "source_file": pl.Utf8,  # file name (or API page id) inside the partition
    "source_position": pl.Int64,  # message index / line number / record index within the file
    "record_version_at": pl.Datetime("us"),  # when the source last changed the record; latest wins
}

PERSON: dict[str, pl.DataType] = {
    "patient_key": pl.Utf8,  # HMAC-SM3 hex of the ID number
    "patient_name_masked": pl.Utf8,
    "patient_phone_masked": pl.Utf8,
    "patient_id_number_masked": pl.Utf8,
    "patient_gender_code": pl.Utf8,  # raw: M/F, male/female, 男/女, 1/2
    "patient_birth_date": pl.Date,
}

CARE_SITE: dict[str, pl.DataType] = {
    "department_code": pl.Utf8,
    "department_name": pl.Utf8,
    "doctor_code": pl.Utf8,
    "doctor_name": pl.Utf8,  # staff names are public on the hospital's roster; not personal data here
}

APPOINTMENTS: dict[str, pl.DataType] = {
    **LINEAGE,
    "appointment_id": pl.Utf8,
    **CARE_SITE,
    **PERSON,
    "channel_code": pl.Utf8,  # raw channel code of the source
    "created_at": pl.Datetime("us"),
    "slot_start_at": pl.Datetime("us"),
    "status_code": pl.Utf8,  # raw status of the source
    "cancelled_at": pl.Datetime("us"),
}

REGISTRATIONS: dict[str, pl.DataType] = {
    **LINEAGE,
    "registration_id": pl.Utf8,
    **CARE_SITE,
    **PERSON,
    "visit_type_code": pl.Utf8,  # raw visit type (普通门诊 / 专家门诊 / 急诊 in the source's coding)
    "registered_at": pl.Datetime("us"),
    "appointment_id": pl.Utf8,  # the appointment this visit fulfils, NULL for a walk-in
    "fee_yuan": pl.Float64,
    "status_code": pl.Utf8,  # raw: normal or cancelled (退号)
}

WECHAT_USERS: dict[str, pl.DataType] = {
    **LINEAGE,
    "user_id": pl.Utf8,
    **PERSON,
    "registered_at": pl.Datetime("us"),
    "verify_status_code": pl.Utf8,  # raw: none | pending | verified | rejected
    "verify_method_code": pl.Utf8,  # raw: auto | manual | NULL
    "verified_at": pl.Datetime("us"),
    "manual_applied_at": pl.Datetime("us"),
    "manual_decided_at": pl.Datetime("us"),
}

WECHAT_APP_OPENS: dict[str, pl.DataType] = {
    **LINEAGE,
    "event_id": pl.Utf8,
    "user_id": pl.Utf8,
    "opened_at": pl.Datetime("us"),
}

WECHAT_MODULE_VISITS: dict[str, pl.DataType] = {
    **LINEAGE,
    "event_id": pl.Utf8,
    "user_id": pl.Utf8,
    "module_code": pl.Utf8,  # raw module code of the feed
    "visited_at": pl.Datetime("us"),
}

QUARANTINE: dict[str, pl.DataType] = {
    "source": pl.Utf8,
    "institution_code": pl.Utf8,
    "partition_date": pl.Date,
    "source_file": pl.Utf8,
    "source_position": pl.Int64,
    "entity": pl.Utf8,  # appointments | registrations | … | unknown
    "reason": pl.Utf8,  # Chinese, for the data-quality page
    "raw_excerpt": pl.Utf8,  # redacted (operational.security.masking.redact_excerpt)
}

# entity name -> schema, per source kind
HIS_ENTITIES: dict[str, dict[str, pl.DataType]] = {
    "appointments": APPOINTMENTS,
    "registrations": REGISTRATIONS,
}
WECHAT_ENTITIES: dict[str, dict[str, pl.DataType]] = {
    "users": WECHAT_USERS,
    "app_opens": WECHAT_APP_OPENS,
    "module_visits": WECHAT_MODULE_VISITS,
}
HIS_SOURCES = ("his_a", "his_b", "his_c", "his_d")
