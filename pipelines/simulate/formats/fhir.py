"""HIS vendor B: a FHIR R4 Bulk Data export (NDJSON per resource type) per institution and day.

Layout: ``<root>/<institution_code>/<YYYY-MM-DD>/manifest.json`` plus ``Patient.ndjson``,
``Appointment.ndjson`` and ``Encounter.ndjson``. The manifest follows the Bulk Data Access IG
(``transactionTime``, ``request``, ``requiresAccessToken``, ``output[{type, url, count}]``, ``error``).
Appointments and Encounters (registrations) reference the day's Patient resources; times carry
the +08:00 offset. See docs/sources/his_b.md for the exact format.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np

from pipelines.simulate.delivery import Delivery, RecordVersion

SOURCE = "his_b"
ID_SYSTEM = "urn:oid:2.16.156.10011.1.3"  # PRC resident identity card number
MRN_SYSTEM = "https://his-b.example.cn/fhir/sid/mrn"
DEPARTMENT_SYSTEM = "https://his-b.example.cn/fhir/CodeSystem/department"
VISIT_TYPE_SYSTEM = "https://his-b.example.cn/fhir/CodeSystem/visit-type"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
EXT_CHANNEL = "https://his-b.example.cn/fhir/StructureDefinition/booking-channel"
EXT_CANCELLED_AT = "https://his-b.example.cn/fhir/StructureDefinition/cancellation-time"
EXT_FEE = "https://his-b.example.cn/fhir/StructureDefinition/registration-fee"
RESOURCE_TYPES = ("Patient", "Appointment", "Encounter")

# Canonical value -> vendor B code, exactly the his_b rows of dbt/seeds/code_map.csv.
GENDER = {"男": "male", "女": "female"}
CHANNEL = {
    "健康静安": "wechat",
    "窗口": "counter",
    "自助机": "kiosk",
    "电话": "phone",
    "互联网医院": "internet-hospital",
}
VISIT_TYPE = {"普通门诊": "general", "专家门诊": "specialist", "急诊": "emergency"}
APPOINTMENT_STATUS = {"booked": "booked", "cancelled": "cancelled"}

SLOT_LENGTH = dt.timedelta(minutes=15)
_LOCAL = dt.timedelta(hours=8)


def fhir_instant(value: dt.datetime) -> str:
    """Naive UTC -> FHIR instant in Shanghai local time with its offset (2024-03-01T09:00:00+08:00)."""
    return (value + _LOCAL).isoformat() + "+08:00"


def patient_resource_id(id_number: str) -> str:
    """The HIS's own patient id: stable per person, not the ID number itself."""
    return "P" + hashlib.sha1(id_number.encode()).hexdigest()[:12]


def patient_resource(record: dict) -> dict:
    """A Patient resource for the person on an appointment or registration record."""
    pid = patient_resource_id(record["id_number"])
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [
            {"use": "official", "system": ID_SYSTEM, "value": record["id_number"]},
            {"use": "usual", "system": MRN_SYSTEM, "value": "MRN" + pid[1:]},
        ],
        "name": [{"text": record["name"], "family": record["name"][:1], "given": [record["name"][1:]]}],
        "telecom": [{"system": "phone", "value": record["phone"], "use": "mobile"}],
        "gender": GENDER[record["gender"]],
        "birthDate": record["birth_date"].isoformat(),
    }


def _department(record: dict) -> dict:
    return {
        "coding": [
            {
                "system": DEPARTMENT_SYSTEM,
                "code": record["department_code"],
                "display": record["department_name"],
            }
        ]
    }


def _practitioner(record: dict) -> dict:
    return {"reference": f"Practitioner/{record['doctor_code']}", "display": record["doctor_name"]}


def appointment_resource(version: RecordVersion) -> dict:
    """An Appointment resource for one appointment version (meta.lastUpdated = version time)."""
    r = version.record
    extension = [{"url": EXT_CHANNEL, "valueCode": CHANNEL[r["channel"]]}]
    if r.get("cancelled_at"):
        extension.append({"url": EXT_CANCELLED_AT, "valueDateTime": fhir_instant(r["cancelled_at"])})
    return {
        "resourceType": "Appointment",
        "id": r["appointment_id"],
        "meta": {"lastUpdated": fhir_instant(version.version_at)},
        "extension": extension,
        "status": APPOINTMENT_STATUS[r["status"]],
        "serviceType": [_department(r)],
        "start": fhir_instant(r["slot_start_at"]),
        "end": fhir_instant(r["slot_start_at"] + SLOT_LENGTH),
        "created": fhir_instant(r["created_at"]),
        "participant": [
            {"actor": {"reference": f"Patient/{patient_resource_id(r['id_number'])}"}, "status": "accepted"},
            {"actor": _practitioner(r), "status": "accepted"},
        ],
    }


def encounter_resource(version: RecordVersion) -> dict:
    """An Encounter resource for one registration version (the outpatient/emergency visit)."""
    r = version.record
    resource = {
        "resourceType": "Encounter",
        "id": r["registration_id"],
        "meta": {"lastUpdated": fhir_instant(version.version_at)},
        "extension": [{"url": EXT_FEE, "valueMoney": {"value": r["fee_yuan"], "currency": "CNY"}}],
        "status": "cancelled" if r["is_cancelled"] else "finished",
        "class": {"system": ACT_CODE_SYSTEM, "code": "EMER" if r["visit_type"] == "急诊" else "AMB"},
        "type": [{"coding": [{"system": VISIT_TYPE_SYSTEM, "code": VISIT_TYPE[r["visit_type"]]}]}],
        "serviceType": _department(r),
        "subject": {"reference": f"Patient/{patient_resource_id(r['id_number'])}"},
        "participant": [{"individual": _practitioner(r)}],
        "period": {"start": fhir_instant(r["registered_at"])},
    }
    if r.get("appointment_id"):
        resource["appointment"] = [{"reference": f"Appointment/{r['appointment_id']}"}]
    return resource


def _dumps(resource: dict) -> str:
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"))


def _broken(resource: dict, rng: np.random.Generator) -> tuple[str, str]:
    """A malformed variant of ``resource`` as one NDJSON line, and what is wrong with it."""
    kind = ("status", "missing", "datetime", "json", "reference")[int(rng.integers(0, 5))]
    bad = json.loads(json.dumps(resource))
    rtype = bad["resourceType"]
    if kind == "status":
        bad["status"] = "reserved"  # not in the FHIR status value set
        return _dumps(bad), f"invalid status code in {rtype}.status"
    if kind == "missing":
        element = "participant" if rtype == "Appointment" else "class"
        del bad[element]
        return _dumps(bad), f"missing required element {rtype}.{element}"
    if kind == "datetime":
        element = "start" if rtype == "Appointment" else "period"
        if rtype == "Appointment":
            bad["start"] = bad["start"][:10] + " " + bad["start"][11:16]  # no 'T', no seconds, no offset
        else:
            bad["period"]["start"] = bad["period"]["start"].replace("T", " ")
        return _dumps(bad), f"malformed dateTime in {rtype}.{element}"
    if kind == "json":
        line = _dumps(bad)
        return line[: len(line) // 2], "broken JSON line"
    ghost = "P" + "".join(str(d) for d in rng.integers(0, 10, 12))
    if rtype == "Appointment":
        bad["participant"][0]["actor"]["reference"] = f"Patient/{ghost}"
    else:
        bad["subject"]["reference"] = f"Patient/{ghost}"
    return _dumps(bad), f"reference to Patient/{ghost} not in the export"


def _manifest(delivery: Delivery, counts: dict[str, int]) -> dict:
    base = f"https://his-b.{delivery.institution_code.lower()}.example.cn/fhir"
    since = f"{delivery.day.isoformat()}T00:00:00+08:00"
    return {
        "transactionTime": f"{delivery.day.isoformat()}T23:59:59+08:00",
        "request": f"{base}/$export?_type={','.join(RESOURCE_TYPES)}&_since={since}",
        "requiresAccessToken": True,
        "output": [
            {"type": t, "url": f"{base}/bulk/{delivery.day.isoformat()}/{t}.ndjson", "count": counts[t]}
            for t in RESOURCE_TYPES
        ],
        "error": [],
    }


def write_delivery(
    delivery: Delivery, *, root: Path, rng: np.random.Generator, defect_rate: float
) -> list[dict]:
    """Write one day's bulk export for one institution; return the DEFECTS rows of injected defects.

    Every version is written intact; with probability ``defect_rate`` a version also gets a
    malformed copy (invalid status, missing element, bad dateTime, broken JSON or a dangling
    Patient reference) inserted at a random line of its file.
    """
    patients: dict[str, dict] = {}
    lines: dict[str, list[str]] = {"Appointment": [], "Encounter": []}
    entities = {"Appointment": "appointments", "Encounter": "registrations"}
    ids = {"Appointment": "appointment_id", "Encounter": "registration_id"}
    builders = {"Appointment": appointment_resource, "Encounter": encounter_resource}
    malformed: list[tuple[str, str, str, str]] = []  # (type, line, record_id, detail)
    for rtype, entity in entities.items():
        versions = delivery.of(entity)
        draws = rng.random(len(versions))
        for version, draw in zip(versions, draws):
            patient = patient_resource(version.record)
            patients[patient["id"]] = patient  # later versions of the person win
            resource = builders[rtype](version)
            lines[rtype].append(_dumps(resource))
            if draw < defect_rate:
                line, detail = _broken(resource, rng)
                malformed.append((rtype, line, version.record[ids[rtype]], detail))
    positions: list[int] = []
    for rtype, line, _, _ in malformed:
        position = int(rng.integers(0, len(lines[rtype]) + 1))
        lines[rtype].insert(position, line)
        # An insertion shifts the malformed lines already placed at or after it in the same file.
        positions = [
            p + 1 if malformed[i][0] == rtype and p >= position else p for i, p in enumerate(positions)
        ]
        positions.append(position)
    defects = [
        {
            "source": SOURCE,
            "institution_code": delivery.institution_code,
            "partition_date": delivery.day,
            "kind": "malformed",
            "entity": entities[rtype],
            "record_id": record_id,
            "detail": f"{rtype}.ndjson:{position + 1}: {detail}",
        }
        for (rtype, _, record_id, detail), position in zip(malformed, positions)
    ]
    lines["Patient"] = [_dumps(p) for p in patients.values()]
    folder = root / delivery.institution_code / delivery.day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    for rtype in RESOURCE_TYPES:
        body = "".join(line + "\n" for line in lines[rtype])
        (folder / f"{rtype}.ndjson").write_text(body, encoding="utf-8")
    counts = {t: len(lines[t]) for t in RESOURCE_TYPES}
    manifest = _manifest(delivery, counts)
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return defects
