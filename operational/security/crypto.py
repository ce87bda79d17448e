"""National-algorithm primitives (GB/T 32905 SM3, GB/T 32907 SM4) on OpenSSL via ``cryptography``.

One place for them: HMAC-SM3 keyed hashes (patient keys, blind indexes), SM3 digests (file
integrity) and SM4-GCM authenticated encryption of bytes at rest.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_SM4_GCM_MAGIC = b"SM4G1"  # format tag + version, so a future key id / format can be told apart
_NONCE_LEN = 12
_TAG_LEN = 16


def hmac_sm3_hex(key: bytes, message: str | bytes) -> str:
    """HMAC-SM3 of ``message`` under ``key``, as 64 lowercase hex characters."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(message.encode("utf-8") if isinstance(message, str) else message)
    return mac.finalize().hex()


def sm3_hex(data: bytes) -> str:
    """SM3 digest of ``data`` as hex."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, associated_data: bytes = b"") -> bytes:
    """Encrypt with SM4-GCM; returns ``magic | nonce | ciphertext | tag``."""
    nonce = os.urandom(_NONCE_LEN)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(associated_data)
    body = encryptor.update(plaintext) + encryptor.finalize()
    return _SM4_GCM_MAGIC + nonce + body + encryptor.tag


def sm4_gcm_decrypt(key: bytes, blob: bytes, associated_data: bytes = b"") -> bytes:
    """Decrypt a blob made by :func:`sm4_gcm_encrypt`; raises ``InvalidTag`` if it was altered."""
    if not blob.startswith(_SM4_GCM_MAGIC):
        raise ValueError("not an SM4-GCM blob of this platform")
    nonce = blob[len(_SM4_GCM_MAGIC) : len(_SM4_GCM_MAGIC) + _NONCE_LEN]
    body, tag = blob[len(_SM4_GCM_MAGIC) + _NONCE_LEN : -_TAG_LEN], blob[-_TAG_LEN:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(associated_data)
    return decryptor.update(body) + decryptor.finalize()
