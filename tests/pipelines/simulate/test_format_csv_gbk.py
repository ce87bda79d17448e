"""Vendor C writer: daily GBK CSV extracts with Chinese headers, Excel-style dates and padding."""

from __future__ import annotations

import datetime as dt

import numpy as np

from pipelines.simulate.formats import csv_gbk as writer
from pipelines.simulate.formats.csv_gbk_cells import excel_date, excel_time
from tests.pipelines.sources import corpus_his as corpus

APPOINTMENTS_FILE = "预约记录_20260905.csv"
REGISTRATIONS_FILE = "挂号流水_20260905.csv"


def write(tmp_path, versions, *, defect_rate=0.0, seed=1):
    delivery = corpus.delivery("his_c", versions, institution_code="JA04")
    defects = writer.write_delivery(
        delivery, root=tmp_path, rng=np.random.default_rng(seed), defect_rate=defect_rate
    )
    folder = tmp_path / "JA04" / corpus.DAY.isoformat()
    return defects, {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_two_gbk_extracts_with_chinese_headers_and_crlf(tmp_path):
    versions = corpus.mixed_versions("JA04", 10)
    _, files = write(tmp_path, versions)
    assert set(files) == {APPOINTMENTS_FILE, REGISTRATIONS_FILE}
    appointments = files[APPOINTMENTS_FILE].decode("gbk").split("\r\n")
    assert appointments[0].split(",") == list(writer.APPOINTMENT_COLUMNS)
    assert len(writer.APPOINTMENT_COLUMNS) == 16 and len(writer.REGISTRATION_COLUMNS) == 17
    assert len([line for line in appointments[1:] if line]) == 5
    assert "挂号流水号".encode("gbk") in files[REGISTRATIONS_FILE]
    assert "挂号流水号".encode() not in files[REGISTRATIONS_FILE]


def test_codes_are_those_of_the_code_map(tmp_path):
    versions = corpus.mixed_versions("JA04", 30)
    _, files = write(tmp_path, versions)
    rows = [line.split(",") for line in files[REGISTRATIONS_FILE].decode("gbk").split("\r\n")[1:] if line]
    assert {row[11] for row in rows} == {"普通", "专家", "急诊"}
    assert {row[14] for row in rows} == {"正常", "退号"}
    statuses = [
        line.split(",")[13] for line in files[APPOINTMENTS_FILE].decode("gbk").split("\r\n")[1:] if line
    ]
    assert set(statuses) == {"已预约", "已取消"}


def test_excel_styles_of_dates():
    moment = dt.datetime(2026, 9, 5, 0, 3)  # 08:03 in Shanghai
    assert excel_time(moment, serial=False) == "2026/9/5 8:03:00"
    serial = float(excel_time(moment, serial=True))
    assert abs(serial - (46270 + (8 * 60 + 3) / 1440)) < 1e-9
    assert excel_date(dt.date(1990, 1, 1), serial=False) == "1990/1/1"
    assert excel_date(dt.date(1990, 1, 1), serial=True) == "32874"


def test_some_cells_are_padded_and_some_rows_use_serial_dates(tmp_path):
    versions = corpus.mixed_versions("JA04", 200)
    _, files = write(tmp_path, versions, seed=4)
    text = files[REGISTRATIONS_FILE].decode("gbk")
    assert " ," in text  # trailing blanks of CHAR(n) columns
    assert any(line.split(",")[-1].replace(".", "").isdigit() for line in text.split("\r\n")[1:] if line)


def test_defects_are_additional_lines_reported_with_their_line_number(tmp_path):
    versions = corpus.mixed_versions("JA04", 40)
    defects, files = write(tmp_path, versions, defect_rate=1.0, seed=2)
    assert len(defects) == len(versions)
    assert {d["kind"] for d in defects} == {"malformed", "bad_encoding"}
    for defect in defects:
        name, line = defect["detail"].split(":")[0].split("#")
        raw = files[name].split(b"\r\n")[int(line) - 1]
        if defect["kind"] == "bad_encoding":
            assert _not_gbk(raw)
        else:
            assert not _not_gbk(raw)
    lines = sum(data.count(b"\r\n") for data in files.values())
    assert lines == 2 + 2 * len(versions)


def test_same_seed_same_bytes(tmp_path):
    versions = corpus.mixed_versions("JA04", 30)
    assert (
        write(tmp_path / "a", versions, defect_rate=0.3)[1]
        == write(tmp_path / "b", versions, defect_rate=0.3)[1]
    )


def _not_gbk(raw: bytes) -> bool:
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return True
    return False
