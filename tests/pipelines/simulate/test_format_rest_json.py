"""The vendor-D writer (change feed) and the mock API server that serves it."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import httpx
import numpy as np
import pytest

# The HIS delivery factories are shared with the adapter tests in tests/pipelines/sources.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
import corpus_his as corpus

from pipelines.simulate.formats import rest_json as writer
from pipelines.simulate.his_d_server import HisDServer, page_plan
from warehouse.paths import REPO_ROOT

CODE = "JA05"


@pytest.fixture(autouse=True)
def _var(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))


def _write(root, count=20, defect_rate=0.0, seed=2):
    delivery = corpus.delivery("his_d", corpus.mixed_versions(CODE, count), CODE)
    return writer.write_delivery(
        delivery, root=root, rng=np.random.default_rng(seed), defect_rate=defect_rate
    )


def _feed(root) -> list[dict]:
    return [
        json.loads(line)
        for line in (root / CODE / f"{corpus.DAY.isoformat()}.jsonl").read_text().splitlines()
    ]


def test_feed_holds_one_camel_case_change_per_version(tmp_path):
    _write(tmp_path, count=10)
    changes = _feed(tmp_path)
    assert len(changes) == 10
    appointment = next(c["record"] for c in changes if c["resource"] == "appointments")
    assert set(appointment["patient"]) == {"name", "idCard", "mobile", "gender", "birthday"}
    assert isinstance(appointment["createTime"], int) and appointment["createTime"] > 1_700_000_000_000
    assert appointment["updateTime"] == appointment["versionTime"] == writer.epoch_ms(corpus.local(10, 1, 1))


def test_update_time_falls_on_the_delivery_day_whatever_the_version_time():
    start = writer.epoch_ms(corpus.local(0))
    assert writer.update_time_ms(corpus.local(9, day=corpus.DAY.replace(day=1)), corpus.DAY) == start
    assert writer.update_time_ms(corpus.local(9), corpus.DAY) == writer.epoch_ms(corpus.local(9))


def test_codes_are_those_of_the_code_map():
    with open(REPO_ROOT / "dbt" / "seeds" / "code_map.csv", encoding="utf-8") as handle:
        mapped = {
            (r["field"], r["source_code"]): r["canonical_value"]
            for r in csv.DictReader(handle)
            if r["source"] == "his_d"
        }
    tables = (
        ("gender", writer.GENDER),
        ("channel", writer.CHANNEL),
        ("visit_type", writer.VISIT_TYPE),
        ("appointment_status", writer.APPOINTMENT_STATUS),
    )
    for field, table in tables:
        for canonical, code in table.items():
            assert mapped[(field, str(code))] == canonical
    assert mapped[("registration_status", "1")] == "cancelled" and writer.REGISTRATION_STATUS[True] == 1


def test_defective_copies_lack_one_required_field_and_are_deterministic(tmp_path):
    defects = _write(tmp_path / "a", count=100, defect_rate=0.3, seed=6)
    assert defects == _write(tmp_path / "b", count=100, defect_rate=0.3, seed=6)
    changes = _feed(tmp_path / "a")
    assert len(changes) == 100 + len(defects)
    incomplete = [c for c in changes if not set(writer.REQUIRED_DROPPABLE[c["resource"]]) <= set(c["record"])]
    assert len(incomplete) == len(defects)
    assert [d["detail"].split()[3] for d in defects] == [
        next(f for f in writer.REQUIRED_DROPPABLE[c["resource"]] if f not in c["record"]) for c in incomplete
    ]


def test_server_orders_by_update_time_and_id_from_an_inclusive_cursor(tmp_path):
    _write(tmp_path, count=30)
    with HisDServer(tmp_path, repeat_rate=0.0) as server, httpx.Client(base_url=server.base_url) as client:
        everything = client.get(f"/api/v1/hospitals/{CODE}/registrations", params={"page_size": 100}).json()
        keys = [(r["updateTime"], r["id"]) for r in everything["data"]]
        assert keys == sorted(keys) and everything["total"] == 15 and everything["hasMore"] is False
        since = keys[5][0]
        tail = client.get(f"/api/v1/hospitals/{CODE}/registrations", params={"updated_since": since}).json()
        assert [(r["updateTime"], r["id"]) for r in tail["data"]] == keys[5:]
        assert client.get("/api/v1/hospitals/JA99/registrations").status_code == 404
        assert client.get(f"/api/v1/hospitals/{CODE}/registrations", params={"page": "0"}).status_code == 400


def test_repeated_page_serves_the_previous_content_and_shifts_the_rest(tmp_path):
    _write(tmp_path, count=60)
    with HisDServer(tmp_path, repeat_rate=1.0) as server, httpx.Client(base_url=server.base_url) as client:
        pages, page = [], 1
        while True:
            body = client.get(
                f"/api/v1/hospitals/{CODE}/appointments", params={"page": page, "page_size": 4}
            ).json()
            pages.append([r["id"] for r in body["data"]])
            if not body["hasMore"]:
                break
            page += 1
    repeats = [n for n in range(1, len(pages)) if pages[n] == pages[n - 1]]
    assert len(repeats) == 1
    assert sorted(i for p in pages[: repeats[0]] + pages[repeats[0] + 1 :] for i in p) == sorted(
        c["record"]["id"] for c in _feed(tmp_path) if c["resource"] == "appointments"
    )


def test_page_plan_is_deterministic_and_spares_single_page_answers():
    assert page_plan("JA05|appointments|0|500", 1, 1.0) is None
    assert page_plan("q", 5, 1.0) == page_plan("q", 5, 1.0)
    assert 1 <= page_plan("q", 5, 1.0) <= 4
    assert page_plan("q", 5, 0.0) is None
