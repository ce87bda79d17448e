"""Vendor A adapter: HL7 v2.5 batch files written by the simulator's writer come back intact."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from operational.security.masking import mask_id_number, mask_name, mask_phone
from pipelines.simulate.formats import hl7 as writer
from pipelines.sources import hl7 as adapter
from pipelines.sources.identity import patient_key
from pipelines.sources.landing import partition_dir, write_result
from pipelines.sources.schema import HIS_ENTITIES
from tests.pipelines.sources import corpus_his as corpus

GENDER = {"男": "M", "女": "F"}
CHANNEL = {"健康静安": "WX", "窗口": "WIN", "自助机": "KIOSK", "电话": "TEL", "互联网医院": "IH"}
VISIT_TYPE = {"普通门诊": "01", "专家门诊": "02", "急诊": "03"}


@pytest.fixture(autouse=True)
def _var(monkeypatch, tmp_path):
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path))


def expected_row(version) -> dict:
    """What the adapter must land for an intact version (lineage columns aside)."""
    r = version.record
    row = {
        "department_code": r["department_code"],
        "department_name": r["department_name"],
        "doctor_code": r["doctor_code"],
        "doctor_name": r["doctor_name"],
        "patient_key": patient_key(r["id_number"]),
        "patient_name_masked": mask_name(r["name"]),
        "patient_phone_masked": mask_phone(r["phone"]),
        "patient_id_number_masked": mask_id_number(r["id_number"]),
        "patient_gender_code": GENDER[r["gender"]],
        "patient_birth_date": r["birth_date"],
        "record_version_at": version.version_at,
    }
    if version.entity == "appointments":
        return row | {
            "appointment_id": r["appointment_id"],
            "channel_code": CHANNEL[r["channel"]],
            "created_at": r["created_at"],
            "slot_start_at": r["slot_start_at"],
            "status_code": "Cancelled" if r["status"] == "cancelled" else "Booked",
            "cancelled_at": r["cancelled_at"],
        }
    return row | {
        "registration_id": r["registration_id"],
        "visit_type_code": VISIT_TYPE[r["visit_type"]],
        "registered_at": r["registered_at"],
        "appointment_id": r["appointment_id"],
        "fee_yuan": r["fee_yuan"],
        "status_code": "A11" if r["is_cancelled"] else "A04",
    }


def write_and_parse(tmp_path, versions, *, defect_rate: float, seed: int = 7, day: dt.date = corpus.DAY):
    delivery = corpus.delivery("his_a", versions, day=day)
    root = tmp_path / "sources" / "his_a"
    defects = writer.write_delivery(
        delivery, root=root, rng=np.random.default_rng(seed), defect_rate=defect_rate
    )
    folder = root / "JA01" / day.isoformat()
    files = [(path.name, path.read_bytes()) for path in sorted(folder.iterdir())]
    return defects, adapter.parse_files(files, institution_code="JA01", day=day)


def landed_without_lineage(result) -> list[dict]:
    rows = [row for entity_rows in result.rows.values() for row in entity_rows]
    return [{k: v for k, v in row.items() if k not in ("source_file", "source_position")} for row in rows]


def assert_all_versions_landed(versions, result) -> None:
    landed = landed_without_lineage(result)
    for version in versions:
        assert expected_row(version) in landed, version.record


def test_round_trip_lands_every_version_with_utc_times_and_masked_identity(tmp_path):
    versions = corpus.mixed_versions("JA01", 24)
    defects, result = write_and_parse(tmp_path, versions, defect_rate=0.0)
    assert defects == []
    assert result.quarantined == []
    assert sum(len(rows) for rows in result.rows.values()) == len(versions)
    assert_all_versions_landed(versions, result)


def test_round_trip_quarantines_every_injected_defect_at_its_position(tmp_path):
    versions = corpus.mixed_versions("JA01", 40)
    defects, result = write_and_parse(tmp_path, versions, defect_rate=0.6)
    assert len(defects) >= 15
    assert {d["kind"] for d in defects} == {"malformed", "bad_encoding"}
    assert_all_versions_landed(versions, result)
    assert sum(len(rows) for rows in result.rows.values()) == len(versions)
    quarantined = {f"{q.source_file}#{q.source_position}" for q in result.quarantined}
    injected = {d["detail"].split(":")[0] for d in defects}
    assert quarantined == injected
    assert all(q.reason and q.entity in ("appointments", "registrations") for q in result.quarantined)


def test_no_plaintext_identity_reaches_any_landed_row(tmp_path):
    versions = corpus.mixed_versions("JA01", 12)
    _, result = write_and_parse(tmp_path, versions, defect_rate=0.0)
    secrets = {v.record[k] for v in versions for k in ("name", "phone", "id_number")}
    values = {str(value) for row in landed_without_lineage(result) for value in row.values()}
    assert not any(secret in value for secret in secrets for value in values)


def _message(version, control_id="CTRL1") -> str:
    build = writer.appointment_segments if version.entity == "appointments" else writer.registration_segments
    return "\r".join(build(version, control_id))


def _batch(*messages: bytes) -> bytes:
    return writer.batch_file("JA01", "batch_1.hl7", "20260905235959", list(messages))


def test_malformed_corpus_is_quarantined_and_the_rest_of_the_file_lands():
    good = corpus.version("registrations", corpus.registration(index=1), corpus.local(10))
    appointment = corpus.version("appointments", corpus.appointment(index=3), corpus.local(11))
    pid_less = _message(good, "C2").replace("\rPID|", "\rXXX|").encode()
    given = appointment.record["name"][1:]
    gbk_name = _message(appointment, "C3").encode("utf-8").replace(given.encode(), given.encode("gbk"))
    corpus_messages = [
        b"PV1|1|O|orphan segment before any header",
        _message(good, "C1").encode(),
        b"MSH|^~\\&|HIS_A|JA01|HEALTHOPS",  # truncated header, body lost
        pid_less,
        gbk_name,
        _message(good, "C4").replace("ADT^A04^ADT_A01", "DFT^P03").encode(),
        _message(good, "C5").replace("|20260905100000|", "|2026-09-05 10:00|", 1).encode(),
        _message(appointment, "C6").encode(),
    ]
    result = adapter.parse_files(
        [("batch_1.hl7", _batch(*corpus_messages))], institution_code="JA01", day=corpus.DAY
    )
    reasons = {q.source_position: q.reason for q in result.quarantined}
    assert set(reasons) == {1, 3, 4, 5, 6, 7}
    assert reasons[1] == "HL7 消息缺少 MSH 段"
    assert reasons[3].startswith("HL7 MSH 段不完整")
    assert reasons[4] == "HL7 消息缺少 PID 段"
    assert reasons[5].startswith("UTF-8 解码失败")
    assert reasons[6] == "未知的 HL7 消息类型: DFT^P03"
    assert reasons[7].startswith("HL7 时间无法解析: MSH-7")
    assert [r["source_position"] for r in result.rows["registrations"]] == [2]
    assert [r["source_position"] for r in result.rows["appointments"]] == [8]


def test_record_sent_twice_and_corrected_a_week_later_lands_every_version(tmp_path):
    record = corpus.registration(index=5)
    original = corpus.version("registrations", record, corpus.local(9))
    duplicate = corpus.version("registrations", record, corpus.local(9), kind="duplicate")
    _, first = write_and_parse(tmp_path, [original, duplicate], defect_rate=0.0)
    assert [r["record_version_at"] for r in first.rows["registrations"]] == [corpus.local(9)] * 2

    later = corpus.DAY + dt.timedelta(days=7)
    fixed = dict(record, department_code="0101", department_name="心内科")
    correction = corpus.version("registrations", fixed, corpus.local(14, day=later), kind="correction")
    _, second = write_and_parse(tmp_path, [correction], defect_rate=0.0, day=later)
    (row,) = second.rows["registrations"]
    assert row["registration_id"] == record["registration_id"]
    assert row["department_name"] == "心内科"
    assert (
        row["record_version_at"]
        == corpus.local(14, day=later)
        > first.rows["registrations"][0]["record_version_at"]
    )


def test_escape_sequences_and_time_offsets_are_decoded():
    version = corpus.version("appointments", corpus.appointment(index=3), corpus.local(11))
    text = _message(version).replace(f"|{writer.hl7_time(corpus.local(11))}|", "|20260905040000+0100|", 1)
    entity, row = adapter.parse_message(text, lambda name, phone, id_number: {"name": name})
    assert entity == "appointments"
    assert row["department_name"] == "中医科^针灸~推拿\\"  # \S\ \R\ \E\ restored
    assert row["record_version_at"] == dt.datetime(2026, 9, 5, 3, 0)  # 04:00 at UTC+1
    assert row["name"] == "王芳"


def test_parsed_partition_writes_to_the_landing_schema(tmp_path):
    versions = corpus.mixed_versions("JA01", 10)
    _, result = write_and_parse(tmp_path, versions, defect_rate=0.5)
    counts = write_result(
        result, source="his_a", institution_code="JA01", day=corpus.DAY, schemas=HIS_ENTITIES
    )
    assert counts["appointments"] + counts["registrations"] == len(versions)
    frame = pl.read_parquet(
        partition_dir("landing", "his_a", "registrations", "JA01", corpus.DAY) / "data.parquet"
    )
    assert frame.schema == pl.Schema(HIS_ENTITIES["registrations"])
    assert frame["patient_key"].null_count() == 0
