"""Key material: one small key-provider interface, a file-backed default, environment overrides.

Keys and what they protect
--------------------------
* field keys (SM4, 16 bytes each, with key ids): personal fields at rest (:mod:`.fields`). A key
  ring: the first key is current and encrypts; older keys only decrypt, until every blob has been
  re-encrypted (:func:`operational.security.fields.reencrypt_field`).
* blind-index key (HMAC-SM3, 32 bytes): equality look-ups on encrypted phones and ID numbers.
* platform signing key (SM2): prescriptions, exported reports, audit checkpoints, release manifests.
* patient-key secret (HMAC-SM3) and data key (SM4) of the pipelines: :func:`patient_key_secret`,
  :func:`data_key` (kept as they were; the pipelines import them).

Embedded default: on first use the keys are generated under ``var/keys`` (directory 0700, files
0600, created atomically so that two processes starting together agree on one key).

Production overrides (environment, read on first use):

* ``HEALTHOPS_FIELD_KEYS``: ``"k2:<32 hex>,k1:<32 hex>"``, first is current;
* ``HEALTHOPS_BLIND_INDEX_KEY``: 64 hex;
* ``HEALTHOPS_SM2_PRIVATE_KEY_FILE``: path of a PEM SM2 private key (not world-readable);
* ``HEALTHOPS_PATIENT_KEY`` / ``HEALTHOPS_DATA_KEY``: as before.

Replacing the key store (cipher machine / KMS)
----------------------------------------------
A 密评 assessment may require keys to live in a certified cipher machine (密码机) or a KMS. The
replacement point is :class:`KeyProvider`: implement its four methods (typically envelope
encryption: the KMS keeps a master key and unwraps the field and blind-index data keys at start;
the SM2 key stays inside the device and ``signing_keypair`` gives way to a device-side signer)
and name the class in ``HEALTHOPS_KEY_PROVIDER="package.module:ClassName"``;
:func:`get_key_provider` instantiates it without arguments. Nothing else imports key files.
"""

from __future__ import annotations

import fcntl
import importlib
import os
import re
import secrets
import stat
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

from operational.security.sm2 import Sm2KeyPair, generate_keypair, keypair_from_private_pem
from warehouse.paths import keys_dir

FIELD_KEYRING_FILE = "field-sm4.keyring"
BLIND_INDEX_KEY_FILE = "blind-index-hmac-sm3.key"
SIGNING_KEY_FILE = "sm2-signing.pem"
FIELD_KEY_LENGTH = 16
BLIND_INDEX_KEY_LENGTH = 32
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class UnknownKeyError(LookupError):
    """A blob names a field key id this provider does not hold (restore the key ring from backup)."""


class KeyRotationUnavailable(RuntimeError):
    """The keys come from the environment: rotate by prepending a new ``id:hex`` to HEALTHOPS_FIELD_KEYS."""


class InsecureKeyFile(PermissionError):
    """A key file is readable by others: ``chmod 600`` it (and its directory 700)."""


@runtime_checkable
class KeyProvider(Protocol):
    """Where keys come from. The file default and any cipher-machine or KMS adapter implement this."""

    def field_key(self, key_id: str | None = None) -> tuple[str, bytes]:
        """The current field key as ``(key_id, key)``, or the named (older) one."""
        ...

    def blind_index_key(self) -> bytes:
        """The HMAC-SM3 key of blind indexes."""
        ...

    def signing_keypair(self) -> Sm2KeyPair:
        """The platform's SM2 signing key pair."""
        ...

    def rotate_field_key(self) -> str:
        """Make a new current field key (older keys stay for decryption); return its id."""
        ...


# --- files ---------------------------------------------------------------------------------------


def _ensure_private_dir(directory: Path) -> None:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)


def _write_temp(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a fresh 0600 file next to ``name`` (never briefly readable by others)."""
    _ensure_private_dir(directory)
    tmp = directory / f".{name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def _create_once(path: Path, data: bytes) -> None:
    """Create ``path`` with ``data`` unless it exists; of two racing processes exactly one wins."""
    tmp = _write_temp(path.parent, path.name, data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def _replace(path: Path, data: bytes) -> None:
    os.replace(_write_temp(path.parent, path.name, data), path)


def _read_secret(path: Path, *, strict: bool = True) -> bytes:
    """Read a key file, refusing one that others can read (group too when ``strict``)."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & (0o077 if strict else 0o007):
        raise InsecureKeyFile(f"key file {path} has mode {mode:o}; expected 600")
    return path.read_bytes()


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    _ensure_private_dir(directory)
    fd = os.open(directory / ".lock", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _parse_keyring(text: str, source: str) -> list[tuple[str, bytes]]:
    ring: list[tuple[str, bytes]] = []
    for item in re.split(r"[,\n]", text):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        key_id, _, hex_key = item.partition(":")
        key_id = key_id.strip()
        if not _KEY_ID.fullmatch(key_id):
            raise ValueError(f"{source}: bad field key id {key_id!r} (letters, digits, - and _)")
        key = bytes.fromhex(hex_key.strip())
        if len(key) != FIELD_KEY_LENGTH:
            raise ValueError(f"{source}: field key {key_id} must be {FIELD_KEY_LENGTH} bytes of hex")
        if any(key_id == known for known, _ in ring):
            raise ValueError(f"{source}: field key id {key_id} appears twice")
        ring.append((key_id, key))
    if not ring:
        raise ValueError(f"{source}: no field keys")
    return ring


def _format_keyring(ring: list[tuple[str, bytes]]) -> bytes:
    return "".join(f"{key_id}:{key.hex()}\n" for key_id, key in ring).encode("ascii")


def _next_key_id(ring: list[tuple[str, bytes]]) -> str:
    numbers = [int(key_id[1:]) for key_id, _ in ring if re.fullmatch(r"k\d+", key_id)]
    return f"k{max(numbers, default=0) + 1}"


# --- the file-backed default ---------------------------------------------------------------------


class FileKeyProvider:
    """Keys from the environment, else from files under ``directory`` (default ``var/keys``)."""

    def __init__(self, directory: Path | None = None, *, environ: Mapping[str, str] | None = None) -> None:
        self._directory = directory
        self._environ = os.environ if environ is None else environ
        self._lock = threading.Lock()
        self._keyring: list[tuple[str, bytes]] | None = None
        self._blind_index_key: bytes | None = None
        self._signing_keypair: Sm2KeyPair | None = None

    @property
    def directory(self) -> Path:
        """Where this provider keeps its key files."""
        return self._directory if self._directory is not None else keys_dir()

    def _load_keyring(self) -> list[tuple[str, bytes]]:
        from_env = self._environ.get("HEALTHOPS_FIELD_KEYS")
        if from_env:
            return _parse_keyring(from_env, "HEALTHOPS_FIELD_KEYS")
        path = self.directory / FIELD_KEYRING_FILE
        if not path.exists():
            _create_once(path, _format_keyring([("k1", secrets.token_bytes(FIELD_KEY_LENGTH))]))
        return _parse_keyring(_read_secret(path).decode("ascii"), str(path))

    def _ring(self, *, reload: bool = False) -> list[tuple[str, bytes]]:
        with self._lock:
            if self._keyring is None or reload:
                self._keyring = self._load_keyring()
            return self._keyring

    def field_key(self, key_id: str | None = None) -> tuple[str, bytes]:
        """The current field key as ``(key_id, key)``, or the named one (re-reads the ring once on a miss,
        since another process may have rotated)."""
        ring = self._ring()
        if key_id is None:
            return ring[0]
        for reload in (False, True):
            ring = self._ring(reload=reload)
            for known_id, key in ring:
                if known_id == key_id:
                    return known_id, key
        raise UnknownKeyError(f"no field key with id {key_id!r}")

    def blind_index_key(self) -> bytes:
        """The HMAC-SM3 blind-index key (``HEALTHOPS_BLIND_INDEX_KEY`` or a key file)."""
        with self._lock:
            if self._blind_index_key is None:
                self._blind_index_key = self._load_blind_index_key()
            return self._blind_index_key

    def _load_blind_index_key(self) -> bytes:
        from_env = self._environ.get("HEALTHOPS_BLIND_INDEX_KEY")
        if from_env:
            key = bytes.fromhex(from_env.strip())
        else:
            path = self.directory / BLIND_INDEX_KEY_FILE
            if not path.exists():
                _create_once(path, secrets.token_hex(BLIND_INDEX_KEY_LENGTH).encode("ascii"))
            key = bytes.fromhex(_read_secret(path).decode("ascii").strip())
        if len(key) != BLIND_INDEX_KEY_LENGTH:
            raise ValueError(f"the blind-index key must be {BLIND_INDEX_KEY_LENGTH} bytes of hex")
        return key

    def signing_keypair(self) -> Sm2KeyPair:
        """The platform SM2 key pair (``HEALTHOPS_SM2_PRIVATE_KEY_FILE`` or generated at first start)."""
        with self._lock:
            if self._signing_keypair is None:
                from_env = self._environ.get("HEALTHOPS_SM2_PRIVATE_KEY_FILE")
                if from_env:
                    # Mounted secrets are often group-readable (e.g. 0440); only world access is refused.
                    pem = _read_secret(Path(from_env), strict=False)
                else:
                    path = self.directory / SIGNING_KEY_FILE
                    if not path.exists():
                        _create_once(path, generate_keypair().private_pem)
                    pem = _read_secret(path)
                self._signing_keypair = keypair_from_private_pem(pem)
            return self._signing_keypair

    def rotate_field_key(self) -> str:
        """Prepend a new random field key to the ring file and make it current; return its id."""
        if self._environ.get("HEALTHOPS_FIELD_KEYS"):
            raise KeyRotationUnavailable(
                "HEALTHOPS_FIELD_KEYS is set: prepend a new id:hex key to it and restart to rotate"
            )
        self._ring()  # makes sure the ring file exists
        path = self.directory / FIELD_KEYRING_FILE
        with _locked(self.directory):
            ring = _parse_keyring(_read_secret(path).decode("ascii"), str(path))
            key_id = _next_key_id(ring)
            ring.insert(0, (key_id, secrets.token_bytes(FIELD_KEY_LENGTH)))
            _replace(path, _format_keyring(ring))
        self._ring(reload=True)
        return key_id


@lru_cache(maxsize=1)
def get_key_provider() -> KeyProvider:
    """The process-wide key provider: ``HEALTHOPS_KEY_PROVIDER`` (``module:Class``) or the file default."""
    dotted = os.environ.get("HEALTHOPS_KEY_PROVIDER")
    if not dotted:
        return FileKeyProvider()
    module_name, _, class_name = dotted.partition(":")
    provider = getattr(importlib.import_module(module_name), class_name)()
    if not isinstance(provider, KeyProvider):
        raise TypeError(f"{dotted} does not implement KeyProvider")
    return provider


# --- pipeline keys (unchanged interface) ---------------------------------------------------------


def _load_or_create(name: str, env_var: str, length: int) -> bytes:
    from_env = os.environ.get(env_var)
    if from_env:
        key = bytes.fromhex(from_env)
        if len(key) != length:
            raise ValueError(f"{env_var} must be {length} bytes of hex, got {len(key)}")
        return key
    path = keys_dir() / f"{name}.key"
    if not path.exists():
        _create_once(path, secrets.token_hex(length).encode("ascii"))
    return bytes.fromhex(path.read_text().strip())


@cache
def patient_key_secret() -> bytes:
    """The district secret for HMAC-SM3 patient keys (32 bytes)."""
    return _load_or_create("patient-hmac-sm3", "HEALTHOPS_PATIENT_KEY", 32)


@cache
def data_key() -> bytes:
    """The SM4 key (16 bytes) that encrypts raw source bytes at rest."""
    return _load_or_create("data-sm4", "HEALTHOPS_DATA_KEY", 16)
