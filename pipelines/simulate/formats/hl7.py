"""Vendor A's export: HL7 v2.5 ER7 batch files (docs/sources/his_a.md).

Every record version becomes one message (ADT^A04 registration, ADT^A11 退号, SIU^S12 booking,
SIU^S15 cancellation) stamped with the version time in MSH-7; the messages of a day are shuffled
(the interface engine does not keep order) and wrapped in FHS/BHS … BTS/FTS batch files.
Broken copies are added at ``defect_rate`` by :mod:`pipelines.simulate.formats.hl7_defects`.
"""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path

import numpy as np

from pipelines.simulate.delivery import Delivery, RecordVersion
from pipelines.simulate.formats.hl7_defects import DEFECT_KINDS, break_message

MESSAGES_PER_FILE = 1000  # the vendor's interface engine rolls a new batch file every 1000 messages
LOCAL_OFFSET = dt.timedelta(hours=8)  # Asia/Shanghai, no daylight saving
ENCODING_CHARACTERS = "^~\\&"
SENDING_APPLICATION = "HIS_A"
RECEIVER = "HEALTHOPS|JAWJW"  # MSH-5 receiving application | MSH-6 receiving facility (区卫健委)

# HL7 v2.5 §2.7: the escape character first, so the escapes added afterwards are not re-escaped.
_ESCAPES = str.maketrans(
    {"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\", "\r": "\\.br\\"}
)
_GENDER = {"男": "M", "女": "F"}
_CHANNEL = {"健康静安": "WX", "窗口": "WIN", "自助机": "KIOSK", "电话": "TEL", "互联网医院": "IH"}
_VISIT_TYPE = {"普通门诊": "01", "专家门诊": "02", "急诊": "03"}


def esc(value: object) -> str:
    """A data value as ER7 text: None becomes empty, delimiters become escape sequences."""
    if value is None:
        return ""
    return str(value).translate(_ESCAPES)


def hl7_time(value: dt.datetime | None) -> str:
    """Naive UTC -> HL7 DTM in local Shanghai time (YYYYMMDDHHMMSS), empty for None."""
    return (value + LOCAL_OFFSET).strftime("%Y%m%d%H%M%S") if value else ""


def segment(name: str, fields: dict[int, str]) -> str:
    """One segment from ``{field number: ER7 text}``; absent fields stay empty."""
    values = [""] * (max(fields) + 1)
    values[0] = name
    for number, text in fields.items():
        values[number] = text
    return "|".join(values)


def _msh(institution_code: str, version_at: dt.datetime, message_type: str, control_id: str) -> str:
    # MSH-1 is the field separator itself, so MSH-n sits at list index n-1 of the joined values.
    return "|".join(
        ["MSH", ENCODING_CHARACTERS, SENDING_APPLICATION, esc(institution_code), RECEIVER, hl7_time(version_at), "",
         message_type, control_id, "P", "2.5", "", "", "", "", "CHN", "UNICODE UTF-8"]
    )  # fmt: skip


def _mrn(institution_code: str, id_number: str | None) -> str:
    # The hospital's own medical record number; stable per person and institution.
    return f"{zlib.crc32(f'{institution_code}{id_number}'.encode()):010d}"


def _pid(record: dict) -> str:
    name = record.get("name") or ""
    identifiers = (
        f"{_mrn(record['institution_code'], record.get('id_number'))}^^^{esc(record['institution_code'])}^MR"
    )
    if record.get("id_number"):
        identifiers += f"~{esc(record['id_number'])}^^^CHN^NNCHN"
    birth = record.get("birth_date")
    return segment(
        "PID",
        {
            1: "1",
            3: identifiers,
            5: f"{esc(name[:1])}^{esc(name[1:])}",  # XPN family ^ given
            7: birth.strftime("%Y%m%d") if birth else "",
            8: _GENDER.get(record.get("gender") or "", ""),
            13: f"{esc(record.get('phone'))}^PRN^CP" if record.get("phone") else "",
        },
    )


def _location(record: dict) -> str:
    # PL: point of care (department code) ^^^ facility ^^^^^ location description (department name)
    return f"{esc(record['department_code'])}^^^{esc(record['institution_code'])}^^^^^{esc(record['department_name'])}"


def _doctor(record: dict) -> str:
    return f"{esc(record['doctor_code'])}^{esc(record['doctor_name'])}"


def registration_segments(version: RecordVersion, control_id: str) -> list[str]:
    """ADT^A04 (registration) or ADT^A11 (cancel admit/visit, i.e. 退号) for one registration version."""
    record = version.record
    trigger = "A11" if record["is_cancelled"] else "A04"
    structure = "ADT_A09" if trigger == "A11" else "ADT_A01"
    occurred = record.get("cancelled_at") if record["is_cancelled"] else record["registered_at"]
    return [
        _msh(record["institution_code"], version.version_at, f"ADT^{trigger}^{structure}", control_id),
        segment("EVN", {1: trigger, 2: hl7_time(version.version_at), 6: hl7_time(occurred)}),
        _pid(record),
        segment(
            "PV1",
            {
                1: "1",
                2: "E" if record["visit_type"] == "急诊" else "O",
                3: _location(record),
                7: _doctor(record),
                19: esc(record["registration_id"]),
                44: hl7_time(record["registered_at"]),
            },
        ),
        segment(
            "ZRG",
            {
                1: _VISIT_TYPE[record["visit_type"]],
                2: f"{record['fee_yuan']:.2f}",
                3: esc(record.get("appointment_id")),
            },
        ),
    ]


def appointment_segments(version: RecordVersion, control_id: str) -> list[str]:
    """SIU^S12 (booked) or SIU^S15 (cancelled) for one appointment version."""
    record = version.record
    cancelled = record["status"] == "cancelled"
    trigger = "S15" if cancelled else "S12"
    return [
        _msh(record["institution_code"], version.version_at, f"SIU^{trigger}^SIU_S12", control_id),
        segment(
            "SCH",
            {
                1: f"{esc(record['appointment_id'])}^{esc(record['institution_code'])}",
                11: f"^^^{hl7_time(record['slot_start_at'])}",  # TQ-4 start date/time
                25: "Cancelled" if cancelled else "Booked",
            },
        ),
        _pid(record),
        segment("RGS", {1: "1"}),
        segment("AIL", {1: "1", 3: _location(record)}),
        segment("AIP", {1: "1", 3: _doctor(record)}),
        segment(
            "ZAP",
            {
                1: _CHANNEL[record["channel"]],
                2: hl7_time(record["created_at"]),
                3: hl7_time(record.get("cancelled_at")),
            },
        ),
    ]


_BUILDERS = {"registrations": registration_segments, "appointments": appointment_segments}


def _record_id(version: RecordVersion) -> str:
    key = "registration_id" if version.entity == "registrations" else "appointment_id"
    return str(version.record[key])


def batch_file(institution_code: str, file_name: str, stamp: str, messages: list[bytes]) -> bytes:
    """Messages wrapped in the FHS/BHS … BTS/FTS envelope, segments separated by carriage returns."""
    header = f"MSH|{ENCODING_CHARACTERS}|{SENDING_APPLICATION}|{esc(institution_code)}|{RECEIVER}|{stamp}"
    lines = [("FHS" + header[3:] + f"||{file_name}").encode(), ("BHS" + header[3:]).encode()]
    lines += messages
    lines += [f"BTS|{len(messages)}".encode(), b"FTS|1", b""]
    return b"\r".join(lines)


def write_delivery(
    delivery: Delivery, *, root: Path, rng: np.random.Generator, defect_rate: float
) -> list[dict]:
    """Write one day's HL7 batch files under ``root/<institution>/<YYYY-MM-DD>/``; return defect rows.

    Every version is written intact; with probability ``defect_rate`` a version also gets a broken
    copy (truncated MSH, missing PID, unparseable time, unknown message type or invalid UTF-8).
    """
    institution = delivery.institution_code or ""
    prefix = f"{institution}{delivery.day:%Y%m%d}"
    versions = [v for v in delivery.versions if v.entity in _BUILDERS]
    broken = rng.random(len(versions)) < defect_rate
    kinds = rng.integers(0, len(DEFECT_KINDS), size=len(versions))
    messages: list[tuple[bytes, dict | None]] = []
    for index, version in enumerate(versions):
        segments = _BUILDERS[version.entity](version, f"{prefix}{len(messages) + 1:06d}")
        messages.append(("\r".join(segments).encode(), None))
        if broken[index]:
            segments = _BUILDERS[version.entity](version, f"{prefix}{len(messages) + 1:06d}")
            data, kind, detail = break_message(segments, version.record, DEFECT_KINDS[kinds[index]], rng)
            defect = {
                "kind": kind,
                "entity": version.entity,
                "record_id": _record_id(version),
                "detail": detail,
            }
            messages.append((data, defect))
    order = rng.permutation(len(messages))
    messages = [messages[i] for i in order]
    # The batch header carries the export time: the latest version in it, or the end of an empty day.
    stamp = hl7_time(max((v.version_at for v in versions), default=None)) or f"{delivery.day:%Y%m%d}235959"
    directory = root / institution / delivery.day.isoformat()
    directory.mkdir(parents=True, exist_ok=True)
    defects: list[dict] = []
    for number, start in enumerate(range(0, max(len(messages), 1), MESSAGES_PER_FILE), start=1):
        chunk = messages[start : start + MESSAGES_PER_FILE]
        file_name = f"batch_{number}.hl7"
        (directory / file_name).write_bytes(batch_file(institution, file_name, stamp, [m for m, _ in chunk]))
        for position, (_, defect) in enumerate(chunk, start=1):
            if defect is not None:
                defects.append(
                    {
                        "source": delivery.source,
                        "institution_code": delivery.institution_code,
                        "partition_date": delivery.day,
                        **defect,
                        "detail": f"{file_name}#{position}: {defect['detail']}",
                    }
                )
    return defects
