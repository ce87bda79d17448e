"""SQLAlchemy column type for personal fields encrypted at rest.

    phone: Mapped[str | None] = mapped_column(EncryptedText("users.phone"))
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)  # blind_index(..., kind="phone")

The column stores :func:`~operational.security.fields.encrypt_field` blobs (``bytea`` on
PostgreSQL). Encryption is randomized, so never filter on the encrypted column itself: filter on
its blind index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from operational.security.fields import decrypt_field, encrypt_field


class EncryptedText(TypeDecorator[str]):
    """Text encrypted with SM4-GCM on the way in and decrypted on the way out; ``None`` stays ``None``.

    ``context`` (e.g. ``"users.phone"``) is bound into every blob, so a blob moved to another column
    does not decrypt there.
    """

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> bytes | None:
        """Encrypt a value being written."""
        if value is None:
            return None
        return encrypt_field(value, context=self.context)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> str | None:
        """Decrypt a value being read."""
        if value is None:
            return None
        return decrypt_field(bytes(value), context=self.context)

    def __repr__(self) -> str:
        return f"EncryptedText({self.context!r})"
