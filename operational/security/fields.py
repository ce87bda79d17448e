"""Field-level encryption (SM4-GCM with key ids) and HMAC-SM3 blind indexes for personal data.

A field blob is ``b"HF1" | len(key_id) | key_id | SM4-GCM blob`` (the SM4-GCM blob is
:func:`operational.security.crypto.sm4_gcm_encrypt`'s ``magic | nonce | ciphertext | tag``). The
associated data binds the column (``context``, e.g. ``"users.phone"``) and the key id, so a blob
copied into another column, or with its key id edited, fails to decrypt.

Encryption is randomized: equal plaintexts give different blobs. To look a value up by equality,
store :func:`blind_index` next to it (its own indexed column) and query on that.
"""

from __future__ import annotations

import re
import unicodedata

from cryptography.exceptions import InvalidTag

from operational.security.crypto import hmac_sm3_hex, sm4_gcm_decrypt, sm4_gcm_encrypt
from operational.security.keys import KeyProvider, get_key_provider

_MAGIC = b"HF1"
_BLIND_INDEX_KINDS = ("phone", "id_number", "name", "email", "text")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_MIDDLE_DOTS = re.compile(r"[.．•・‧∙]")


class FieldDecryptionError(ValueError):
    """A field blob is malformed, altered, or belongs to another column: it was not decrypted."""


def _associated_data(context: str, key_id: str) -> bytes:
    return b"healthops.field\x00" + context.encode("utf-8") + b"\x00" + key_id.encode("ascii")


def encrypt_field(plaintext: str, *, context: str = "", provider: KeyProvider | None = None) -> bytes:
    """Encrypt ``plaintext`` under the current field key; the blob names the key id."""
    key_id, key = (provider or get_key_provider()).field_key()
    header = _MAGIC + bytes([len(key_id)]) + key_id.encode("ascii")
    return header + sm4_gcm_encrypt(key, plaintext.encode("utf-8"), _associated_data(context, key_id))


def field_key_id(blob: bytes) -> str:
    """The id of the key that encrypted ``blob`` (to find rows a rotation still has to rewrite)."""
    if not blob.startswith(_MAGIC) or len(blob) < len(_MAGIC) + 1:
        raise FieldDecryptionError("not a field blob of this platform")
    length = blob[len(_MAGIC)]
    key_id = blob[len(_MAGIC) + 1 : len(_MAGIC) + 1 + length]
    if len(key_id) != length:
        raise FieldDecryptionError("truncated field blob")
    try:
        return key_id.decode("ascii")
    except UnicodeDecodeError as error:
        raise FieldDecryptionError("bad key id in field blob") from error


def decrypt_field(blob: bytes, *, context: str = "", provider: KeyProvider | None = None) -> str:
    """Decrypt a blob of :func:`encrypt_field` with whichever key it names (older keys included).

    Raises :class:`FieldDecryptionError` if the blob was altered or belongs to another ``context``,
    and :class:`~operational.security.keys.UnknownKeyError` if its key is not in the key ring.
    """
    key_id = field_key_id(bytes(blob))
    _, key = (provider or get_key_provider()).field_key(key_id)
    body = bytes(blob)[len(_MAGIC) + 1 + len(key_id) :]
    try:
        plaintext = sm4_gcm_decrypt(key, body, _associated_data(context, key_id))
    except (InvalidTag, ValueError) as error:
        raise FieldDecryptionError(
            f"field blob (key {key_id}, context {context!r}) failed to decrypt"
        ) from error
    return plaintext.decode("utf-8")


def reencrypt_field(blob: bytes, *, context: str = "", provider: KeyProvider | None = None) -> bytes:
    """The same plaintext under the current key; ``blob`` itself if it already uses that key."""
    provider = provider or get_key_provider()
    current_id, _ = provider.field_key()
    if field_key_id(bytes(blob)) == current_id:
        return bytes(blob)
    return encrypt_field(
        decrypt_field(blob, context=context, provider=provider), context=context, provider=provider
    )


def normalize_for_index(value: str, *, kind: str) -> str:
    """The canonical form a blind index hashes, so formatting differences still match.

    ``phone``: digits only, without a ``+86``/``0086``/``86`` country prefix; ``id_number``: no
    spaces, ``x`` upper-cased; ``name``: no whitespace, one kind of middle dot; ``email``: trimmed,
    lower-cased; ``text``: trimmed. Full-width characters are folded first (NFKC).
    """
    if kind not in _BLIND_INDEX_KINDS:
        raise ValueError(f"unknown blind-index kind {kind!r}; one of {', '.join(_BLIND_INDEX_KINDS)}")
    value = unicodedata.normalize("NFKC", value).strip()
    if kind == "phone":
        value = _PHONE_SEPARATORS.sub("", value)
        value = value.removeprefix("+")
        if value.startswith("0086"):
            value = value[4:]
        elif value.startswith("86") and len(value) == 13:
            value = value[2:]
    elif kind == "id_number":
        value = re.sub(r"\s", "", value).upper()
    elif kind == "name":
        value = _MIDDLE_DOTS.sub("·", re.sub(r"\s", "", value))
    elif kind == "email":
        value = value.lower()
    return value


def blind_index(value: str, *, kind: str, provider: KeyProvider | None = None) -> str:
    """HMAC-SM3 (hex) of the normalized ``value`` under the blind-index key, separated per ``kind``.

    Equal values give equal indexes however they were formatted; the same digits as a phone and as
    an ID number give different indexes.
    """
    normalized = normalize_for_index(value, kind=kind)
    if not normalized:
        raise ValueError("an empty value has no blind index")
    key = (provider or get_key_provider()).blind_index_key()
    return hmac_sm3_hex(key, f"healthops.blind-index\x00{kind}\x00{normalized}")
