"""The simulator's canonical records (the truth), as written to ``var/sim/truth/<table>.parquet``.

Pipelines never read these; tests compare the warehouse against them. Timestamps are naive UTC
(Shanghai local = UTC+8). Values are canonical (Chinese labels), not any vendor's coding.
See docs/simulation.md for the meaning of every column.
"""

from __future__ import annotations

import polars as pl

INSTITUTIONS = {
    "institution_code": pl.Utf8,
    "institution_name": pl.Utf8,
    "short_name": pl.Utf8,
    "institution_type": pl.Utf8,  # 二级医院 / 专科 / 站所 / 社区卫生服务中心
    "has_inpatient": pl.Boolean,
    "his_vendor": pl.Utf8,  # A B C D
}
DEPARTMENTS = {"institution_code": pl.Utf8, "department_code": pl.Utf8, "department_name": pl.Utf8}
DOCTORS = {
    "institution_code": pl.Utf8,
    "doctor_code": pl.Utf8,
    "department_code": pl.Utf8,
    "doctor_name": pl.Utf8,
    "title": pl.Utf8,  # 主任医师 / 副主任医师 / 主治医师 / 住院医师
}
PATIENTS = {
    "patient_id": pl.Utf8,  # simulator-internal
    "id_number": pl.Utf8,  # 18-digit resident ID with a valid GB 11643 check digit
    "name": pl.Utf8,
    "gender": pl.Utf8,  # 男 / 女
    "birth_date": pl.Date,
    "phone": pl.Utf8,  # valid mainland mobile number
}
APPOINTMENTS = {
    "appointment_id": pl.Utf8,  # unique within the district (institution code prefix)
    "institution_code": pl.Utf8,
    "department_code": pl.Utf8,
    "doctor_code": pl.Utf8,
    "patient_id": pl.Utf8,
    "channel": pl.Utf8,  # 健康静安 / 窗口 / 自助机 / 电话 / 互联网医院
    "created_at": pl.Datetime("us"),
    "slot_start_at": pl.Datetime("us"),
    "status": pl.Utf8,  # booked (slot not yet reached) / cancelled / fulfilled / no_show
    "cancelled_at": pl.Datetime("us"),
    "registration_id": pl.Utf8,  # the registration that fulfilled it
}
REGISTRATIONS = {
    "registration_id": pl.Utf8,
    "institution_code": pl.Utf8,
    "department_code": pl.Utf8,
    "doctor_code": pl.Utf8,
    "patient_id": pl.Utf8,
    "visit_type": pl.Utf8,  # 普通门诊 / 专家门诊 / 急诊
    "registered_at": pl.Datetime("us"),
    "appointment_id": pl.Utf8,  # NULL for a walk-in
    "fee_yuan": pl.Float64,
    "is_cancelled": pl.Boolean,  # 退号
    "cancelled_at": pl.Datetime("us"),
}
WECHAT_USERS = {
    "user_id": pl.Utf8,
    "patient_id": pl.Utf8,  # the person behind the account (ID number known once verified)
    "registered_at": pl.Datetime("us"),
    "verify_status": pl.Utf8,  # none / pending / verified / rejected
    "verify_method": pl.Utf8,  # auto / manual / NULL
    "verified_at": pl.Datetime("us"),
    "manual_applied_at": pl.Datetime("us"),
    "manual_decided_at": pl.Datetime("us"),
}
WECHAT_APP_OPENS = {"event_id": pl.Utf8, "user_id": pl.Utf8, "opened_at": pl.Datetime("us")}
WECHAT_MODULE_VISITS = {
    "event_id": pl.Utf8,
    "user_id": pl.Utf8,
    "module": pl.Utf8,  # 健康档案 门诊预约 住院服务 云陪诊 互联网诊疗 药品查询 一键续方 代配药 疫苗接种 健康体检
    "visited_at": pl.Datetime("us"),
}
DEFECTS = {
    "source": pl.Utf8,  # his_a / his_b / his_c / his_d / wechat
    "institution_code": pl.Utf8,
    "partition_date": pl.Date,  # the delivery the defect was injected into
    "kind": pl.Utf8,  # malformed / duplicate / late_correction / bad_encoding / repeated_page
    "entity": pl.Utf8,
    "record_id": pl.Utf8,
    "detail": pl.Utf8,
}

TABLES: dict[str, dict[str, pl.DataType]] = {
    "institutions": INSTITUTIONS,
    "departments": DEPARTMENTS,
    "doctors": DOCTORS,
    "patients": PATIENTS,
    "appointments": APPOINTMENTS,
    "registrations": REGISTRATIONS,
    "wechat_users": WECHAT_USERS,
    "wechat_app_opens": WECHAT_APP_OPENS,
    "wechat_module_visits": WECHAT_MODULE_VISITS,
    "defects": DEFECTS,
}
CHANNELS = ("健康静安", "窗口", "自助机", "电话", "互联网医院")
VISIT_TYPES = ("普通门诊", "专家门诊", "急诊")
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
