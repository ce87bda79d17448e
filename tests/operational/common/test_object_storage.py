"""The object store: one suite run against the local directory and against S3 (moto's server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from operational.common.errors import NotFound
from operational.common.settings import get_settings
from operational.common.storage import (
    InvalidObjectKey,
    InvalidObjectRange,
    ObjectNotFound,
    ObjectStore,
    get_object_store,
    object_store_from_url,
    validate_key,
)

S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free loopback port, with fake credentials in the environment."""
    previous = {name: os.environ.get(name) for name in S3_CREDENTIALS}
    os.environ.update(S3_CREDENTIALS)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _new_bucket(endpoint: str) -> str:
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    """An empty store of each backend."""
    if request.param == "local":
        return object_store_from_url(None, local_root=tmp_path / "objects")
    endpoint = request.getfixturevalue("s3_endpoint")
    bucket = _new_bucket(endpoint)
    return object_store_from_url(
        f"s3://{bucket}/district?endpoint={endpoint}&region=us-east-1", local_root=tmp_path
    )


def test_put_then_get_returns_the_same_bytes(store: ObjectStore) -> None:
    store.put("films/2025/ct.dcm", b"\x00DICM\x01", content_type="application/dicom")
    assert store.get("films/2025/ct.dcm") == b"\x00DICM\x01"


def test_put_replaces_an_existing_object(store: ObjectStore) -> None:
    store.put("reports/a.pdf", b"first")
    store.put("reports/a.pdf", b"second")
    assert store.get("reports/a.pdf") == b"second"


def test_a_missing_key_raises_object_not_found_with_a_chinese_message(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound) as caught:
        store.get("absent/file.bin")
    assert isinstance(caught.value, NotFound)
    assert caught.value.message == "文件不存在或已被删除"


def test_size_of_a_missing_key_raises_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        store.size("absent/file.bin")


def test_exists_is_true_only_after_put_and_false_after_delete(store: ObjectStore) -> None:
    assert store.exists("x/y.txt") is False
    store.put("x/y.txt", b"1")
    assert store.exists("x/y.txt") is True
    store.delete("x/y.txt")
    assert store.exists("x/y.txt") is False


def test_deleting_a_missing_key_is_not_an_error(store: ObjectStore) -> None:
    store.delete("never/stored.txt")
    assert store.exists("never/stored.txt") is False


def test_size_reports_the_stored_length(store: ObjectStore) -> None:
    store.put("sizes/blob", b"x" * 12_345)
    assert store.size("sizes/blob") == 12_345


def test_get_range_returns_the_half_open_slice(store: ObjectStore) -> None:
    store.put("ranges/digits", b"0123456789")
    assert store.get_range("ranges/digits", 2, 5) == b"234"


def test_get_range_past_the_end_is_clipped(store: ObjectStore) -> None:
    store.put("ranges/digits", b"0123456789")
    assert store.get_range("ranges/digits", 7, 100) == b"789"


def test_get_range_starting_after_the_object_is_refused(store: ObjectStore) -> None:
    store.put("ranges/digits", b"0123456789")
    with pytest.raises(InvalidObjectRange):
        store.get_range("ranges/digits", 10, 20)


def test_get_range_of_a_missing_key_raises_object_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        store.get_range("absent/file.bin", 0, 10)


def test_list_matches_whole_segments_of_the_prefix(store: ObjectStore) -> None:
    for key in ("study/1/a.dcm", "study/1/b.dcm", "study/10/c.dcm", "other/d.dcm"):
        store.put(key, b"-")
    assert sorted(store.list("study/1")) == ["study/1/a.dcm", "study/1/b.dcm"]
    assert sorted(store.list("study/1/")) == ["study/1/a.dcm", "study/1/b.dcm"]


def test_list_without_prefix_returns_every_key(store: ObjectStore) -> None:
    for key in ("a/1", "b/2"):
        store.put(key, b"-")
    assert sorted(store.list()) == ["a/1", "b/2"]


def test_put_file_streams_a_multipart_upload_that_reads_back_intact(
    store: ObjectStore, tmp_path: Path
) -> None:
    source = tmp_path / "big.bin"
    data = os.urandom(12 * 1024 * 1024 + 17)  # several 5 MiB parts
    source.write_bytes(data)
    store.put_file("big/upload.bin", source, chunk_size=5 * 1024 * 1024)
    assert store.size("big/upload.bin") == len(data)
    assert b"".join(store.stream("big/upload.bin")) == data


def test_put_stream_stores_the_concatenated_chunks(store: ObjectStore) -> None:
    store.put_stream("chunks/joined", (bytes([n]) * 1000 for n in range(10)))
    assert store.get("chunks/joined") == b"".join(bytes([n]) * 1000 for n in range(10))


def test_keys_may_use_chinese_names(store: ObjectStore) -> None:
    store.put("通知/2025年第1期.pdf", b"pdf")
    assert list(store.list("通知")) == ["通知/2025年第1期.pdf"]


@pytest.mark.parametrize(
    "key", ["", "/etc/passwd", "a/../b", "../a", "a//b", "a/./b", "a/", "a\\b", "a/\x00b", " a/b"]
)
def test_unsafe_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidObjectKey):
        validate_key(key)


def test_an_unsafe_key_never_reaches_the_backend(store: ObjectStore) -> None:
    with pytest.raises(InvalidObjectKey) as caught:
        store.put("../escape.txt", b"x")
    assert caught.value.message == "文件路径不合法"


def test_local_objects_land_in_the_configured_directory(tmp_path: Path) -> None:
    store = object_store_from_url(None, local_root=tmp_path / "objects")
    store.put("a/b.txt", b"on disk")
    assert (tmp_path / "objects" / "a" / "b.txt").read_bytes() == b"on disk"


def test_an_unknown_url_scheme_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="s3://"):
        object_store_from_url("ftp://host/dir", local_root=tmp_path)


def test_an_unknown_s3_parameter_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="secret"):
        object_store_from_url("s3://bucket?secret=x", local_root=tmp_path)


def test_get_object_store_defaults_to_var_objects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))
    monkeypatch.delenv("OBJECT_STORE_URL", raising=False)
    get_settings.cache_clear()
    get_object_store.cache_clear()
    try:
        get_object_store().put("k/v", b"1")
        assert (tmp_path / "var" / "objects" / "k" / "v").exists()
    finally:
        get_settings.cache_clear()
        get_object_store.cache_clear()


def test_get_object_store_uses_s3_when_the_url_says_so(
    s3_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = _new_bucket(s3_endpoint)
    monkeypatch.setenv("HEALTHOPS_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("OBJECT_STORE_URL", f"s3://{bucket}/pre?endpoint={s3_endpoint}")
    get_settings.cache_clear()
    get_object_store.cache_clear()
    try:
        get_object_store().put("k/v", b"1")
        listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=bucket)
        assert [item["Key"] for item in listed["Contents"]] == ["pre/k/v"]
        assert not (tmp_path / "var" / "objects").exists()
    finally:
        get_settings.cache_clear()
        get_object_store.cache_clear()
