"""SM4-GCM field encryption with key ids, rotation, and HMAC-SM3 blind indexes."""

from __future__ import annotations

from pathlib import Path

import pytest

from operational.security.fields import (
    FieldDecryptionError,
    blind_index,
    decrypt_field,
    encrypt_field,
    field_key_id,
    reencrypt_field,
)
from operational.security.keys import FileKeyProvider, UnknownKeyError


def test_field_round_trips_chinese_text(provider: FileKeyProvider):
    blob = encrypt_field("上海市静安区南京西路1266号", context="patients.address", provider=provider)
    assert decrypt_field(blob, context="patients.address", provider=provider) == "上海市静安区南京西路1266号"


def test_blob_does_not_contain_the_plaintext(provider: FileKeyProvider):
    blob = encrypt_field("13812345678", context="users.phone", provider=provider)
    assert b"13812345678" not in blob
    assert b"2345678" not in blob


def test_equal_plaintexts_give_different_blobs(provider: FileKeyProvider):
    first = encrypt_field("13812345678", provider=provider)
    assert first != encrypt_field("13812345678", provider=provider)


def test_blob_names_the_current_key_id(provider: FileKeyProvider):
    assert field_key_id(encrypt_field("x", provider=provider)) == "k1"


def test_flipped_ciphertext_byte_is_detected(provider: FileKeyProvider):
    blob = bytearray(encrypt_field("310106199001011234", context="patients.id_number", provider=provider))
    blob[-20] ^= 0x01
    with pytest.raises(FieldDecryptionError):
        decrypt_field(bytes(blob), context="patients.id_number", provider=provider)


def test_blob_moved_to_another_column_does_not_decrypt(provider: FileKeyProvider):
    blob = encrypt_field("13812345678", context="users.phone", provider=provider)
    with pytest.raises(FieldDecryptionError):
        decrypt_field(blob, context="patients.phone", provider=provider)


def test_truncated_blob_is_a_decryption_error(provider: FileKeyProvider):
    blob = encrypt_field("13812345678", provider=provider)
    with pytest.raises(FieldDecryptionError):
        decrypt_field(blob[:12], provider=provider)


def test_blob_of_another_format_is_a_decryption_error(provider: FileKeyProvider):
    with pytest.raises(FieldDecryptionError):
        decrypt_field(b"13812345678", provider=provider)


def test_blob_with_its_key_id_edited_does_not_decrypt(provider: FileKeyProvider):
    blob = encrypt_field("13812345678", provider=provider)
    provider.rotate_field_key()
    edited = blob.replace(b"\x02k1", b"\x02k2", 1)
    with pytest.raises(FieldDecryptionError):
        decrypt_field(edited, provider=provider)


def test_blob_of_an_older_key_still_decrypts_after_rotation(provider: FileKeyProvider):
    blob = encrypt_field("张小三", context="patients.name", provider=provider)
    provider.rotate_field_key()
    assert decrypt_field(blob, context="patients.name", provider=provider) == "张小三"


def test_reencrypt_moves_an_old_blob_to_the_current_key(provider: FileKeyProvider):
    blob = encrypt_field("张小三", context="patients.name", provider=provider)
    new_id = provider.rotate_field_key()
    moved = reencrypt_field(blob, context="patients.name", provider=provider)
    assert field_key_id(moved) == new_id
    assert decrypt_field(moved, context="patients.name", provider=provider) == "张小三"


def test_reencrypt_leaves_a_current_blob_unchanged(provider: FileKeyProvider):
    blob = encrypt_field("张小三", provider=provider)
    assert reencrypt_field(blob, provider=provider) == blob


def test_blob_of_a_key_missing_from_the_ring_raises_unknown_key(provider: FileKeyProvider, tmp_path: Path):
    blob = encrypt_field("x", provider=provider)
    stranger = FileKeyProvider(tmp_path / "other", environ={"HEALTHOPS_FIELD_KEYS": f"k7:{'ab' * 16}"})
    with pytest.raises(UnknownKeyError):
        decrypt_field(blob, provider=stranger)


def test_blob_under_a_different_key_with_the_same_id_does_not_decrypt(
    provider: FileKeyProvider, tmp_path: Path
):
    blob = encrypt_field("x", provider=provider)
    impostor = FileKeyProvider(tmp_path / "other", environ={"HEALTHOPS_FIELD_KEYS": f"k1:{'ab' * 16}"})
    with pytest.raises(FieldDecryptionError):
        decrypt_field(blob, provider=impostor)


@pytest.mark.parametrize(
    "formatted",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "008613812345678",
        "８６13812345678",
    ],
)
def test_phone_blind_index_ignores_formatting(provider: FileKeyProvider, formatted: str):
    assert blind_index(formatted, kind="phone", provider=provider) == blind_index(
        "13812345678", kind="phone", provider=provider
    )


def test_id_number_blind_index_ignores_the_case_of_x(provider: FileKeyProvider):
    lower = blind_index("11010519491231002x", kind="id_number", provider=provider)
    assert lower == blind_index(" 11010519491231002X ", kind="id_number", provider=provider)


def test_name_blind_index_ignores_spaces(provider: FileKeyProvider):
    assert blind_index("张 小三", kind="name", provider=provider) == blind_index(
        "张小三", kind="name", provider=provider
    )


def test_different_values_have_different_blind_indexes(provider: FileKeyProvider):
    first = blind_index("13812345678", kind="phone", provider=provider)
    assert first != blind_index("13812345679", kind="phone", provider=provider)


def test_same_digits_as_phone_and_as_id_number_do_not_collide(provider: FileKeyProvider):
    as_phone = blind_index("13812345678", kind="phone", provider=provider)
    assert as_phone != blind_index("13812345678", kind="id_number", provider=provider)


def test_blind_index_depends_on_the_key(provider: FileKeyProvider, tmp_path: Path):
    other = FileKeyProvider(tmp_path / "other", environ={})
    assert blind_index("13812345678", kind="phone", provider=provider) != blind_index(
        "13812345678", kind="phone", provider=other
    )


def test_blind_index_is_64_hex_characters(provider: FileKeyProvider):
    index = blind_index("13812345678", kind="phone", provider=provider)
    assert len(index) == 64
    assert int(index, 16) >= 0


def test_blind_index_of_an_unknown_kind_is_refused(provider: FileKeyProvider):
    with pytest.raises(ValueError, match="kind"):
        blind_index("x", kind="passport", provider=provider)


def test_blind_index_of_an_empty_value_is_refused(provider: FileKeyProvider):
    with pytest.raises(ValueError, match="empty"):
        blind_index(" - ", kind="phone", provider=provider)


def test_module_functions_use_the_process_provider_by_default(process_keys: Path):
    blob = encrypt_field("13812345678", context="users.phone")
    assert decrypt_field(blob, context="users.phone") == "13812345678"
    assert (process_keys / "field-sm4.keyring").exists()
