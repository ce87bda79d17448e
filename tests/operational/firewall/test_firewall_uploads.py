"""Upload checks by content, and uploads through the firewall's multipart handling."""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from operational.firewall import check_upload, safe_upload_path
from operational.firewall.uploads import UploadRejected, UploadTooLarge

ALL = {"pdf", "png", "jpeg", "xlsx", "csv", "text", "dicom"}
MB = 1_048_576


def make_png(width: int = 2, height: int = 2) -> bytes:
    """A real, decodable PNG (8-bit greyscale)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def make_dicom() -> bytes:
    """A Part 10 file: 128-byte preamble, ``DICM``, a group-2 length element (PS3.10 §7.1)."""
    element = b"\x02\x00\x00\x00UL\x04\x00" + struct.pack("<I", 0)
    return b"\x00" * 128 + b"DICM" + element


def make_elf() -> bytes:
    """The start of a 64-bit little-endian ELF executable."""
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + b"\x02\x00\x3e\x00" + b"\x00" * 100


def make_xlsx() -> bytes:
    """A minimal workbook package (the parts a sniffer looks for)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def test_real_png_is_accepted() -> None:
    assert check_upload("胸片.png", make_png(), allowed_types=ALL, max_bytes=MB).kind == "png"


def test_dicom_is_accepted_without_extension() -> None:
    assert (
        check_upload("IM000001", make_dicom(), allowed_types={"dicom"}, max_bytes=MB).mime
        == "application/dicom"
    )


def test_xlsx_is_accepted() -> None:
    assert check_upload("统计.xlsx", make_xlsx(), allowed_types=ALL, max_bytes=MB).kind == "xlsx"


def test_gbk_csv_is_accepted() -> None:
    data = "姓名,体检日期\n张三,2025-06-01\n".encode("gbk")
    assert check_upload("名单.csv", data, allowed_types=ALL, max_bytes=MB).kind == "csv"


def test_pdf_from_a_stream_is_accepted_and_rewound() -> None:
    stream = io.BytesIO(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n")
    stream.seek(0)
    assert check_upload("报告.pdf", stream, allowed_types=ALL, max_bytes=MB).kind == "pdf"
    assert stream.tell() == 0


def test_elf_renamed_jpg_is_refused() -> None:
    with pytest.raises(UploadRejected, match="可执行文件"):
        check_upload("photo.jpg", make_elf(), allowed_types=ALL, max_bytes=MB)


def test_windows_executable_renamed_pdf_is_refused() -> None:
    with pytest.raises(UploadRejected):
        check_upload("report.pdf", b"MZ\x90\x00" + b"\x00" * 200, allowed_types=ALL, max_bytes=MB)


def test_shebang_script_named_txt_is_refused() -> None:
    with pytest.raises(UploadRejected):
        check_upload("notes.txt", b"#!/bin/sh\nrm -rf /\n", allowed_types=ALL, max_bytes=MB)


def test_php_hidden_in_text_is_refused() -> None:
    with pytest.raises(UploadRejected, match="脚本"):
        check_upload("data.csv", b"a,b\n<?php system($_GET['c']); ?>\n", allowed_types=ALL, max_bytes=MB)


def test_svg_with_script_is_refused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(UploadRejected):
        check_upload("logo.png", svg, allowed_types=ALL, max_bytes=MB)


def test_double_extension_is_refused() -> None:
    with pytest.raises(UploadRejected, match="扩展名"):
        check_upload("shell.php.png", make_png(), allowed_types=ALL, max_bytes=MB)


def test_extension_disagreeing_with_content_is_refused() -> None:
    with pytest.raises(UploadRejected, match="不符"):
        check_upload("scan.jpg", make_png(), allowed_types=ALL, max_bytes=MB)


def test_type_not_allowed_here_is_refused() -> None:
    with pytest.raises(UploadRejected, match="不接受"):
        check_upload("scan.png", make_png(), allowed_types={"dicom"}, max_bytes=MB)


def test_oversize_upload_is_refused() -> None:
    with pytest.raises(UploadTooLarge):
        check_upload("big.png", make_png() + b"\x00" * 2048, allowed_types=ALL, max_bytes=1024)


def test_oversize_stream_is_refused() -> None:
    with pytest.raises(UploadTooLarge):
        check_upload(
            "big.dcm", io.BytesIO(make_dicom() + b"\x00" * (2 * MB)), allowed_types=ALL, max_bytes=MB
        )


def test_pdf_with_javascript_is_refused() -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj\n"
    with pytest.raises(UploadRejected, match="PDF"):
        check_upload("report.pdf", pdf, allowed_types=ALL, max_bytes=MB)


def test_zip_holding_an_executable_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/run.exe", "MZ")
    with pytest.raises(UploadRejected, match="压缩包"):
        check_upload("book.xlsx", buffer.getvalue(), allowed_types=ALL, max_bytes=MB)


def test_safe_upload_path_uses_a_random_name_inside_root(tmp_path: Path) -> None:
    path = safe_upload_path(tmp_path / "uploads", "../../etc/passwd.png")
    assert path.is_relative_to((tmp_path / "uploads").resolve())
    assert "passwd" not in path.name
    assert path.suffix == ".png"


def test_safe_upload_path_drops_unknown_extensions(tmp_path: Path) -> None:
    assert safe_upload_path(tmp_path, "x.php").suffix == ".bin"


def test_safe_upload_directory_is_owner_only(tmp_path: Path) -> None:
    path = safe_upload_path(tmp_path / "uploads", "a.pdf")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_png_upload_through_the_firewall_passes(client: TestClient) -> None:
    response = client.post("/api/v1/uploads", files={"file": ("胸片.png", make_png(), "image/png")})
    assert response.status_code == 200
    assert response.json() == {"files": ["胸片.png"]}


def test_elf_upload_through_the_firewall_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/uploads", files={"file": ("photo.jpg", make_elf(), "image/jpeg")})
    assert response.status_code == 415
    assert response.json()["code"] == "upload_rejected"


def test_file_upload_to_an_endpoint_without_uploads_is_refused(client: TestClient) -> None:
    response = client.post("/api/v1/forms", files={"file": ("胸片.png", make_png(), "image/png")})
    assert response.status_code == 403
    assert response.json()["code"] == "upload_not_allowed"


def test_multipart_field_values_are_inspected(client: TestClient) -> None:
    response = client.post(
        "/api/v1/uploads",
        data={"remark": "' UNION SELECT password FROM users--"},
        files={"file": ("胸片.png", make_png(), "image/png")},
    )
    assert response.status_code == 403


def test_file_contents_are_not_scanned_as_text(client: TestClient) -> None:
    content = '姓名,备注\n张三,"\' or 1=1 -- 这是一段引用"\n'.encode()
    response = client.post("/api/v1/uploads", files={"file": ("名单.csv", content, "text/csv")})
    assert response.status_code == 200
