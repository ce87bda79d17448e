"""The 健康静安 WeChat feed writer: layout, ISO +08:00 times, codes, identity only once verified, defects."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest

# The delivery factories are shared with the adapter tests in tests/pipelines/sources.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
import corpus_wechat as corpus

from pipelines.simulate.formats import wechat as writer
from warehouse.paths import REPO_ROOT


@pytest.fixture(autouse=True)
def _var(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))


def _write(root, count=10, defect_rate=0.0, seed=2):
    delivery = corpus.delivery(corpus.mixed_versions(count))
    defects = writer.write_delivery(
        delivery, root=root, rng=np.random.default_rng(seed), defect_rate=defect_rate
    )
    return root / corpus.DAY.isoformat(), defects


def _lines(folder: Path, name: str) -> list[str]:
    return (folder / name).read_text(encoding="utf-8").splitlines()


def test_one_file_per_stream_with_offset_times(tmp_path):
    folder, _ = _write(tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == [
        "app_opens.jsonl",
        "module_visits.jsonl",
        "users.jsonl",
    ]
    users = [json.loads(line) for line in _lines(folder, "users.jsonl")]
    assert len(users) == 10 and all(u["registered_at"].endswith("+08:00") for u in users)
    opens = [json.loads(line) for line in _lines(folder, "app_opens.jsonl")]
    assert len(opens) == 20 and opens[0]["opened_at"] == "2026-09-05T12:00:01+08:00"


def test_identity_fields_only_once_verified(tmp_path):
    folder, _ = _write(tmp_path)
    for user in map(json.loads, _lines(folder, "users.jsonl")):
        verified = user["verify_status"] == "VERIFIED"
        assert (user["id_card"] is not None) == verified and (user["gender"] in (1, 2)) == verified
        assert user["phone"]


def test_codes_are_those_of_the_code_map():
    with open(REPO_ROOT / "dbt" / "seeds" / "code_map.csv", encoding="utf-8") as handle:
        mapped = {
            (r["field"], r["source_code"]): r["canonical_value"]
            for r in csv.DictReader(handle)
            if r["source"] == "wechat"
        }
    for field, table in (
        ("gender", writer.GENDER),
        ("verify_status", writer.VERIFY_STATUS),
        ("verify_method", writer.VERIFY_METHOD),
        ("module", writer.MODULE),
    ):
        for canonical, code in table.items():
            assert mapped[(field, str(code))] == canonical


def test_defects_are_added_beside_intact_lines_deterministically(tmp_path):
    clean, _ = _write(tmp_path / "clean", count=150)
    dirty, defects = _write(tmp_path / "dirty", count=150, defect_rate=0.2, seed=8)
    assert defects == _write(tmp_path / "again", count=150, defect_rate=0.2, seed=8)[1]
    assert {d["kind"] for d in defects} == {"malformed"} and {d["institution_code"] for d in defects} == {
        None
    }
    for name in ("users.jsonl", "app_opens.jsonl", "module_visits.jsonl"):
        flagged = {int(d["detail"].split(":")[1]) for d in defects if d["detail"].startswith(name)}
        kept = [line for n, line in enumerate(_lines(dirty, name), 1) if n not in flagged]
        assert flagged and kept == _lines(clean, name)
