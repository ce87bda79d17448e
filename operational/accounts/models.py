"""ORM models of the accounts domain (migration ``accounts_0001_accounts``).

Personal data of staff (real name, phone) is encrypted at rest; the phone is found by its blind
index. Secrets are only ever stored as hashes: passwords with argon2id, session tokens and API-key
secrets (long random values) with SM3, captcha answers with HMAC-SM3.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from operational.common.db import Base
from operational.security.columns import EncryptedText


class User(Base):
    """A staff account; ``institution_code`` is its home institution (None: district staff)."""

    __tablename__ = "accounts_users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    real_name: Mapped[str | None] = mapped_column(EncryptedText("accounts_users.real_name"))
    phone: Mapped[str | None] = mapped_column(EncryptedText("accounts_users.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    institution_code: Mapped[str | None] = mapped_column(String(8), index=True)
    department_code: Mapped[str | None] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(Text)
    password_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText("accounts_users.totp_secret"))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class RoleGrant(Base):
    """One role held by a user, at one institution (None for district roles)."""

    __tablename__ = "accounts_role_grants"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("accounts_users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    institution_code: Mapped[str | None] = mapped_column(String(8))
    department_code: Mapped[str | None] = mapped_column(String(32))
    granted_by: Mapped[str | None] = mapped_column(String(64))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("user_id", "role", "institution_code", postgresql_nulls_not_distinct=True),
    )


class PasswordHistory(Base):
    """A previous (or the current) password hash of a user, to refuse reuse."""

    __tablename__ = "accounts_password_history"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("accounts_users.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A sign-in; ``purpose`` is ``full`` or a restricted one (``password_change``, ``totp_enrol``)."""

    __tablename__ = "accounts_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("accounts_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(32))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(32))


class LoginAttempt(Base):
    """One sign-in attempt, by the username typed (lower-cased) and the source address."""

    __tablename__ = "accounts_login_attempts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    source_ip: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
    attempted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_accounts_login_attempts_username_attempted_at", "username", "attempted_at"),
        Index("ix_accounts_login_attempts_source_ip_attempted_at", "source_ip", "attempted_at"),
    )


class Captcha(Base):
    """An image-captcha challenge: the answer's HMAC, single use, short-lived."""

    __tablename__ = "accounts_captchas"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    answer_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKey(Base):
    """A system account of a hospital system: key prefix (public) and SM3 of the secret."""

    __tablename__ = "accounts_api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    institution_code: Mapped[str] = mapped_column(String(8), index=True)
    permissions: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    ip_allowlist: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
