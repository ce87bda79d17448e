"""Vendor D (paginated REST API): writer -> real server on loopback -> fetch_pages -> parse_files."""

from __future__ import annotations

import datetime as dt

import corpus_his as corpus
import httpx
import numpy as np
import orjson
import pytest

from pipelines.simulate.formats import rest_json as writer
from pipelines.simulate.his_d_server import HisDServer
from pipelines.sources import rest_json as adapter
from pipelines.sources.identity import patient_key

CODE = "JA05"


@pytest.fixture(autouse=True)
def _var(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))


def _write(root, versions, day=corpus.DAY, defect_rate=0.0, seed=1):
    delivery = corpus.delivery("his_d", versions, CODE, day=day)
    return writer.write_delivery(
        delivery, root=root, rng=np.random.default_rng(seed), defect_rate=defect_rate
    )


def _pull(root, day=corpus.DAY, page_size=500, repeat_rate=0.0):
    with (
        HisDServer(root, repeat_rate=repeat_rate) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        files = adapter.fetch_pages(client, institution_code=CODE, day=day, page_size=page_size)
    return files, adapter.parse_files(files, institution_code=CODE, day=day)


def _ids(result, entity):
    key = "appointment_id" if entity == "appointments" else "registration_id"
    return [row[key] for row in result.rows.get(entity, [])]


def test_round_trip_lands_every_version_with_its_values(tmp_path):
    versions = corpus.mixed_versions(CODE, 60)
    _write(tmp_path, versions)
    _, result = _pull(tmp_path, page_size=7)
    assert result.quarantined == []
    landed = {
        row.get("appointment_id") if "channel_code" in row else row["registration_id"]: row
        for rows in result.rows.values()
        for row in rows
    }
    assert len(landed) == len(versions)
    for version in versions:
        record = version.record
        if version.entity == "appointments":
            row = landed[record["appointment_id"]]
            assert row["channel_code"] == str(writer.CHANNEL[record["channel"]])
            assert (row["created_at"], row["slot_start_at"]) == (
                record["created_at"],
                record["slot_start_at"],
            )
            assert row["status_code"] == str(writer.APPOINTMENT_STATUS[record["status"]])
            assert row["cancelled_at"] == record["cancelled_at"]
        else:
            row = landed[record["registration_id"]]
            assert row["visit_type_code"] == str(writer.VISIT_TYPE[record["visit_type"]])
            assert (row["registered_at"], row["appointment_id"]) == (
                record["registered_at"],
                record["appointment_id"],
            )
            assert row["fee_yuan"] == record["fee_yuan"]
            assert row["status_code"] == ("1" if record["is_cancelled"] else "0")
        assert row["record_version_at"] == version.version_at
        assert row["patient_key"] == patient_key(record["id_number"])
        assert row["patient_gender_code"] == str(writer.GENDER[record["gender"]])
        assert row["patient_birth_date"] == record["birth_date"]
        assert row["department_name"] == record["department_name"]
        assert record["name"] not in str(row) and record["phone"] not in str(row)


def test_repeated_page_is_dropped_counted_and_nothing_is_lost(tmp_path):
    versions = corpus.mixed_versions(CODE, 80)
    _write(tmp_path, versions)
    files, result = _pull(tmp_path, page_size=9, repeat_rate=1.0)
    log = orjson.loads(dict(files)[adapter.FETCH_LOG])
    assert len(log["repeated_pages"]) == 2  # one per resource at this rate
    assert [q.reason.startswith("分页重复已丢弃") for q in result.quarantined] == [True, True]
    landed = _ids(result, "appointments") + _ids(result, "registrations")
    assert sorted(landed) == sorted(
        v.record.get("appointment_id") if v.entity == "appointments" else v.record["registration_id"]
        for v in versions
    )


def test_page_size_is_capped_by_the_server_and_every_record_still_arrives(tmp_path):
    versions = [
        corpus.version("appointments", corpus.appointment(CODE, i), corpus.local(9, i // 60, i % 60))
        for i in range(1200)
    ]
    _write(tmp_path, versions)
    with HisDServer(tmp_path, repeat_rate=0.0) as server, httpx.Client(base_url=server.base_url) as client:
        start, _ = adapter.day_bounds_ms(corpus.DAY)
        first = client.get(
            f"/api/v1/hospitals/{CODE}/appointments",
            params={"updated_since": start, "page": 1, "page_size": 2000},
        ).json()
        files = adapter.fetch_pages(client, institution_code=CODE, day=corpus.DAY, page_size=2000)
    assert (first["pageSize"], len(first["data"]), first["total"], first["hasMore"]) == (500, 500, 1200, True)
    assert [name for name, _ in files if name.startswith("appointments")] == [
        "appointments_p0001.json",
        "appointments_p0002.json",
        "appointments_p0003.json",
    ]
    result = adapter.parse_files(files, institution_code=CODE, day=corpus.DAY)
    assert len(set(_ids(result, "appointments"))) == 1200


def test_late_update_of_an_old_record_is_fetched_on_its_own_day(tmp_path):
    record = corpus.appointment(CODE, 3)
    _write(tmp_path, [corpus.version("appointments", record, corpus.local(9))])
    later = corpus.DAY + dt.timedelta(days=7)
    cancelled = {**record, "status": "cancelled", "cancelled_at": corpus.local(15, day=later)}
    _write(
        tmp_path,
        [corpus.version("appointments", cancelled, corpus.local(15, day=later), kind="update")],
        day=later,
    )
    _, first_day = _pull(tmp_path)
    _, week_later = _pull(tmp_path, day=later)
    assert [r["status_code"] for r in first_day.rows["appointments"]] == ["1"]
    [row] = week_later.rows["appointments"]
    assert (row["appointment_id"], row["status_code"]) == (record["appointment_id"], "2")
    assert row["cancelled_at"] == corpus.local(15, day=later)


def test_old_version_resent_later_is_fetched_with_the_delivery_day_and_keeps_its_version_time(tmp_path):
    record = corpus.appointment(CODE, 4)
    old = corpus.local(9, day=corpus.DAY - dt.timedelta(days=6))
    _write(tmp_path, [corpus.version("appointments", record, old, kind="duplicate")])
    _, result = _pull(tmp_path)
    [row] = result.rows["appointments"]
    assert (row["appointment_id"], row["record_version_at"]) == (record["appointment_id"], old)


def test_records_missing_required_fields_are_quarantined_at_their_position(tmp_path):
    versions = corpus.mixed_versions(CODE, 200)
    defects = _write(tmp_path, versions, defect_rate=0.2, seed=11)
    files, result = _pull(tmp_path, page_size=50)
    assert len(defects) > 10 and len(result.quarantined) == len(defects)
    pages = dict(files)
    for q in result.quarantined:
        record = orjson.loads(pages[q.source_file])["data"][q.source_position - 1]
        assert q.reason.startswith("缺少必填字段: ")
        assert q.reason.removeprefix("缺少必填字段: ").split(".")[0] not in record
    assert sum(len(rows) for rows in result.rows.values()) == len(versions)


def test_record_arriving_twice_and_a_correction_a_week_later(tmp_path):
    record = corpus.registration(CODE, 8)
    at = corpus.local(10)
    _write(
        tmp_path,
        [
            corpus.version("registrations", record, at),
            corpus.version("registrations", record, at, "duplicate"),
        ],
    )
    later = corpus.DAY + dt.timedelta(days=7)
    fixed = corpus.version(
        "registrations", {**record, "fee_yuan": 50.0}, corpus.local(9, day=later), "correction"
    )
    _write(tmp_path, [fixed], day=later)
    _, first_day = _pull(tmp_path)
    _, week_later = _pull(tmp_path, day=later)
    assert [r["fee_yuan"] for r in first_day.rows["registrations"]] == [record["fee_yuan"]] * 2
    assert [(r["fee_yuan"], r["record_version_at"]) for r in week_later.rows["registrations"]] == [
        (50.0, fixed.version_at)
    ]


def test_broken_page_and_non_object_records_are_quarantined(tmp_path):
    versions = corpus.mixed_versions(CODE, 4)
    _write(tmp_path, versions)
    files, _ = _pull(tmp_path)
    page = orjson.loads(dict(files)["appointments_p0001.json"])
    page["data"].insert(0, "not a record")
    files = [(n, orjson.dumps(page) if n == "appointments_p0001.json" else b) for n, b in files]
    files.append(("registrations_p0009.json", b'{"code":0,"data":[{"id"'))
    result = adapter.parse_files(files, institution_code=CODE, day=corpus.DAY)
    assert sorted((q.source_file, q.source_position, q.reason) for q in result.quarantined) == [
        ("appointments_p0001.json", 1, "记录不是 JSON 对象"),
        ("registrations_p0009.json", 0, "JSON 解析失败"),
    ]
    assert sum(len(rows) for rows in result.rows.values()) == 4
