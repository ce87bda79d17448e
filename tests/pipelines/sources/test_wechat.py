"""健康静安 WeChat feed: writer -> adapter round trips and a malformed-input corpus."""

from __future__ import annotations

import datetime as dt
import json

import corpus_wechat as corpus
import numpy as np
import pytest

from pipelines.simulate.delivery import RecordVersion
from pipelines.simulate.formats import wechat as writer
from pipelines.sources import wechat as adapter
from pipelines.sources.identity import patient_key


@pytest.fixture(autouse=True)
def _var(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))


def _feed(tmp_path, versions, day=corpus.DAY, defect_rate=0.0, seed=1):
    delivery = corpus.delivery(versions, day=day)
    defects = writer.write_delivery(
        delivery, root=tmp_path, rng=np.random.default_rng(seed), defect_rate=defect_rate
    )
    files = [(p.name, p.read_bytes()) for p in sorted((tmp_path / day.isoformat()).iterdir())]
    return files, defects


def _parse(files, day=corpus.DAY):
    return adapter.parse_files(files, institution_code=None, day=day)


def test_round_trip_lands_every_version_with_its_values(tmp_path):
    versions = corpus.mixed_versions(25)
    files, _ = _feed(tmp_path, versions)
    result = _parse(files)
    assert result.quarantined == []
    users = {row["user_id"]: row for row in result.rows["users"]}
    for version in (v for v in versions if v.entity == "wechat_users"):
        record, row = version.record, users[version.record["user_id"]]
        verified = record["verify_status"] == "verified"
        assert row["patient_key"] == (patient_key(record["id_number"]) if verified else None)
        assert row["patient_phone_masked"] == record["phone"][:3] + "****" + record["phone"][-4:]
        assert row["verify_status_code"] == writer.VERIFY_STATUS[record["verify_status"]]
        assert row["verify_method_code"] == writer.VERIFY_METHOD.get(record["verify_method"])
        assert row["patient_gender_code"] == (str(writer.GENDER[record["gender"]]) if verified else None)
        for field in ("registered_at", "verified_at", "manual_applied_at", "manual_decided_at"):
            assert row[field] == record[field]
        assert row["record_version_at"] == version.version_at
    opens = {row["event_id"]: row for row in result.rows["app_opens"]}
    visits = {row["event_id"]: row for row in result.rows["module_visits"]}
    for version in versions:
        record = version.record
        if version.entity == "wechat_app_opens":
            row = opens[record["event_id"]]
            assert (row["user_id"], row["opened_at"]) == (record["user_id"], record["opened_at"])
        elif version.entity == "wechat_module_visits":
            row = visits[record["event_id"]]
            assert (row["module_code"], row["visited_at"]) == (
                writer.MODULE[record["module"]],
                record["visited_at"],
            )
        else:
            continue
        assert row["record_version_at"] == version.version_at
    assert len(opens) == 50 and len(visits) == 25


def test_every_injected_defect_is_quarantined_at_its_line(tmp_path):
    versions = corpus.mixed_versions(200)
    files, defects = _feed(tmp_path, versions, defect_rate=0.15, seed=3)
    result = _parse(files)
    assert len(defects) > 30
    expected = {(d["detail"].split(":")[0], int(d["detail"].split(":")[1])) for d in defects}
    assert {(q.source_file, q.source_position) for q in result.quarantined} == expected
    assert sum(len(rows) for rows in result.rows.values()) == len(versions)
    assert {q.reason for q in result.quarantined} <= {
        "JSON 解析失败",
        "缺少 user_id",
        "缺少时间字段: opened_at",
    } | {f"时间格式错误: {f}" for f in ("registered_at", "opened_at", "visited_at")}


@pytest.mark.parametrize(
    ("file", "change", "reason"),
    [
        ("app_opens.jsonl", {"user_id": None}, "缺少 user_id"),
        ("app_opens.jsonl", {"opened_at": "2026-09-05 12:00:00"}, "时间缺少时区: opened_at"),
        ("module_visits.jsonl", {"visited_at": "2026-02-30T12:00:00+08:00"}, "时间格式错误: visited_at"),
        ("module_visits.jsonl", {"module": ""}, "缺少 module"),
        ("users.jsonl", {"registered_at": 1757044800000}, "时间格式错误: registered_at"),
    ],
)
def test_malformed_line_is_quarantined_and_the_rest_loaded(tmp_path, file, change, reason):
    files, _ = _feed(tmp_path, corpus.mixed_versions(4))
    body = dict(files)[file]
    first = json.loads(body.splitlines()[0])
    files = [(n, b + json.dumps({**first, **change}).encode() + b"\n" if n == file else b) for n, b in files]
    result = _parse(files)
    assert [(q.source_file, q.source_position, q.reason) for q in result.quarantined] == [
        (file, body.count(b"\n") + 1, reason)
    ]
    assert sum(len(rows) for rows in result.rows.values()) == 16


def test_user_arriving_twice_and_corrected_a_week_later(tmp_path):
    record = corpus.user(7, "verified")
    at = corpus.local(7)
    twice = [
        RecordVersion("wechat_users", record, at),
        RecordVersion("wechat_users", record, at, "duplicate"),
    ]
    files, _ = _feed(tmp_path, twice)
    assert [r["record_version_at"] for r in _parse(files).rows["users"]] == [at, at]
    later = corpus.DAY + dt.timedelta(days=7)
    fixed_at = corpus.local(9, day=later)
    fixed = RecordVersion("wechat_users", {**record, "phone": "13900001111"}, fixed_at, "correction")
    files, _ = _feed(tmp_path, [fixed], day=later)
    [row] = _parse(files, day=later).rows["users"]
    assert (row["patient_phone_masked"], row["record_version_at"]) == ("139****1111", fixed_at)
    assert row["patient_key"] == patient_key(record["id_number"])


def test_unverified_user_has_no_patient_key_even_if_an_id_is_sent(tmp_path):
    files, _ = _feed(tmp_path, corpus.mixed_versions(1))
    line = json.loads(dict(files)["users.jsonl"].splitlines()[0])
    line.update(verify_status="PENDING", id_card="310106199001010217", name="张三")
    [row] = _parse([("users.jsonl", json.dumps(line).encode())]).rows["users"]
    assert (row["patient_key"], row["patient_id_number_masked"], row["patient_name_masked"]) == (
        None,
        None,
        None,
    )
