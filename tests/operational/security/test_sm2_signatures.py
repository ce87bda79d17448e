"""SM2 signing and verification, and cross-checks between tongsuopy (the product) and gmssl."""

from __future__ import annotations

import secrets

import pytest
from gmssl.sm2 import CryptSM2

from operational.security import sm2


def _gmssl_friendly_keypair() -> sm2.Sm2KeyPair:
    # gmssl lstrip()s "04" from a public key that starts with it, corrupting 1 key in 256: skip those.
    while True:
        keypair = sm2.generate_keypair()
        if not keypair.public_key_hex.startswith("04"):
            return keypair


def _gmssl(keypair: sm2.Sm2KeyPair) -> CryptSM2:
    return CryptSM2(private_key=sm2.private_key_hex(keypair.private_pem), public_key=keypair.public_key_hex)


def test_signature_verifies_with_the_signers_public_key():
    keypair = sm2.generate_keypair()
    assert sm2.verify(
        keypair.public_pem, b"prescription 42", sm2.sign(keypair.private_pem, b"prescription 42")
    )


def test_signature_does_not_verify_for_altered_data():
    keypair = sm2.generate_keypair()
    signature = sm2.sign(keypair.private_pem, b"prescription 42")
    assert not sm2.verify(keypair.public_pem, b"prescription 43", signature)


def test_signature_does_not_verify_with_another_public_key():
    signature = sm2.sign(sm2.generate_keypair().private_pem, b"report")
    assert not sm2.verify(sm2.generate_keypair().public_pem, b"report", signature)


@pytest.mark.parametrize("garbage", [b"", b"junk", b"\x30\x02\x00\x00", bytes(72)])
def test_malformed_signature_is_false_not_an_exception(garbage: bytes):
    keypair = sm2.generate_keypair()
    assert sm2.verify(keypair.public_pem, b"report", garbage) is False


def test_two_signatures_of_the_same_data_differ_because_the_nonce_is_random():
    keypair = sm2.generate_keypair()
    assert sm2.sign(keypair.private_pem, b"same") != sm2.sign(keypair.private_pem, b"same")


def test_non_default_user_id_is_refused_rather_than_silently_ignored():
    keypair = sm2.generate_keypair()
    with pytest.raises(ValueError, match="user id"):
        sm2.sign(keypair.private_pem, b"x", user_id=b"ALICE123@YAHOO.COM")


def test_private_key_pem_is_pkcs8_and_round_trips():
    keypair = sm2.generate_keypair()
    assert keypair.private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert sm2.keypair_from_private_pem(keypair.private_pem) == keypair


def test_public_key_hex_round_trips_with_and_without_04_prefix():
    keypair = sm2.generate_keypair()
    hex_key = keypair.public_key_hex
    assert len(hex_key) == 128
    assert sm2.public_key_from_hex(hex_key) == keypair.public_pem
    assert sm2.public_key_from_hex("04" + hex_key) == keypair.public_pem


def test_raw_signature_round_trips_to_der():
    signature = sm2.sign(sm2.generate_keypair().private_pem, b"x")
    raw = sm2.signature_to_raw(signature)
    assert len(raw) == 64
    assert sm2.signature_from_raw(raw) == signature


def test_repr_of_a_keypair_does_not_show_the_private_key():
    keypair = sm2.generate_keypair()
    assert "PRIVATE" not in repr(keypair)
    assert sm2.private_key_hex(keypair.private_pem) not in repr(keypair)


def test_tongsuopy_signature_verifies_with_gmssl():
    keypair = _gmssl_friendly_keypair()
    data = "处方 R-2024-0001 阿莫西林".encode()
    raw = sm2.signature_to_raw(sm2.sign(keypair.private_pem, data))
    assert _gmssl(keypair).verify_with_sm3(raw.hex(), data)


def test_tongsuopy_signature_of_other_data_fails_with_gmssl():
    keypair = _gmssl_friendly_keypair()
    raw = sm2.signature_to_raw(sm2.sign(keypair.private_pem, b"original"))
    assert not _gmssl(keypair).verify_with_sm3(raw.hex(), b"tampered")


def test_gmssl_signature_with_a_secrets_nonce_verifies_with_tongsuopy():
    keypair = _gmssl_friendly_keypair()
    data = b"audit checkpoint 7"
    nonce = f"{secrets.randbelow(sm2.CURVE_N - 1) + 1:064x}"  # never gmssl's default random nonce
    raw_hex = _gmssl(keypair).sign_with_sm3(data, nonce)
    assert sm2.verify(keypair.public_pem, data, sm2.signature_from_raw(bytes.fromhex(raw_hex)))
