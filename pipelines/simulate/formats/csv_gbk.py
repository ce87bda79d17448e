"""Vendor C's export: daily GBK CSV extracts with Chinese headers (docs/sources/his_c.md).

Two files a day per institution, ``预约记录_YYYYMMDD.csv`` and ``挂号流水_YYYYMMDD.csv``, one row
per record version in the order the plan gives (duplicates and re-sent corrections included).
Like an Excel-touched extract: local times as ``2026/9/5 8:03:00`` or, on some rows, Excel serial
numbers; fixed-width text columns padded with trailing blanks; CRLF line ends.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pipelines.simulate.delivery import Delivery, RecordVersion
from pipelines.simulate.formats.csv_gbk_cells import encode_line, excel_date, excel_time
from pipelines.simulate.formats.csv_gbk_defects import DEFECT_KINDS, break_row

SERIAL_DATE_RATE = 0.05  # rows someone re-saved from Excel, dates turned into serial numbers
PADDING_RATE = 0.15  # text cells padded by the HIS's CHAR(n) columns

APPOINTMENT_COLUMNS = (
    "预约编号", "科室代码", "科室名称", "医生工号", "医生姓名", "患者姓名", "身份证号", "手机号码", "性别",
    "出生日期", "预约渠道", "预约时间", "就诊时间", "预约状态", "取消时间", "更新时间",
)  # fmt: skip
REGISTRATION_COLUMNS = (
    "挂号流水号", "科室代码", "科室名称", "医生工号", "医生姓名", "患者姓名", "身份证号", "手机号码", "性别",
    "出生日期", "挂号时间", "就诊类型", "预约编号", "挂号费", "状态", "退号时间", "更新时间",
)  # fmt: skip
FILE_PREFIX = {"appointments": "预约记录", "registrations": "挂号流水"}
_VISIT_TYPE = {"普通门诊": "普通", "专家门诊": "专家", "急诊": "急诊"}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _person_cells(record: dict, serial: bool) -> list[str]:
    return [
        _text(record.get("name")),
        _text(record.get("id_number")),
        _text(record.get("phone")),
        _text(record.get("gender")),
        excel_date(record.get("birth_date"), serial),
    ]


def _care_site_cells(record: dict) -> list[str]:
    return [
        record["department_code"],
        record["department_name"],
        record["doctor_code"],
        record["doctor_name"],
    ]


def appointment_cells(version: RecordVersion, serial: bool) -> list[str]:
    """The 16 cells of one 预约记录 row."""
    r = version.record
    status = "已取消" if r["status"] == "cancelled" else "已预约"
    return [
        r["appointment_id"], *_care_site_cells(r), *_person_cells(r, serial), r["channel"],
        excel_time(r["created_at"], serial), excel_time(r["slot_start_at"], serial), status,
        excel_time(r.get("cancelled_at"), serial), excel_time(version.version_at, serial),
    ]  # fmt: skip


def registration_cells(version: RecordVersion, serial: bool) -> list[str]:
    """The 17 cells of one 挂号流水 row."""
    r = version.record
    return [
        r["registration_id"], *_care_site_cells(r), *_person_cells(r, serial),
        excel_time(r["registered_at"], serial), _VISIT_TYPE[r["visit_type"]], _text(r.get("appointment_id")),
        f"{r['fee_yuan']:.2f}", "退号" if r["is_cancelled"] else "正常",
        excel_time(r.get("cancelled_at"), serial), excel_time(version.version_at, serial),
    ]  # fmt: skip


_CELLS = {
    "appointments": (APPOINTMENT_COLUMNS, appointment_cells),
    "registrations": (REGISTRATION_COLUMNS, registration_cells),
}
_TEXT_COLUMNS = {"预约编号", "挂号流水号", "科室名称", "医生工号", "医生姓名", "患者姓名", "预约渠道"}


def _pad(cells: list[str], columns: tuple[str, ...], rng: np.random.Generator) -> list[str]:
    draws = rng.random(len(cells))
    widths = rng.integers(1, 5, size=len(cells))
    return [
        cell + " " * int(widths[i])
        if columns[i] in _TEXT_COLUMNS and cell and draws[i] < PADDING_RATE
        else cell
        for i, cell in enumerate(cells)
    ]


def _record_id(version: RecordVersion) -> str:
    return str(version.record["appointment_id" if version.entity == "appointments" else "registration_id"])


def write_delivery(
    delivery: Delivery, *, root: Path, rng: np.random.Generator, defect_rate: float
) -> list[dict]:
    """Write the day's two GBK extracts under ``root/<institution>/<YYYY-MM-DD>/``; return defect rows.

    Every version is written intact; with probability ``defect_rate`` a version is followed by a
    broken copy (bytes that are not GBK, a wrong number of columns, or an unparseable date).
    """
    directory = root / (delivery.institution_code or "") / delivery.day.isoformat()
    directory.mkdir(parents=True, exist_ok=True)
    defects: list[dict] = []
    for entity, (columns, cells_of) in _CELLS.items():
        file_name = f"{FILE_PREFIX[entity]}_{delivery.day:%Y%m%d}.csv"
        lines = [encode_line(list(columns))]
        for version in delivery.of(entity):
            cells = _pad(cells_of(version, bool(rng.random() < SERIAL_DATE_RATE)), columns, rng)
            lines.append(encode_line(cells))
            if rng.random() < defect_rate:
                kind = DEFECT_KINDS[int(rng.integers(0, len(DEFECT_KINDS)))]
                data, defect_kind, detail = break_row(cells, columns, kind, rng)
                lines.append(data)
                defects.append(
                    {
                        "source": delivery.source,
                        "institution_code": delivery.institution_code,
                        "partition_date": delivery.day,
                        "kind": defect_kind,
                        "entity": entity,
                        "record_id": _record_id(version),
                        "detail": f"{file_name}#{len(lines)}: {detail}",  # physical line, header = 1
                    }
                )
        (directory / file_name).write_bytes(b"".join(lines))
    return defects
