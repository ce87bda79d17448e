"""The file key provider: first-start generation, strict permissions, environment overrides, rotation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from operational.security import sm2
from operational.security.keys import (
    BLIND_INDEX_KEY_FILE,
    FIELD_KEYRING_FILE,
    SIGNING_KEY_FILE,
    FileKeyProvider,
    InsecureKeyFile,
    KeyProvider,
    KeyRotationUnavailable,
    UnknownKeyError,
    get_key_provider,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_creates_every_key_file_with_mode_0600(provider: FileKeyProvider, key_dir: Path):
    provider.field_key()
    provider.blind_index_key()
    provider.signing_keypair()
    for name in (FIELD_KEYRING_FILE, BLIND_INDEX_KEY_FILE, SIGNING_KEY_FILE):
        assert _mode(key_dir / name) == 0o600, name


def test_first_start_creates_the_key_directory_with_mode_0700(provider: FileKeyProvider, key_dir: Path):
    provider.field_key()
    assert _mode(key_dir) == 0o700


def test_first_field_key_is_k1_of_sixteen_bytes(provider: FileKeyProvider):
    key_id, key = provider.field_key()
    assert key_id == "k1"
    assert len(key) == 16


def test_a_second_provider_on_the_same_directory_reads_the_same_keys(
    provider: FileKeyProvider, key_dir: Path
):
    again = FileKeyProvider(key_dir, environ={})
    assert again.field_key() == provider.field_key()
    assert again.blind_index_key() == provider.blind_index_key()
    assert again.signing_keypair() == provider.signing_keypair()


def test_signing_keypair_signs_and_verifies(provider: FileKeyProvider):
    keypair = provider.signing_keypair()
    assert sm2.verify(keypair.public_pem, b"manifest", sm2.sign(keypair.private_pem, b"manifest"))


def test_key_file_readable_by_others_is_refused(key_dir: Path):
    FileKeyProvider(key_dir, environ={}).blind_index_key()
    (key_dir / BLIND_INDEX_KEY_FILE).chmod(0o644)
    with pytest.raises(InsecureKeyFile):
        FileKeyProvider(key_dir, environ={}).blind_index_key()


def test_rotation_makes_a_new_current_key_and_keeps_the_old(provider: FileKeyProvider):
    old_id, old_key = provider.field_key()
    new_id = provider.rotate_field_key()
    assert new_id == "k2"
    assert provider.field_key()[0] == "k2"
    assert provider.field_key(old_id) == (old_id, old_key)
    assert provider.field_key("k2")[1] != old_key


def test_rotated_key_ring_file_stays_mode_0600(provider: FileKeyProvider, key_dir: Path):
    provider.rotate_field_key()
    assert _mode(key_dir / FIELD_KEYRING_FILE) == 0o600


def test_provider_finds_a_key_another_process_rotated_in(provider: FileKeyProvider, key_dir: Path):
    provider.field_key()
    other = FileKeyProvider(key_dir, environ={})
    new_id = other.rotate_field_key()
    assert provider.field_key(new_id) == other.field_key(new_id)


def test_unknown_key_id_raises_unknown_key_error(provider: FileKeyProvider):
    with pytest.raises(UnknownKeyError):
        provider.field_key("k99")


def test_field_keys_from_environment_put_the_first_as_current(key_dir: Path):
    provider = FileKeyProvider(key_dir, environ={"HEALTHOPS_FIELD_KEYS": f"k2:{'ab' * 16}, k1:{'cd' * 16}"})
    assert provider.field_key() == ("k2", bytes.fromhex("ab" * 16))
    assert provider.field_key("k1") == ("k1", bytes.fromhex("cd" * 16))
    assert not key_dir.exists()


def test_field_keys_from_environment_with_a_short_key_are_rejected(key_dir: Path):
    provider = FileKeyProvider(key_dir, environ={"HEALTHOPS_FIELD_KEYS": "k1:abcd"})
    with pytest.raises(ValueError, match="16 bytes"):
        provider.field_key()


def test_rotation_with_environment_keys_says_how_to_rotate(key_dir: Path):
    provider = FileKeyProvider(key_dir, environ={"HEALTHOPS_FIELD_KEYS": f"k1:{'ab' * 16}"})
    with pytest.raises(KeyRotationUnavailable, match="HEALTHOPS_FIELD_KEYS"):
        provider.rotate_field_key()


def test_blind_index_key_from_environment(key_dir: Path):
    provider = FileKeyProvider(key_dir, environ={"HEALTHOPS_BLIND_INDEX_KEY": "ef" * 32})
    assert provider.blind_index_key() == bytes.fromhex("ef" * 32)


def test_signing_key_from_the_environment_file(tmp_path: Path, key_dir: Path):
    keypair = sm2.generate_keypair()
    pem_file = tmp_path / "platform-sm2.pem"
    pem_file.write_bytes(keypair.private_pem)
    pem_file.chmod(0o600)
    provider = FileKeyProvider(key_dir, environ={"HEALTHOPS_SM2_PRIVATE_KEY_FILE": str(pem_file)})
    assert provider.signing_keypair() == keypair


def test_world_readable_signing_key_file_from_the_environment_is_refused(tmp_path: Path, key_dir: Path):
    pem_file = tmp_path / "platform-sm2.pem"
    pem_file.write_bytes(sm2.generate_keypair().private_pem)
    pem_file.chmod(0o644)
    provider = FileKeyProvider(key_dir, environ={"HEALTHOPS_SM2_PRIVATE_KEY_FILE": str(pem_file)})
    with pytest.raises(InsecureKeyFile):
        provider.signing_keypair()


def test_process_provider_keeps_its_files_under_healthops_var(process_keys: Path):
    provider = get_key_provider()
    assert isinstance(provider, KeyProvider)
    provider.field_key()
    assert (process_keys / FIELD_KEYRING_FILE).exists()


def test_process_provider_can_be_replaced_by_a_named_class(
    process_keys: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HEALTHOPS_KEY_PROVIDER", "operational.security.keys:FileKeyProvider")
    get_key_provider.cache_clear()
    assert type(get_key_provider()) is FileKeyProvider


def test_process_provider_refuses_a_class_that_is_not_a_key_provider(
    process_keys: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HEALTHOPS_KEY_PROVIDER", "pathlib:PurePath")
    get_key_provider.cache_clear()
    with pytest.raises(TypeError, match="KeyProvider"):
        get_key_provider()
