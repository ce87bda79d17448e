"""The vendor-B writer: Bulk Data manifest, NDJSON files, cross-file references, codes, defects."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
import pytest

# The HIS delivery factories are shared with the adapter tests in tests/pipelines/sources.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources"))
import corpus_his as corpus

from pipelines.simulate.formats import fhir as writer
from warehouse.paths import REPO_ROOT

CODE = "JA02"


@pytest.fixture(autouse=True)
def _var(tmp_path, monkeypatch):
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))


def _write(tmp_path, count=30, defect_rate=0.0, seed=3):
    delivery = corpus.delivery("his_b", corpus.mixed_versions(CODE, count), CODE)
    defects = writer.write_delivery(
        delivery, root=tmp_path, rng=np.random.default_rng(seed), defect_rate=defect_rate
    )
    return tmp_path / CODE / corpus.DAY.isoformat(), defects


def _resources(folder: Path, rtype: str) -> list[dict]:
    return [json.loads(line) for line in (folder / f"{rtype}.ndjson").read_text().splitlines()]


def test_manifest_follows_the_bulk_data_ig(tmp_path):
    folder, _ = _write(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["transactionTime"] == f"{corpus.DAY.isoformat()}T23:59:59+08:00"
    assert manifest["requiresAccessToken"] is True and "$export" in manifest["request"]
    for output in manifest["output"]:
        name = output["url"].rsplit("/", 1)[1]
        assert name == f"{output['type']}.ndjson"
        assert output["count"] == len((folder / name).read_text().splitlines())


def test_every_referenced_patient_is_in_the_days_patient_file(tmp_path):
    folder, _ = _write(tmp_path)
    patients = {p["id"] for p in _resources(folder, "Patient")}
    references = [a["participant"][0]["actor"]["reference"] for a in _resources(folder, "Appointment")]
    references += [e["subject"]["reference"] for e in _resources(folder, "Encounter")]
    assert references and {ref.removeprefix("Patient/") for ref in references} <= patients
    for patient in _resources(folder, "Patient"):
        assert patient["identifier"][0]["system"] == "urn:oid:2.16.156.10011.1.3"
        assert patient["gender"] in ("male", "female")


def test_times_carry_the_shanghai_offset(tmp_path):
    folder, _ = _write(tmp_path)
    appointment = _resources(folder, "Appointment")[0]
    for value in (
        appointment["start"],
        appointment["end"],
        appointment["created"],
        appointment["meta"]["lastUpdated"],
    ):
        assert value.endswith("+08:00")


def test_codes_are_those_of_the_code_map():
    with open(REPO_ROOT / "dbt" / "seeds" / "code_map.csv", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["source"] == "his_b"]
    mapped = {(r["field"], r["source_code"]): r["canonical_value"] for r in rows}
    for field, table in (
        ("gender", writer.GENDER),
        ("channel", writer.CHANNEL),
        ("visit_type", writer.VISIT_TYPE),
        ("appointment_status", writer.APPOINTMENT_STATUS),
    ):
        for canonical, code in table.items():
            assert mapped[(field, code)] == canonical


def test_same_seed_writes_the_same_bytes(tmp_path):
    first, defects_a = _write(tmp_path / "a", defect_rate=0.3, seed=9)
    second, defects_b = _write(tmp_path / "b", defect_rate=0.3, seed=9)
    assert defects_a == defects_b
    for name in ("Patient.ndjson", "Appointment.ndjson", "Encounter.ndjson"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_defects_are_added_beside_intact_versions_and_point_at_their_line(tmp_path):
    clean, _ = _write(tmp_path / "clean", count=200)
    dirty, defects = _write(tmp_path / "dirty", count=200, defect_rate=0.25, seed=4)
    assert defects and {d["kind"] for d in defects} == {"malformed"}
    for rtype in ("Appointment", "Encounter"):
        clean_lines = (clean / f"{rtype}.ndjson").read_text().splitlines()
        dirty_lines = (dirty / f"{rtype}.ndjson").read_text().splitlines()
        flagged = {int(d["detail"].split(":")[1]) for d in defects if d["detail"].startswith(rtype)}
        assert [line for n, line in enumerate(dirty_lines, 1) if n not in flagged] == clean_lines
