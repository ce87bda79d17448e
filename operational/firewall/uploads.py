"""Upload checks: the type is decided by content (magic numbers), never by the name or the client.

``check_upload`` refuses executables of any platform, scripts, active HTML/SVG, server pages,
double extensions and names that disagree with the content; ``safe_upload_path`` gives the stored
file a random name under a root that is never served directly (files go out through the API).
"""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import puremagic

from operational.common.errors import DomainError

_HEAD = 65_536
_CHUNK = 1_048_576


class UploadRejected(DomainError):
    """The uploaded file is not of an accepted type (or is dangerous)."""

    status_code = 415
    code = "upload_rejected"
    default_message = "上传的文件类型不被允许"


class UploadTooLarge(DomainError):
    """The uploaded file is bigger than allowed."""

    status_code = 413
    code = "upload_too_large"
    default_message = "上传的文件超过允许的大小"


@dataclass(frozen=True)
class DetectedType:
    """What an upload really is: a short kind name, its MIME type and canonical extension."""

    kind: str
    mime: str
    extension: str


TYPES = {
    "dicom": DetectedType("dicom", "application/dicom", ".dcm"),
    "pdf": DetectedType("pdf", "application/pdf", ".pdf"),
    "png": DetectedType("png", "image/png", ".png"),
    "jpeg": DetectedType("jpeg", "image/jpeg", ".jpg"),
    "zip": DetectedType("zip", "application/zip", ".zip"),
    "xlsx": DetectedType(
        "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
    ),
    "csv": DetectedType("csv", "text/csv", ".csv"),
    "text": DetectedType("text", "text/plain", ".txt"),
}
# Extensions a name may carry for each kind (a DICOM file often has none).
_EXTENSIONS = {
    "dicom": {".dcm", ".dicom", ""},
    "pdf": {".pdf"},
    "png": {".png"},
    "jpeg": {".jpg", ".jpeg", ".jpe"},
    "zip": {".zip"},
    "xlsx": {".xlsx"},
    "csv": {".csv"},
    "text": {".txt", ".text", ".log", ""},
}
_DANGEROUS_EXTENSIONS = {
    "exe", "dll", "com", "scr", "msi", "bat", "cmd", "ps1", "vbs", "vbe", "js", "jse", "wsf", "hta",
    "sh", "bash", "py", "pl", "rb", "cgi", "php", "php3", "php4", "php5", "php7", "phtml", "phar",
    "jsp", "jspx", "asp", "aspx", "ashx", "asmx", "cer", "war", "jar", "class", "so", "dylib", "elf",
    "bin", "html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "swf", "lnk", "reg", "htaccess",
}  # fmt: skip
# Inside archives XML and markup are normal (an .xlsx is XML parts); executables and scripts are not.
_ARCHIVE_FORBIDDEN = _DANGEROUS_EXTENSIONS - {"xml", "html", "htm", "xhtml", "svg", "bin"}
_EXECUTABLE_MAGIC = (
    (b"\x7fELF", "ELF 可执行文件"),
    (b"MZ", "Windows 可执行文件"),
    (b"\xfe\xed\xfa\xce", "Mach-O 可执行文件"),
    (b"\xfe\xed\xfa\xcf", "Mach-O 可执行文件"),
    (b"\xce\xfa\xed\xfe", "Mach-O 可执行文件"),
    (b"\xcf\xfa\xed\xfe", "Mach-O 可执行文件"),
    (b"\xca\xfe\xba\xbe", "Mach-O/Java 可执行文件"),
    (b"#!", "脚本文件"),
    (b"\x00asm", "WebAssembly 模块"),
)
_ACTIVE_CONTENT = re.compile(
    rb"<\?php|<\?=|<%[@=!]?|<jsp:|<script\b|<svg\b|<html\b|<!doctype\s+html|<iframe\b|<object\b|"
    rb"<embed\b|\bon[a-z]+\s*=\s*[\"']|javascript\s*:",
    re.IGNORECASE,
)
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFile|RichMedia)\b")


def _read(head_bytes_or_stream: bytes | BinaryIO, max_bytes: int) -> tuple[bytes, int]:
    """The first ``_HEAD`` bytes (or all, up to ``max_bytes + 1``, for small files) and the size."""
    if isinstance(head_bytes_or_stream, (bytes, bytearray, memoryview)):
        data = bytes(head_bytes_or_stream)
        return data, len(data)
    stream = head_bytes_or_stream
    start = stream.tell() if stream.seekable() else None
    head = bytearray()
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if len(head) < 4 * _CHUNK:
            head += chunk[: 4 * _CHUNK - len(head)]
        if size > max_bytes:
            break
    if start is not None:
        stream.seek(start)
    return bytes(head), size


def _sniff(data: bytes) -> str | None:
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "dicom"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return "xlsx" if b"[Content_Types].xml" in data[:_HEAD] and b"xl/" in data[:_HEAD] else "zip"
    return _sniff_text(data)


def _sniff_text(data: bytes) -> str | None:
    if b"\x00" in data[:_HEAD]:
        return None
    sample = data[:_HEAD]
    for encoding in ("utf-8-sig", "gbk"):
        for cut in range(4):  # a multi-byte character may be cut at the end of the sample
            try:
                sample[: len(sample) - cut].decode(encoding)
                return "text"
            except UnicodeDecodeError:
                continue
    return None


def _zip_is_safe(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return False
    for name in names:
        parts = Path(name).parts
        if (
            name.startswith(("/", "\\"))
            or ".." in parts
            or Path(name).suffix[1:].lower() in _ARCHIVE_FORBIDDEN
        ):
            return False
    return True


def check_upload(
    filename: str,
    head_bytes_or_stream: bytes | BinaryIO,
    *,
    allowed_types: set[str] | frozenset[str],
    max_bytes: int,
) -> DetectedType:
    """The real type of an upload, after refusing anything not allowed.

    ``head_bytes_or_stream`` is the whole content (bytes) or a binary stream, read to the end (or
    past ``max_bytes``) and put back where it was. ``allowed_types`` names kinds of ``TYPES``.

    Raises
    ------
    UploadTooLarge
        Larger than ``max_bytes``.
    UploadRejected
        Executable, script or active content; a dangerous or double extension; a type not in
        ``allowed_types``; a name whose extension disagrees with the content.
    """
    data, size = _read(head_bytes_or_stream, max_bytes)
    if size > max_bytes:
        raise UploadTooLarge(f"上传的文件超过允许的大小（最大 {max_bytes // 1_048_576 or 1} MB）")
    if size == 0:
        raise UploadRejected("上传的文件为空")
    name = Path(filename.replace("\\", "/")).name.strip().lower()
    suffixes = [s.lstrip(".") for s in Path(name).suffixes]
    if any(suffix in _DANGEROUS_EXTENSIONS for suffix in suffixes):
        raise UploadRejected("不允许上传可执行文件或脚本（文件扩展名不被允许）")
    for magic, what in _EXECUTABLE_MAGIC:
        if data.startswith(magic):
            raise UploadRejected(f"不允许上传可执行文件（检测到{what}）")
    kind = _sniff(data)
    if kind == "text" and _ACTIVE_CONTENT.search(data[:_HEAD]):
        raise UploadRejected("不允许上传含脚本或网页代码的文件")
    if kind == "pdf" and _PDF_ACTIVE.search(data):
        raise UploadRejected("不允许上传含脚本或自动执行动作的 PDF 文件")
    if kind is None:
        guess = _puremagic_guess(data)
        raise UploadRejected(f"无法识别或不允许的文件类型{f'（{guess}）' if guess else ''}")
    extension = Path(name).suffix
    if kind == "text" and extension == ".csv":
        kind = "csv"
    if kind not in allowed_types and not (kind == "csv" and "text" in allowed_types):
        raise UploadRejected(f"该接口不接受此类文件（{TYPES[kind].mime}）")
    if extension not in _EXTENSIONS[kind]:
        raise UploadRejected("文件扩展名与文件内容不符")
    if (
        kind in {"zip", "xlsx"}
        and isinstance(head_bytes_or_stream, (bytes, bytearray))
        and not _zip_is_safe(data)
    ):
        raise UploadRejected("压缩包内含不允许的文件")
    return TYPES[kind]


def _puremagic_guess(data: bytes) -> str | None:
    try:
        return puremagic.from_string(data[:_HEAD], mime=True) or None
    except puremagic.PureError:
        return None


def safe_upload_path(root: Path, original_name: str) -> Path:
    """Where to store an upload: ``root/<yyyy-random-dir>/<random><ext>``, never the client's name.

    ``root`` must be a private directory (e.g. ``var/uploads``), not one a web server serves; the
    stored file is read back through an endpoint that sets its own Content-Type and
    ``Content-Disposition: attachment``. The directory is created owner-only.
    """
    extension = Path(original_name.replace("\\", "/")).suffix.lower()
    known = {ext for exts in _EXTENSIONS.values() for ext in exts if ext}
    token = uuid.uuid4().hex
    directory = root.resolve() / token[:2]
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = directory / f"{token}{extension if extension in known else '.bin'}"
    if not path.resolve().is_relative_to(root.resolve()):
        raise UploadRejected("上传文件的存储路径不合法")
    return path
