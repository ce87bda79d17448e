"""SM2 key pairs, signatures and verification (GB/T 32918, GM/T 0009) on OpenSSL via ``tongsuopy``.

Used for prescriptions, exported reports, audit checkpoints and signed release manifests.
Signatures are DER ``SEQUENCE {r, s}`` over ``e = SM3(Z_A || M)``, where ``Z_A`` binds the
signer's distinguishing identifier and public key (GB/T 32918.2 §5.5). Tongsuo computes
``Z_A`` itself with the GM/T 0009 default identifier ``1234567812345678``; tongsuopy offers no
public way to set another one, so only that identifier is accepted (every interoperating system
we know of uses it).

Keys travel as PEM (PKCS#8 private, SubjectPublicKeyInfo public). The raw hex helpers exist for
peers that speak hex (``gmssl``, many Chinese e-signature SDKs). Note that ``gmssl`` mangles a
public key whose hex starts with ``04`` (it ``lstrip``s the characters ``0`` and ``4``): hand it
:func:`public_key_hex` (no ``04`` prefix) and keep this in mind when a cross-check fails.

Never sign with ``gmssl`` without an explicit nonce: its ``sign_with_sm3`` and ``encrypt`` draw the
nonce from Python's ``random``, which is predictable and leaks the private key.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes as crypto_hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from tongsuopy.crypto import hashes, serialization
from tongsuopy.crypto.asymciphers import ec
from tongsuopy.crypto.exceptions import InternalError, InvalidSignature

DEFAULT_USER_ID = b"1234567812345678"
"""The GM/T 0009 default signer identifier (ENTL_A = 128 bits)."""

# sm2p256v1 domain parameters (GB/T 32918.5), needed only to compute Z_A for interop checks.
CURVE_P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
CURVE_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
CURVE_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
CURVE_N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
CURVE_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
CURVE_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0


@dataclass(frozen=True)
class Sm2KeyPair:
    """An SM2 key pair as PEM: PKCS#8 private key and SubjectPublicKeyInfo public key."""

    private_pem: bytes
    public_pem: bytes

    def __repr__(self) -> str:  # never print the private key by accident
        return f"Sm2KeyPair(public_key_hex={public_key_hex(self.public_pem)[:16]}…)"

    @property
    def public_key_hex(self) -> str:
        """The public key as 128 hex characters ``x || y`` (no ``04`` prefix)."""
        return public_key_hex(self.public_pem)


def _check_user_id(user_id: bytes) -> None:
    if user_id != DEFAULT_USER_ID:
        raise ValueError(
            "only the GM/T 0009 default SM2 user id 1234567812345678 is supported (tongsuopy cannot set another)"
        )


def _keypair_from_private_key(private_key: ec.EllipticCurvePrivateKey) -> Sm2KeyPair:
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Sm2KeyPair(private_pem=private_pem, public_pem=public_pem)


def _load_private(private_key_pem: bytes) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(private_key_pem, password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "SM2":
        raise ValueError("not an SM2 private key")
    return key


def _load_public(public_key_pem: bytes) -> ec.EllipticCurvePublicKey:
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "SM2":
        raise ValueError("not an SM2 public key")
    return key


def generate_keypair() -> Sm2KeyPair:
    """A fresh SM2 key pair on sm2p256v1 (private scalar from OpenSSL's CSPRNG)."""
    return _keypair_from_private_key(ec.generate_private_key(ec.SM2()))


def keypair_from_private_hex(private_key_hex: str) -> Sm2KeyPair:
    """The key pair of a raw private scalar ``d`` given as hex (e.g. from a peer or a test vector)."""
    return _keypair_from_private_key(ec.derive_private_key(int(private_key_hex, 16), ec.SM2()))


def keypair_from_private_pem(private_key_pem: bytes) -> Sm2KeyPair:
    """The key pair of a PEM private key (PKCS#8 or traditional), re-encoded as PKCS#8."""
    return _keypair_from_private_key(_load_private(private_key_pem))


def private_key_hex(private_key_pem: bytes) -> str:
    """The private scalar ``d`` as 64 hex characters (for ``gmssl`` cross-checks only)."""
    return f"{_load_private(private_key_pem).private_numbers().private_value:064x}"


def public_key_hex(public_key_pem: bytes) -> str:
    """The public key as 128 hex characters ``x || y``, without the ``04`` prefix."""
    numbers = _load_public(public_key_pem).public_numbers()
    return f"{numbers.x:064x}{numbers.y:064x}"


def public_key_from_hex(public_hex: str) -> bytes:
    """A SubjectPublicKeyInfo PEM from ``x || y`` hex (128 characters, ``04`` prefix optional)."""
    if len(public_hex) == 130 and public_hex.startswith("04"):
        public_hex = public_hex[2:]
    if len(public_hex) != 128:
        raise ValueError("an SM2 public key is 64 bytes x || y (128 hex characters)")
    numbers = ec.EllipticCurvePublicNumbers(int(public_hex[:64], 16), int(public_hex[64:], 16), ec.SM2())
    return numbers.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def signer_z(public_key_pem: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """``Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)`` (GB/T 32918.2 §5.5)."""
    numbers = _load_public(public_key_pem).public_numbers()
    digest = crypto_hashes.Hash(crypto_hashes.SM3())
    digest.update((len(user_id) * 8).to_bytes(2, "big") + user_id)
    for value in (CURVE_A, CURVE_B, CURVE_GX, CURVE_GY, numbers.x, numbers.y):
        digest.update(value.to_bytes(32, "big"))
    return digest.finalize()


def sign(private_key_pem: bytes, data: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bytes:
    """SM2 signature (DER) over ``SM3(Z_A || data)``; the nonce comes from OpenSSL's CSPRNG."""
    _check_user_id(user_id)
    return _load_private(private_key_pem).sign(data, ec.ECDSA(hashes.SM3()))


def verify(public_key_pem: bytes, data: bytes, signature: bytes, *, user_id: bytes = DEFAULT_USER_ID) -> bool:
    """True if ``signature`` is a valid SM2 signature of ``data``; False for any bad or malformed one.

    Raises only for a bad public key or an unsupported ``user_id`` (configuration errors).
    """
    _check_user_id(user_id)
    key = _load_public(public_key_pem)
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        return False
    if not (0 < r < CURVE_N and 0 < s < CURVE_N):
        return False
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SM3()))
    except (InvalidSignature, InternalError):
        return False
    return True


def signature_to_raw(signature: bytes) -> bytes:
    """DER ``SEQUENCE {r, s}`` → 64 bytes ``r || s`` (the form ``gmssl`` and many SDKs use)."""
    r, s = decode_dss_signature(signature)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def signature_from_raw(raw: bytes) -> bytes:
    """64 bytes ``r || s`` → DER ``SEQUENCE {r, s}``."""
    if len(raw) != 64:
        raise ValueError("a raw SM2 signature is 64 bytes r || s")
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
