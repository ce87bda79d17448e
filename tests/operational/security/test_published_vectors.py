"""The national standards' published test vectors, on the libraries the product uses.

SM3: GB/T 32905-2016 Appendix A. SM4: GB/T 32907-2016 Appendix A. SM2: the signature example on
the recommended curve sm2p256v1 of GM/T 0003.5-2012 / GB/T 32918.5-2017 Appendix A (user id
1234567812345678, message "message digest"); tongsuopy and gmssl both check it.
"""

from __future__ import annotations

import time

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl.sm2 import CryptSM2

from operational.security import sm2
from operational.security.crypto import sm3_hex

SM4_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")

# GB/T 32918.5-2017 Appendix A, digital signature example.
SM2_PRIVATE = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8"
SM2_PUBLIC = (
    "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
    "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
)
SM2_MESSAGE = b"message digest"
SM2_NONCE = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21"
SM2_Z = "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
SM2_R = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
SM2_S = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"


def test_sm3_of_abc_matches_gbt_32905_example_1():
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm3_of_64_bytes_abcd_matches_gbt_32905_example_2():
    assert sm3_hex(b"abcd" * 16) == "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm4_single_block_matches_gbt_32907_example_1():
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).encryptor()
    assert (encryptor.update(SM4_KEY) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_decrypts_gbt_32907_example_1_back_to_the_plaintext():
    decryptor = Cipher(algorithms.SM4(SM4_KEY), modes.ECB()).decryptor()
    ciphertext = bytes.fromhex("681edf34d206965e86b3e94f536e4246")
    assert decryptor.update(ciphertext) + decryptor.finalize() == SM4_KEY


def test_sm4_million_iterations_match_gbt_32907_example_2_quickly():
    # Encrypting a block 1,000,000 times in a row is CBC over zero blocks with the plaintext as IV:
    # C1 = E(IV), Ci = E(C(i-1) xor 0). One OpenSSL call per 64 KiB chunk keeps this well under a second.
    started = time.perf_counter()
    encryptor = Cipher(algorithms.SM4(SM4_KEY), modes.CBC(SM4_KEY)).encryptor()
    chunk = bytes(16 * 4096)
    last = b""
    for _ in range(1_000_000 // 4096):
        last = encryptor.update(chunk)
    last = encryptor.update(bytes(16 * (1_000_000 % 4096))) or last
    assert last[-16:].hex() == "595298c7c6fd271f0402f804c33d3f66"
    assert time.perf_counter() - started < 5


def test_sm2_published_key_pair_derives_the_published_public_key():
    assert sm2.keypair_from_private_hex(SM2_PRIVATE).public_key_hex == SM2_PUBLIC.lower()


def test_sm2_signer_z_matches_the_published_z_for_the_default_user_id():
    assert sm2.signer_z(sm2.public_key_from_hex(SM2_PUBLIC)).hex() == SM2_Z.lower()


def test_sm2_published_signature_verifies_with_tongsuopy():
    signature = sm2.signature_from_raw(bytes.fromhex(SM2_R + SM2_S))
    assert sm2.verify(sm2.public_key_from_hex(SM2_PUBLIC), SM2_MESSAGE, signature)


def test_sm2_published_signature_does_not_verify_for_another_message():
    signature = sm2.signature_from_raw(bytes.fromhex(SM2_R + SM2_S))
    assert not sm2.verify(sm2.public_key_from_hex(SM2_PUBLIC), b"message digesT", signature)


def test_sm2_published_signature_verifies_with_gmssl():
    checker = CryptSM2(private_key="", public_key=SM2_PUBLIC)
    assert checker.verify_with_sm3(SM2_R + SM2_S, SM2_MESSAGE)


def test_gmssl_with_the_published_nonce_reproduces_the_published_signature():
    signer = CryptSM2(private_key=SM2_PRIVATE, public_key=SM2_PUBLIC)
    assert signer.sign_with_sm3(SM2_MESSAGE, SM2_NONCE).upper() == SM2_R + SM2_S
