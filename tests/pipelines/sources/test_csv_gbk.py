"""Vendor C adapter: GBK CSV extracts written by the simulator's writer come back intact."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from operational.security.masking import mask_id_number, mask_name, mask_phone
from pipelines.simulate.formats import csv_gbk as writer
from pipelines.simulate.formats.csv_gbk_cells import encode_line
from pipelines.sources import csv_gbk as adapter
from pipelines.sources.identity import patient_key
from pipelines.sources.landing import partition_dir, write_result
from pipelines.sources.schema import HIS_ENTITIES
from tests.pipelines.sources import corpus_his as corpus

VISIT_TYPE = {"普通门诊": "普通", "专家门诊": "专家", "急诊": "急诊"}


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
        "patient_gender_code": r["gender"],
        "patient_birth_date": r["birth_date"],
        "record_version_at": version.version_at,
    }
    if version.entity == "appointments":
        return row | {
            "appointment_id": r["appointment_id"],
            "channel_code": r["channel"],
            "created_at": r["created_at"],
            "slot_start_at": r["slot_start_at"],
            "status_code": "已取消" if r["status"] == "cancelled" else "已预约",
            "cancelled_at": r["cancelled_at"],
        }
    return row | {
        "registration_id": r["registration_id"],
        "visit_type_code": VISIT_TYPE[r["visit_type"]],
        "registered_at": r["registered_at"],
        "appointment_id": r["appointment_id"],
        "fee_yuan": r["fee_yuan"],
        "status_code": "退号" if r["is_cancelled"] else "正常",
    }


def write_and_parse(tmp_path, versions, *, defect_rate: float, seed: int = 7, day: dt.date = corpus.DAY):
    delivery = corpus.delivery("his_c", versions, institution_code="JA04", day=day)
    root = tmp_path / "sources" / "his_c"
    defects = writer.write_delivery(
        delivery, root=root, rng=np.random.default_rng(seed), defect_rate=defect_rate
    )
    folder = root / "JA04" / day.isoformat()
    files = [(path.name, path.read_bytes()) for path in sorted(folder.iterdir())]
    return defects, adapter.parse_files(files, institution_code="JA04", day=day)


def landed_without_lineage(result) -> list[dict]:
    rows = [row for entity_rows in result.rows.values() for row in entity_rows]
    return [{k: v for k, v in row.items() if k not in ("source_file", "source_position")} for row in rows]


def assert_all_versions_landed(versions, result) -> None:
    landed = landed_without_lineage(result)
    for version in versions:
        assert expected_row(version) in landed, version.record


def test_round_trip_lands_every_version_with_utc_times_and_masked_identity(tmp_path):
    versions = corpus.mixed_versions("JA04", 200)  # enough rows for padding and Excel serial dates
    defects, result = write_and_parse(tmp_path, versions, defect_rate=0.0)
    assert defects == []
    assert result.quarantined == []
    assert sum(len(rows) for rows in result.rows.values()) == len(versions)
    assert_all_versions_landed(versions, result)


def test_round_trip_quarantines_every_injected_defect_at_its_line(tmp_path):
    versions = corpus.mixed_versions("JA04", 60)
    defects, result = write_and_parse(tmp_path, versions, defect_rate=0.5)
    assert len(defects) >= 15
    assert_all_versions_landed(versions, result)
    assert sum(len(rows) for rows in result.rows.values()) == len(versions)
    quarantined = {f"{q.source_file}#{q.source_position}" for q in result.quarantined}
    assert quarantined == {d["detail"].split(":")[0] for d in defects}
    reasons = {q.reason.split(":")[0] for q in result.quarantined}
    assert reasons <= {"GBK 解码失败", "列数不符", "日期无法解析"}


def test_no_plaintext_identity_reaches_any_landed_row(tmp_path):
    versions = corpus.mixed_versions("JA04", 12)
    _, result = write_and_parse(tmp_path, versions, defect_rate=0.0)
    secrets = {v.record[k] for v in versions for k in ("name", "phone", "id_number")}
    values = {str(value) for row in landed_without_lineage(result) for value in row.values()}
    assert not any(secret in value for secret in secrets for value in values)


def _cells(version) -> list[str]:
    return writer.registration_cells(version, serial=False)


def test_malformed_corpus_is_quarantined_and_the_rest_of_the_file_lands():
    versions = [
        corpus.version("registrations", corpus.registration("JA04", i), corpus.local(10, i)) for i in range(6)
    ]
    cells = [_cells(v) for v in versions]
    cells[2][5] = cells[2][5] + "   "  # padded name still lands
    short = cells[3][:-1]
    bad_date = list(cells[4])
    bad_date[10] = "2026/9/31 25:61:00"
    serial = writer.registration_cells(versions[5], serial=True)
    stray = encode_line(cells[1])
    lines = [
        encode_line(list(writer.REGISTRATION_COLUMNS)),
        encode_line(cells[0]),  # 2
        stray[:14] + b"\xff" + stray[14:],  # 3
        encode_line(cells[2]),  # 4
        encode_line(short),  # 5
        encode_line(bad_date),  # 6
        encode_line(serial),  # 7
        encode_line(cells[0]),  # 8: exact duplicate of line 2
        b"\r\n",  # 9: blank line
    ]
    result = adapter.parse_files(
        [(f"挂号流水_{corpus.DAY:%Y%m%d}.csv", b"".join(lines))], institution_code="JA04", day=corpus.DAY
    )
    reasons = {q.source_position: q.reason for q in result.quarantined}
    assert reasons == {
        3: "GBK 解码失败",
        5: "列数不符: 期望 17 列, 实际 16 列",
        6: "日期无法解析: 挂号时间=2026/9/31 25:61:00",
    }
    rows = {row["source_position"]: row for row in result.rows["registrations"]}
    assert set(rows) == {2, 4, 7}  # the duplicate of line 2 within the file is dropped
    assert rows[4]["patient_name_masked"] == mask_name(versions[2].record["name"])
    assert rows[7]["registered_at"] == versions[5].record["registered_at"]
    assert rows[7]["record_version_at"] == versions[5].version_at


def test_unknown_file_and_missing_header_columns_are_quarantined():
    header = [c for c in writer.APPOINTMENT_COLUMNS if c != "就诊时间"]
    files = [("收费明细_20260905.csv", b"x"), ("预约记录_20260905.csv", encode_line(header))]
    result = adapter.parse_files(files, institution_code="JA04", day=corpus.DAY)
    assert [q.reason for q in result.quarantined] == [
        "未知的文件: 收费明细_20260905.csv",
        "表头缺少列: 就诊时间",
    ]
    assert result.rows == {}


def test_record_sent_twice_and_corrected_a_week_later_lands_every_version(tmp_path):
    record = corpus.appointment("JA04", index=5)
    original = corpus.version("appointments", record, corpus.local(9))
    resent = corpus.version("appointments", record, corpus.local(9), kind="duplicate")
    _, first = write_and_parse(tmp_path, [original, resent], defect_rate=0.0)
    # Landed once (an exact duplicate in one file is dropped) or twice (it differed in padding or
    # date style): either way every landed copy is the original version.
    assert landed_without_lineage(first) and all(
        r == expected_row(original) for r in landed_without_lineage(first)
    )

    later = corpus.DAY + dt.timedelta(days=7)
    fixed = dict(record, status="cancelled", cancelled_at=corpus.local(13, day=later))
    correction = corpus.version("appointments", fixed, corpus.local(14, day=later), kind="correction")
    _, second = write_and_parse(tmp_path, [correction], defect_rate=0.0, day=later)
    (row,) = second.rows["appointments"]
    assert row["appointment_id"] == record["appointment_id"]
    assert row["status_code"] == "已取消"
    assert row["cancelled_at"] == corpus.local(13, day=later)
    assert row["record_version_at"] == corpus.local(14, day=later)
    assert row["source_file"] == f"预约记录_{later:%Y%m%d}.csv"


def test_parsed_partition_writes_to_the_landing_schema(tmp_path):
    versions = corpus.mixed_versions("JA04", 10)
    _, result = write_and_parse(tmp_path, versions, defect_rate=0.5)
    counts = write_result(
        result, source="his_c", institution_code="JA04", day=corpus.DAY, schemas=HIS_ENTITIES
    )
    assert counts["appointments"] + counts["registrations"] == len(versions)
    frame = pl.read_parquet(
        partition_dir("landing", "his_c", "appointments", "JA04", corpus.DAY) / "data.parquet"
    )
    assert frame.schema == pl.Schema(HIS_ENTITIES["appointments"])
    assert frame["patient_key"].null_count() == 0
