"""The raw landing: original source bytes kept in the lake, SM4-GCM encrypted at rest.

Nothing a source sent is ever lost: every file (or fetched API page) is stored as it arrived,
with its SM3 digest in a manifest, under
``<lake>/raw/<source>/institution_code=<code>/partition_date=<day>/<name>.sm4``. Normalization
reads it back from here, so any partition can be replayed without asking the source again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from operational.security.crypto import sm3_hex, sm4_gcm_decrypt, sm4_gcm_encrypt
from operational.security.keys import data_key
from pipelines.sources.landing import partition_dir

MANIFEST = "manifest.json"


def raw_dir(source: str, institution_code: str | None, day: dt.date) -> Path:
    return partition_dir("raw", source, None, institution_code, day)


def store_raw(
    source: str, institution_code: str | None, day: dt.date, files: Iterable[tuple[str, bytes]]
) -> dict:
    """Replace the partition's raw files with ``files``; return the manifest written."""
    target = raw_dir(source, institution_code, day)
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    key = data_key()
    entries = []
    for name, content in files:
        # The file name is authenticated data: a blob cannot be swapped for another file's.
        (staging / f"{name}.sm4").write_bytes(sm4_gcm_encrypt(key, content, name.encode()))
        entries.append({"name": name, "bytes": len(content), "sm3": sm3_hex(content)})
    manifest = {
        "source": source,
        "institution_code": institution_code,
        "day": day.isoformat(),
        "files": entries,
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    shutil.rmtree(target, ignore_errors=True)
    os.replace(staging, target)
    return manifest


def read_raw(source: str, institution_code: str | None, day: dt.date) -> Iterator[tuple[str, bytes]]:
    """The partition's original files in manifest order, decrypted and checked against their SM3."""
    directory = raw_dir(source, institution_code, day)
    if not (directory / MANIFEST).exists():
        return
    key = data_key()
    for entry in json.loads((directory / MANIFEST).read_text())["files"]:
        content = sm4_gcm_decrypt(
            key, (directory / f"{entry['name']}.sm4").read_bytes(), entry["name"].encode()
        )
        if sm3_hex(content) != entry["sm3"]:
            raise ValueError(f"raw file {directory / entry['name']} does not match its SM3 digest")
        yield entry["name"], content


def read_source_folder(folder: Path) -> list[tuple[str, bytes]]:
    """Every file of a delivery folder, sorted by name, as (name, bytes)."""
    if not folder.is_dir():
        return []
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]
