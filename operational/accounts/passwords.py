"""Password hashing (argon2id) and the password rules checked at every change.

Rules (seed documents: 至少 8 位，包含大小写字母、数字及特殊符号；禁止弱口令): at least 8 characters with
an upper-case letter, a lower-case letter, a digit and a symbol; not a known weak or default password;
not containing the username or its reverse; not one of the last ``password_history`` passwords.
Plain passwords are never logged, stored or put into error details.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from operational.accounts.config import AccountsConfig
from operational.accounts.errors import WeakPassword
from operational.accounts.models import PasswordHistory

MIN_LENGTH = 8
MAX_LENGTH = 128
SYMBOLS = set(string.punctuation)
_WEAK_LIST = Path(__file__).with_name("weak_passwords.txt")


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable code and the Chinese sentence shown to the user."""

    code: str
    message: str


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def password_hasher(config: AccountsConfig) -> PasswordHasher:
    """The argon2id hasher with the configured cost parameters."""
    return _hasher(config.argon2_time_cost, config.argon2_memory_kib, config.argon2_parallelism)


def hash_password(password: str, *, config: AccountsConfig) -> str:
    """An argon2id PHC string (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``)."""
    return password_hasher(config).hash(password)


def verify_password(password_hash: str, password: str, *, config: AccountsConfig) -> bool:
    """Whether ``password`` matches ``password_hash`` (False on any malformed hash)."""
    try:
        return password_hasher(config).verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=4)
def _dummy_hash(time_cost: int, memory_kib: int, parallelism: int) -> str:
    return _hasher(time_cost, memory_kib, parallelism).hash(secrets.token_urlsafe(16))


def burn_verification_time(password: str, *, config: AccountsConfig) -> None:
    """Verify against a throw-away hash, so an unknown username takes as long as a wrong password."""
    dummy = _dummy_hash(config.argon2_time_cost, config.argon2_memory_kib, config.argon2_parallelism)
    verify_password(dummy, password, config=config)


@lru_cache(maxsize=1)
def weak_passwords() -> frozenset[str]:
    """The built-in list of weak and default passwords, lower-cased."""
    lines = _WEAK_LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def policy_violations(password: str, *, username: str) -> list[Violation]:
    """Every character, length, weak-list and username rule ``password`` breaks (empty: acceptable)."""
    found: list[Violation] = []
    if len(password) < MIN_LENGTH:
        found.append(Violation("too_short", f"密码长度至少 {MIN_LENGTH} 位"))
    if len(password) > MAX_LENGTH:
        found.append(Violation("too_long", f"密码长度不能超过 {MAX_LENGTH} 位"))
    if not any(ch.isascii() and ch.isupper() for ch in password):
        found.append(Violation("no_upper", "密码须包含大写字母"))
    if not any(ch.isascii() and ch.islower() for ch in password):
        found.append(Violation("no_lower", "密码须包含小写字母"))
    if not any(ch.isdigit() for ch in password):
        found.append(Violation("no_digit", "密码须包含数字"))
    if not any(ch in SYMBOLS for ch in password):
        found.append(Violation("no_symbol", "密码须包含特殊符号（如 !@#$%^&*）"))
    if password.lower() in weak_passwords():
        found.append(Violation("weak_password", "该密码属于常见弱口令或默认密码，请更换"))
    name = username.lower()
    if len(name) >= 3 and (name in password.lower() or name[::-1] in password.lower()):
        found.append(Violation("contains_username", "密码不能包含用户名或其倒序"))
    return found


def raise_for_violations(violations: list[Violation]) -> None:
    """Raise ``WeakPassword`` naming every broken rule, if any."""
    if violations:
        raise WeakPassword(
            "密码不符合安全要求：" + "；".join(v.message for v in violations),
            details={"rules": [v.code for v in violations]},
        )


def check_new_password(
    session: Session, *, user_id: str | None, username: str, password: str, config: AccountsConfig
) -> None:
    """Apply every rule, including reuse of the last ``config.password_history`` passwords."""
    violations = policy_violations(password, username=username)
    if not violations and user_id is not None:
        recent = session.scalars(
            select(PasswordHistory.password_hash)
            .where(PasswordHistory.user_id == user_id)
            .order_by(PasswordHistory.created_at.desc())
            .limit(config.password_history)
        )
        if any(verify_password(old, password, config=config) for old in recent):
            violations.append(
                Violation("reused", f"新密码不能与最近 {config.password_history} 次使用过的密码相同")
            )
    raise_for_violations(violations)


def generate_temporary_password(length: int = 16) -> str:
    """A random password meeting every rule (for new accounts and resets; shown once)."""
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*-_=+"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if not policy_violations(candidate, username=""):
            return candidate
