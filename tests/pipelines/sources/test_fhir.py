"""Vendor B (FHIR R4 bulk NDJSON): writer -> adapter round trips and a malformed-input corpus."""

from __future__ import annotations

import datetime as dt
import json

import corpus_his as corpus
import numpy as np
import pytest

from pipelines.simulate.formats import fhir as writer
from pipelines.sources import fhir as adapter
from pipelines.sources.identity import patient_key

CODE = "JA02"


@pytest.fixture(autouse=True)
def _var(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))


def _export(tmp_path, delivery, defect_rate=0.0, seed=1):
    defects = writer.write_delivery(
        delivery, root=tmp_path / "his_b", rng=np.random.default_rng(seed), defect_rate=defect_rate
    )
    folder = tmp_path / "his_b" / delivery.institution_code / delivery.day.isoformat()
    files = [(path.name, path.read_bytes()) for path in sorted(folder.iterdir())]
    return files, defects


def _parse(files, day=corpus.DAY):
    return adapter.parse_files(files, institution_code=CODE, day=day)


def test_round_trip_lands_every_version_with_its_values(tmp_path):
    versions = corpus.mixed_versions(CODE, 40)
    files, _ = _export(tmp_path, corpus.delivery("his_b", versions, CODE))
    result = _parse(files)
    assert result.quarantined == []
    landed = {
        (r.get("appointment_id") if "channel_code" in r else r["registration_id"]): r
        for rows in result.rows.values()
        for r in rows
    }
    assert len(landed) == len(versions)
    for version in versions:
        record = version.record
        if version.entity == "appointments":
            row = landed[record["appointment_id"]]
            assert row["channel_code"] == writer.CHANNEL[record["channel"]]
            assert row["created_at"] == record["created_at"]
            assert row["slot_start_at"] == record["slot_start_at"]
            assert row["status_code"] == record["status"]
            assert row["cancelled_at"] == record["cancelled_at"]
        else:
            row = landed[record["registration_id"]]
            assert row["visit_type_code"] == writer.VISIT_TYPE[record["visit_type"]]
            assert row["registered_at"] == record["registered_at"]
            assert row["appointment_id"] == record["appointment_id"]
            assert row["fee_yuan"] == record["fee_yuan"]
            assert row["status_code"] == ("cancelled" if record["is_cancelled"] else "finished")
        assert row["record_version_at"] == version.version_at
        assert row["patient_key"] == patient_key(record["id_number"])
        assert row["patient_gender_code"] == writer.GENDER[record["gender"]]
        assert row["patient_birth_date"] == record["birth_date"]
        assert (row["department_code"], row["department_name"]) == (
            record["department_code"],
            record["department_name"],
        )
        assert (row["doctor_code"], row["doctor_name"]) == (record["doctor_code"], record["doctor_name"])


def test_no_plaintext_identity_in_any_landed_row(tmp_path):
    versions = corpus.mixed_versions(CODE, 12)
    files, _ = _export(tmp_path, corpus.delivery("his_b", versions, CODE))
    text = json.dumps(
        [r for rows in _parse(files).rows.values() for r in rows], default=str, ensure_ascii=False
    )
    for version in versions:
        for field in ("id_number", "name", "phone"):
            assert version.record[field] not in text


def test_every_injected_defect_is_quarantined_at_its_line(tmp_path):
    versions = corpus.mixed_versions(CODE, 300)
    files, defects = _export(tmp_path, corpus.delivery("his_b", versions, CODE), defect_rate=0.2, seed=5)
    result = _parse(files)
    assert len(defects) > 20
    expected = {(d["detail"].split(":")[0], int(d["detail"].split(":")[1])) for d in defects}
    assert {(q.source_file, q.source_position) for q in result.quarantined} == expected
    assert sum(len(rows) for rows in result.rows.values()) == len(versions)


def _line(resource: dict) -> bytes:
    return json.dumps(resource, ensure_ascii=False).encode()


def _extra_appointment(appointment_id: str) -> dict:
    """An Appointment for a person already in the export (person 1 of ``mixed_versions``)."""
    record = corpus.appointment(CODE, 1, appointment_id=appointment_id)
    return writer.appointment_resource(corpus.version("appointments", record, corpus.local(11)))


def _files_with(extra_appointments: list[bytes], tmp_path):
    versions = corpus.mixed_versions(CODE, 6)
    files, _ = _export(tmp_path, corpus.delivery("his_b", versions, CODE))
    return [
        (name, body + b"\n".join(extra_appointments) + b"\n" if name == "Appointment.ndjson" else body)
        for name, body in files
    ]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda r: r.update(status="reserved"), "FHIR 资源校验失败: Appointment.status"),
        (lambda r: r.pop("participant"), "FHIR 资源校验失败: Appointment.participant"),
        (lambda r: r.update(start="2026-09-07 09:30"), "FHIR 资源校验失败: Appointment.start"),
        (
            lambda r: r["serviceType"][0]["coding"][0].update(userSelected="maybe"),
            "FHIR 资源校验失败: Appointment.serviceType.coding.userSelected",
        ),
        (
            lambda r: r["participant"][0]["actor"].update(reference="Patient/P000000000000"),
            "引用的 Patient/P000000000000 不存在",
        ),
        (lambda r: r.update(resourceType="Encounter"), "FHIR 资源类型错误: 期望 Appointment，实际 Encounter"),
    ],
)
def test_invalid_resource_is_quarantined_and_the_rest_loaded(tmp_path, mutate, reason):
    resource = _extra_appointment("JA02A90000000")
    mutate(resource)
    result = _parse(_files_with([_line(resource)], tmp_path))
    assert [(q.source_file, q.reason) for q in result.quarantined] == [("Appointment.ndjson", reason)]
    assert sum(len(rows) for rows in result.rows.values()) == 6


def test_broken_json_line_is_quarantined_with_its_line_number(tmp_path):
    good = _extra_appointment("JA02A90000001")
    files = _files_with([_line(good)[:40], _line(good)], tmp_path)
    result = _parse(files)
    appointments_before = dict(files)["Appointment.ndjson"].count(b"\n") - 2
    assert [(q.reason, q.source_position) for q in result.quarantined] == [
        ("JSON 解析失败", appointments_before + 1)
    ]
    assert [r["appointment_id"] for r in result.rows["appointments"]][-1] == good["id"]


def test_record_arriving_twice_and_a_correction_a_week_later_land_as_versions(tmp_path):
    record = corpus.appointment(CODE, 902)
    first = corpus.version("appointments", record, corpus.local(9))
    duplicate = corpus.version("appointments", record, corpus.local(9), kind="duplicate")
    files, _ = _export(tmp_path, corpus.delivery("his_b", [first, duplicate], CODE))
    day_one = _parse(files)
    assert [r["record_version_at"] for r in day_one.rows["appointments"]] == [first.version_at] * 2

    later = corpus.DAY + dt.timedelta(days=7)
    corrected = corpus.version(
        "appointments", {**record, "channel": "电话"}, corpus.local(10, day=later), kind="correction"
    )
    files, _ = _export(tmp_path, corpus.delivery("his_b", [corrected], CODE, day=later))
    week_later = _parse(files, day=later)
    [row] = week_later.rows["appointments"]
    assert (row["appointment_id"], row["channel_code"]) == (record["appointment_id"], "phone")
    assert row["record_version_at"] > first.version_at


def test_missing_output_listed_in_manifest_is_reported(tmp_path):
    files, _ = _export(tmp_path, corpus.delivery("his_b", corpus.mixed_versions(CODE, 4), CODE))
    result = _parse([(name, body) for name, body in files if name != "Encounter.ndjson"])
    assert [q.reason for q in result.quarantined] == ["清单所列文件缺失: Encounter.ndjson"]
    assert len(result.rows["appointments"]) == 2
