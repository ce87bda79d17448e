"""Adapter for HIS vendor A: HL7 v2.5 ER7 batch files -> landed appointments and registrations.

ADT^A04 / ADT^A11 messages become registrations (status code = the trigger event), SIU^S12 /
SIU^S15 appointments (status code = SCH-25). MSH-7 is the version time. Each message is decoded
and parsed on its own, so a broken one is quarantined and the rest of the file still lands.
Format: docs/sources/his_a.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from pipelines.sources.hl7_er7 import Er7Message, Reject, parse_date, parse_time, split_batch
from pipelines.sources.identity import person_fields
from pipelines.sources.landing import ParseResult

SOURCE = "his_a"
_ENTITY_OF_TYPE = {"ADT": "registrations", "SIU": "appointments"}
_SUPPORTED = {("ADT", "A04"), ("ADT", "A11"), ("SIU", "S12"), ("SIU", "S15")}
_MSH_FIELDS = 12  # through MSH-12 (version id); MSH-9 type and MSH-10 control id are required

PersonCache = Callable[[str, str, str], dict]


def _guess_entity(text: str) -> str:
    """The entity a rejected message most likely carried, judged by the segments it has."""
    if "\rSCH" in text or text.startswith("SCH"):
        return "appointments"
    if "\rPV1" in text or "\rZRG" in text:
        return "registrations"
    return "unknown"


def _person(message: Er7Message, people: PersonCache) -> dict:
    if not message.has("PID"):
        raise Reject("HL7 消息缺少 PID 段")
    id_number = ""
    for rep in message.repetitions(message.raw("PID", 3)):
        if len(rep) >= 5 and rep[4] == "NNCHN":  # identifier type: resident identity card number
            id_number = rep[0]
    if not id_number:
        raise Reject("HL7 PID-3 缺少身份证号 (NNCHN)")
    name = "".join(message.components(message.raw("PID", 5))[:2])  # family ^ given, written together
    phone = message.component("PID", 13, 1)
    return {
        **people(name, phone, id_number),
        "patient_gender_code": message.raw("PID", 8) or None,
        "patient_birth_date": parse_date(message.raw("PID", 7), "PID-7"),
    }


def _care_site(message: Er7Message, location: tuple[str, int], doctor: tuple[str, int]) -> dict:
    place = message.components(message.raw(*location))
    staff = message.components(message.raw(*doctor))
    return {
        "department_code": place[0] or None,
        "department_name": (place[8] if len(place) > 8 else "") or None,  # PL-9 location description
        "doctor_code": staff[0] or None,
        "doctor_name": "".join(staff[1:3]) or None,  # XCN-2 family (+ XCN-3 given)
    }


def _registration(message: Er7Message, trigger: str, people: PersonCache) -> dict:
    registration_id = message.component("PV1", 19, 1)
    if not registration_id:
        raise Reject("HL7 PV1-19 就诊号缺失")
    if not message.has("ZRG"):
        raise Reject("HL7 消息缺少 ZRG 段")
    fee = message.raw("ZRG", 2)
    try:
        fee_yuan = float(fee) if fee else None
    except ValueError as exc:
        raise Reject(f"挂号费无法解析: {fee}") from exc
    return {
        "registration_id": registration_id,
        **_care_site(message, ("PV1", 3), ("PV1", 7)),
        **_person(message, people),
        "visit_type_code": message.raw("ZRG", 1) or None,
        "registered_at": parse_time(message.raw("PV1", 44), "PV1-44"),
        "appointment_id": message.component("ZRG", 3, 1) or None,
        "fee_yuan": fee_yuan,
        "status_code": trigger,
    }


def _appointment(message: Er7Message, trigger: str, people: PersonCache) -> dict:
    if not message.has("SCH"):
        raise Reject("HL7 消息缺少 SCH 段")
    appointment_id = message.component("SCH", 1, 1)
    if not appointment_id:
        raise Reject("HL7 SCH-1 预约号缺失")
    return {
        "appointment_id": appointment_id,
        **_care_site(message, ("AIL", 3), ("AIP", 3)),
        **_person(message, people),
        "channel_code": message.raw("ZAP", 1) or None,
        "created_at": parse_time(message.raw("ZAP", 2), "ZAP-2"),
        "slot_start_at": parse_time(message.component("SCH", 11, 4), "SCH-11.4"),
        "status_code": message.raw("SCH", 25) or None,
        "cancelled_at": parse_time(message.raw("ZAP", 3), "ZAP-3"),
    }


def parse_message(text: str, people: PersonCache) -> tuple[str, dict]:
    """(entity, landed row without lineage) for one decoded message; raises Reject."""
    message = Er7Message(text)
    if len(message.segments["MSH"]) < _MSH_FIELDS or not message.raw("MSH", 10):
        raise Reject("HL7 MSH 段不完整 (缺少消息类型或控制号)")
    kind, _, rest = message.raw("MSH", 9).partition(message.codec.separators[3])
    trigger = rest.split(message.codec.separators[3], 1)[0]
    if (kind, trigger) not in _SUPPORTED:
        raise Reject(f"未知的 HL7 消息类型: {message.raw('MSH', 9) or '(空)'}")
    version_at = parse_time(message.raw("MSH", 7), "MSH-7")
    if version_at is None:
        raise Reject("HL7 MSH-7 消息时间缺失")
    build = _registration if kind == "ADT" else _appointment
    row = build(message, trigger, people)
    row["record_version_at"] = version_at
    return _ENTITY_OF_TYPE[kind], row


def _person_cache() -> PersonCache:
    # One HMAC per distinct person per partition: the same patients recur across messages.
    seen: dict[tuple[str, str, str], dict] = {}

    def people(name: str, phone: str, id_number: str) -> dict:
        key = (name, phone, id_number)
        if key not in seen:
            seen[key] = person_fields(name=name or None, phone=phone or None, id_number=id_number)
        return seen[key]

    return people


def parse_files(files: Iterable[tuple[str, bytes]], *, institution_code: str, day: dt.date) -> ParseResult:
    """Parse one institution-day of vendor A batch files into landed rows and quarantined messages.

    ``source_position`` is the 1-based message number within its file (envelope segments excluded).
    """
    result = ParseResult()
    people = _person_cache()
    for file_name, data in files:
        for position, raw in split_batch(data):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                text = raw.decode("utf-8", errors="replace")
                result.quarantine(
                    source_file=file_name, source_position=position, entity=_guess_entity(text),
                    reason=f"UTF-8 解码失败 (第 {exc.start} 字节)", raw=text,
                )  # fmt: skip
                continue
            try:
                entity, row = parse_message(text, people)
            except Reject as exc:
                reason = exc.reason
            except (ValueError, IndexError, KeyError) as exc:  # a shape no check above foresaw
                reason = f"HL7 消息无法解析: {type(exc).__name__}"
            else:
                row["source_file"] = file_name
                row["source_position"] = position
                result.add(entity, row)
                continue
            result.quarantine(
                source_file=file_name,
                source_position=position,
                entity=_guess_entity(text),
                reason=reason,
                raw=text,
            )
    return result
