"""Adapter for HIS vendor B: FHIR R4 Bulk Data export (manifest.json + NDJSON per resource type).

Each resource is validated with ``fhir.resources`` (the R4B models, which accept R4 content for
the resource types used here) plus the required status value sets the models do not enforce,
then its references are resolved against the same export's Patient.ndjson. Anything that fails
is quarantined with a Chinese reason and the rest of the partition still lands. Times are
converted from their offsets to naive UTC; codes stay as sent. See docs/sources/his_b.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import PurePosixPath

import orjson

from pipelines.sources.fhir_validation import ExportValidator, Rejected
from pipelines.sources.identity import person_fields
from pipelines.sources.landing import ParseResult

ID_SYSTEM = "urn:oid:2.16.156.10011.1.3"  # PRC resident identity card number
EXT_CHANNEL = "https://his-b.example.cn/fhir/StructureDefinition/booking-channel"
EXT_CANCELLED_AT = "https://his-b.example.cn/fhir/StructureDefinition/cancellation-time"
EXT_FEE = "https://his-b.example.cn/fhir/StructureDefinition/registration-fee"

ENTITY = {"Patient": "patients", "Appointment": "appointments", "Encounter": "registrations"}


def to_utc(value: str | None, element: str) -> dt.datetime | None:
    """A FHIR dateTime/instant as naive UTC; a value without offset is read as Shanghai local time."""
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Rejected(f"FHIR 时间无法解析: {element}") from None
    if parsed.tzinfo is None:
        return parsed - dt.timedelta(hours=8)
    return parsed.astimezone(dt.UTC).replace(tzinfo=None)


def _extension(resource: dict, url: str, key: str):
    for ext in resource.get("extension") or ():
        if ext.get("url") == url:
            return ext.get(key)
    return None


def _first_coding(concept: dict | list | None) -> dict:
    if isinstance(concept, list):
        concept = concept[0] if concept else None
    codings = (concept or {}).get("coding") or [{}]
    return codings[0]


def _patient_person(resource: dict) -> dict:
    """Landed identity columns of a Patient (pseudonymized here, never stored plain)."""
    id_number = next(
        (i.get("value") for i in resource.get("identifier") or () if i.get("system") == ID_SYSTEM), None
    )
    name = (resource.get("name") or [{}])[0]
    text = name.get("text") or (name.get("family", "") + "".join(name.get("given") or ())) or None
    phone = next((t.get("value") for t in resource.get("telecom") or () if t.get("system") == "phone"), None)
    birth = resource.get("birthDate")
    return {
        **person_fields(name=text, phone=phone, id_number=id_number),
        "patient_gender_code": resource.get("gender"),
        "patient_birth_date": dt.date.fromisoformat(birth) if birth and len(birth) == 10 else None,
    }


def _person(reference: str | None, patients: dict[str, dict]) -> dict:
    if not reference or not reference.startswith("Patient/"):
        raise Rejected("缺少患者引用 (Patient)")
    person = patients.get(reference.removeprefix("Patient/"))
    if person is None:
        raise Rejected(f"引用的 {reference} 不存在")
    return person


def _care_site(service_type: dict | list | None, practitioner: dict | None) -> dict:
    department = _first_coding(service_type)
    practitioner = practitioner or {}
    return {
        "department_code": department.get("code"),
        "department_name": department.get("display"),
        "doctor_code": (practitioner.get("reference") or "").removeprefix("Practitioner/") or None,
        "doctor_name": practitioner.get("display"),
    }


def appointment_row(resource: dict, patients: dict[str, dict]) -> dict:
    """Landed appointment columns of a validated Appointment resource."""
    actors = [p.get("actor") or {} for p in resource["participant"]]
    patient_ref = next(
        (a.get("reference") for a in actors if (a.get("reference") or "").startswith("Patient/")), None
    )
    practitioner = next((a for a in actors if (a.get("reference") or "").startswith("Practitioner/")), None)
    return {
        "appointment_id": resource.get("id"),
        **_care_site(resource.get("serviceType") or resource.get("specialty"), practitioner),
        **_person(patient_ref, patients),
        "channel_code": _extension(resource, EXT_CHANNEL, "valueCode"),
        "created_at": to_utc(resource.get("created"), "Appointment.created"),
        "slot_start_at": to_utc(resource.get("start"), "Appointment.start"),
        "status_code": resource["status"],
        "cancelled_at": to_utc(
            _extension(resource, EXT_CANCELLED_AT, "valueDateTime"), "Appointment.extension"
        ),
        "record_version_at": to_utc(
            (resource.get("meta") or {}).get("lastUpdated"), "Appointment.meta.lastUpdated"
        ),
    }


def encounter_row(resource: dict, patients: dict[str, dict]) -> dict:
    """Landed registration columns of a validated Encounter resource."""
    practitioner = next(
        (p.get("individual") for p in resource.get("participant") or () if p.get("individual")), None
    )
    appointment = ((resource.get("appointment") or [{}])[0].get("reference") or "").removeprefix(
        "Appointment/"
    )
    fee = _extension(resource, EXT_FEE, "valueMoney") or {}
    return {
        "registration_id": resource.get("id"),
        **_care_site(resource.get("serviceType"), practitioner),
        **_person((resource.get("subject") or {}).get("reference"), patients),
        "visit_type_code": _first_coding(resource.get("type")).get("code"),
        "registered_at": to_utc((resource.get("period") or {}).get("start"), "Encounter.period.start"),
        "appointment_id": appointment or None,
        "fee_yuan": float(fee["value"]) if fee.get("value") is not None else None,
        "status_code": resource["status"],
        "record_version_at": to_utc(
            (resource.get("meta") or {}).get("lastUpdated"), "Encounter.meta.lastUpdated"
        ),
    }


def _lines(
    name: str, body: bytes, rtype: str, validator: ExportValidator, result: ParseResult
) -> Iterable[tuple[int, bytes, dict]]:
    """Decoded, validated resources of one NDJSON file; bad lines are quarantined on the way."""
    for position, line in enumerate(body.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield position, line, validator.validate(orjson.loads(line), rtype)
        except orjson.JSONDecodeError:
            result.quarantine(
                source_file=name,
                source_position=position,
                entity=ENTITY[rtype],
                reason="JSON 解析失败",
                raw=line.decode("utf-8", "replace"),
            )
        except Rejected as exc:
            result.quarantine(
                source_file=name,
                source_position=position,
                entity=ENTITY[rtype],
                reason=str(exc),
                raw=line.decode("utf-8", "replace"),
            )


def _check_manifest(files: dict[str, bytes], result: ParseResult) -> None:
    """Quarantine (as a file-level record) any output the manifest lists but the delivery lacks."""
    try:
        manifest = orjson.loads(files["manifest.json"])
        outputs = [PurePosixPath(o["url"]).name for o in manifest["output"]]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        result.quarantine(
            source_file="manifest.json",
            source_position=0,
            entity="unknown",
            reason="批量导出清单 manifest.json 无法解析",
            raw=files["manifest.json"][:200].decode("utf-8", "replace"),
        )
        return
    for name in outputs:
        if name not in files:
            result.quarantine(
                source_file="manifest.json",
                source_position=0,
                entity="unknown",
                reason=f"清单所列文件缺失: {name}",
            )


def parse_files(
    files: Iterable[tuple[str, bytes]], *, institution_code: str | None, day: dt.date
) -> ParseResult:
    """Parse one institution-day bulk export into landed appointments and registrations."""
    by_name = {PurePosixPath(name).name: body for name, body in files}
    result = ParseResult()
    if "manifest.json" in by_name:
        _check_manifest(by_name, result)
    validator = ExportValidator()
    patients: dict[str, dict] = {}
    for _, _, resource in _lines(
        "Patient.ndjson", by_name.get("Patient.ndjson", b""), "Patient", validator, result
    ):
        patients[resource.get("id")] = _patient_person(resource)
    builders = {"Appointment": appointment_row, "Encounter": encounter_row}
    for rtype, build in builders.items():
        name = f"{rtype}.ndjson"
        for position, line, resource in _lines(name, by_name.get(name, b""), rtype, validator, result):
            try:
                row = build(resource, patients)
            except Rejected as exc:
                result.quarantine(
                    source_file=name,
                    source_position=position,
                    entity=ENTITY[rtype],
                    reason=str(exc),
                    raw=line.decode("utf-8", "replace"),
                )
                continue
            result.add(ENTITY[rtype], {"source_file": name, "source_position": position, **row})
    return result
