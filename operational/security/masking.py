"""Masking of personal fields for every detail view and export (e.g. 张*三, 138****1234)."""

from __future__ import annotations

import re

_LONG_DIGITS = re.compile(r"\d{6,}")


def mask_name(name: str | None) -> str | None:
    """张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明."""
    if not name:
        return name
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str | None:
    """13812345678 -> 138****5678."""
    if not phone:
        return phone
    phone = phone.strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(id_number: str | None) -> str | None:
    """310106199001011234 -> 3101**********1234."""
    if not id_number:
        return id_number
    id_number = id_number.strip()
    if len(id_number) < 8:
        return "*" * len(id_number)
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def redact_excerpt(text: str, limit: int = 160) -> str:
    """A short excerpt of a rejected record that is safe to show: long digit runs and CJK masked.

    The original bytes stay recoverable (encrypted) in the raw landing; this is only a pointer.
    """
    text = text[:limit]
    text = _LONG_DIGITS.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), text)
    return "".join("*" if "\u4e00" <= ch <= "\u9fff" else ch for ch in text)
