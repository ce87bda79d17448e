"""Vendor A writer: HL7 v2.5 ER7 batch files as the hospital's interface engine sends them."""

from __future__ import annotations

import numpy as np

from pipelines.simulate.formats import hl7 as writer
from tests.pipelines.sources import corpus_his as corpus


def write(tmp_path, versions, *, defect_rate=0.0, seed=1):
    delivery = corpus.delivery("his_a", versions)
    defects = writer.write_delivery(
        delivery, root=tmp_path, rng=np.random.default_rng(seed), defect_rate=defect_rate
    )
    folder = tmp_path / "JA01" / corpus.DAY.isoformat()
    return defects, {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def segments(data: bytes) -> list[str]:
    return data.decode("utf-8").rstrip("\r").split("\r")


def test_batch_file_is_enveloped_and_counts_its_messages(tmp_path):
    _, files = write(tmp_path, corpus.mixed_versions("JA01", 9))
    assert list(files) == ["batch_1.hl7"]
    lines = segments(files["batch_1.hl7"])
    assert lines[0].startswith("FHS|^~\\&|HIS_A|JA01|") and lines[0].endswith("|batch_1.hl7")
    assert lines[1].startswith("BHS|^~\\&|HIS_A|JA01|")
    headers = [line for line in lines if line.startswith("MSH|")]
    assert len(headers) == 9
    assert lines[-2:] == ["BTS|9", "FTS|1"]
    assert all(h.split("|")[11] == "2.5" and h.endswith("|CHN|UNICODE UTF-8") for h in headers)
    assert b"\n" not in files["batch_1.hl7"]


def test_trigger_events_follow_the_record_status(tmp_path):
    versions = corpus.mixed_versions("JA01", 30)
    _, files = write(tmp_path, versions)
    types = [line.split("|")[8] for line in segments(files["batch_1.hl7"]) if line.startswith("MSH|")]
    expected = {
        "ADT^A04^ADT_A01": sum(
            v.entity == "registrations" and not v.record["is_cancelled"] for v in versions
        ),
        "ADT^A11^ADT_A09": sum(v.entity == "registrations" and v.record["is_cancelled"] for v in versions),
        "SIU^S12^SIU_S12": sum(
            v.entity == "appointments" and v.record["status"] == "booked" for v in versions
        ),
        "SIU^S15^SIU_S12": sum(
            v.entity == "appointments" and v.record["status"] == "cancelled" for v in versions
        ),
    }
    assert {t: types.count(t) for t in expected} == expected
    assert all(count > 0 for count in expected.values())


def test_delimiters_inside_data_are_escaped(tmp_path):
    record = corpus.registration(index=0)  # department 妇产科&计划生育
    _, files = write(tmp_path, [corpus.version("registrations", record, corpus.local(9))])
    (pv1,) = [line for line in segments(files["batch_1.hl7"]) if line.startswith("PV1|")]
    assert "妇产科\\T\\计划生育" in pv1
    assert writer.esc("急诊科|抢救室^~\\") == "急诊科\\F\\抢救室\\S\\\\R\\\\E\\"


def test_messages_are_shuffled_and_the_output_is_deterministic(tmp_path):
    versions = corpus.mixed_versions("JA01", 40)
    _, first = write(tmp_path / "a", versions, seed=3)
    _, again = write(tmp_path / "b", versions, seed=3)
    assert first == again
    times = [line.split("|")[6] for line in segments(first["batch_1.hl7"]) if line.startswith("MSH|")]
    assert times != sorted(times)
    assert sorted(times) == sorted(writer.hl7_time(v.version_at) for v in versions)


def test_defects_are_added_next_to_intact_copies_and_reported_with_their_position(tmp_path):
    versions = corpus.mixed_versions("JA01", 20)
    defects, files = write(tmp_path, versions, defect_rate=1.0)
    assert len(defects) == len(versions)
    messages = files["batch_1.hl7"].count(b"\rMSH|")
    assert messages == 2 * len(versions)
    assert all(d["source"] == "his_a" and d["institution_code"] == "JA01" for d in defects)
    assert all(d["detail"].startswith("batch_1.hl7#") for d in defects)
    assert {d["kind"] for d in defects} == {"malformed", "bad_encoding"}
    with_bad_bytes = [d for d in defects if d["kind"] == "bad_encoding"]
    assert with_bad_bytes and not _decodes(files["batch_1.hl7"])


def test_an_empty_day_still_sends_an_empty_batch(tmp_path):
    defects, files = write(tmp_path, [])
    assert defects == []
    assert segments(files["batch_1.hl7"])[-2:] == ["BTS|0", "FTS|1"]


def _decodes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
