"""Masking and pseudonymization of personal fields: one set of rules for every detail view and export.

Rules (GB/T 35273 §A "去标识化" practice, as the district commission applies it):

==========  =============================  ===============================
kind        example                        masked
==========  =============================  ===============================
name        张小三                          张*三
phone       13812345678                    138****5678
id_number   310106199001011234             310***********1234
address     上海市静安区南京西路1266号        上海市静安区***
email       zhangsan@example.com           z*******@example.com
bank_card   6222021234567890123            6222***********0123
==========  =============================  ===============================

Masked values are for people to read. Data leaving for a third party (e.g. the AI-report
interface) is pseudonymized instead: :func:`pseudonymize` gives a stable token per purpose that
cannot be reversed, and differs between purposes so two recipients cannot join their data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from operational.security.keys import KeyProvider

_LONG_DIGITS = re.compile(r"\d{6,}")
_SEPARATORS = re.compile(r"[\s\-]")

# One administrative-unit name: short, and never a street, building or village word, so that a
# "小区" or a road is never mistaken for a district and shown.
_UNIT = r"[^\d\s省市区县旗路街巷弄号镇乡村栋楼室幢]{1,8}?"
_NOT_DISTRICTS = ("小区", "社区", "园区", "校区", "景区", "厂区", "营区")  # places, not administrative units
_ADDRESS = re.compile(
    rf"(?P<province>北京市|天津市|上海市|重庆市|{_UNIT}(?:省|自治区|特别行政区))?"
    rf"(?P<city>{_UNIT}(?:市|自治州|地区|盟))?"
    rf"(?P<district>{_UNIT}(?:区|县|旗|市))?"
)


def mask_name(name: str | None) -> str | None:
    """张三 -> 张*, 张小三 -> 张*三, 欧阳小明 -> 欧**明; one character -> *."""
    if not name:
        return name
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str | None) -> str | None:
    """13812345678 -> 138****5678, +86 138 1234 5678 -> +86138****5678; short numbers keep only 4 or 0."""
    if not phone:
        return phone
    phone = _SEPARATORS.sub("", phone.strip())
    prefix = ""
    for country in ("+86", "0086"):
        if phone.startswith(country) and len(phone) > len(country) + 7:
            prefix, phone = country, phone[len(country) :]
    if len(phone) >= 11:
        return prefix + phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    if len(phone) >= 8:
        return prefix + "*" * (len(phone) - 4) + phone[-4:]
    return prefix + "*" * len(phone)


def mask_id_number(id_number: str | None) -> str | None:
    """310106199001011234 -> 310***********1234 (first 3, last 4); fewer than 10 characters -> all *."""
    if not id_number:
        return id_number
    id_number = _SEPARATORS.sub("", id_number.strip())
    if len(id_number) < 10:
        return "*" * len(id_number)
    return id_number[:3] + "*" * (len(id_number) - 7) + id_number[-4:]


def mask_address(address: str | None) -> str | None:
    """Keep the province, city and district (区/县/旗/县级市) and mask the rest: 上海市静安区***.

    An address whose administrative units cannot be recognised is masked entirely (``***``).
    """
    if not address:
        return address
    address = re.sub(r"\s", "", address)
    match = _ADDRESS.match(address)
    kept = "".join(
        part
        for name in ("province", "city", "district")
        if (part := match.group(name)) and not part.endswith(_NOT_DISTRICTS)
    )
    return kept + "***"


def mask_email(email: str | None) -> str | None:
    """zhangsan@example.com -> z*******@example.com; a@x.cn -> *@x.cn; without @ -> all *."""
    if not email:
        return email
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local:
        return "*" * len(email)
    if len(local) == 1:
        return "*@" + domain
    return local[0] + "*" * (len(local) - 1) + "@" + domain


def mask_bank_card(card_number: str | None) -> str | None:
    """6222021234567890123 -> 6222***********0123 (first 4, last 4); fewer than 12 digits -> all *."""
    if not card_number:
        return card_number
    card_number = _SEPARATORS.sub("", card_number.strip())
    if len(card_number) < 12:
        return "*" * len(card_number)
    return card_number[:4] + "*" * (len(card_number) - 8) + card_number[-4:]


MASKS = {
    "name": mask_name,
    "phone": mask_phone,
    "id_number": mask_id_number,
    "address": mask_address,
    "email": mask_email,
    "bank_card": mask_bank_card,
}
"""The masking rule of each field kind."""


def mask_record(record: Mapping[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """A copy of ``record`` with each field in ``fields`` (field name -> kind) masked by its rule.

    Fields absent from the record are ignored; ``None`` stays ``None``; other fields are unchanged.
    Raises ``ValueError`` for an unknown kind (so a typo never leaves a field unmasked silently).
    """
    unknown = sorted(set(fields.values()) - MASKS.keys())
    if unknown:
        raise ValueError(f"unknown masking kind(s) {', '.join(unknown)}; one of {', '.join(MASKS)}")
    masked = dict(record)
    for field, kind in fields.items():
        value = masked.get(field)
        if value is not None:
            masked[field] = MASKS[kind](str(value))
    return masked


def pseudonymize(value: str, *, kind: str, purpose: str, provider: KeyProvider | None = None) -> str:
    """A stable, irreversible token for ``value`` that differs per ``purpose`` (32 hex characters).

    HMAC-SM3 under a key derived per purpose from the blind-index key; values are normalized as
    for blind indexes (``kind`` is one of phone, id_number, name, email, text), so 138-1234-5678
    and 13812345678 give one token. Two recipients (two purposes) cannot join on their tokens.
    """
    from operational.security.crypto import hmac_sm3_hex
    from operational.security.fields import normalize_for_index
    from operational.security.keys import get_key_provider

    if not purpose:
        raise ValueError("pseudonymize needs a purpose (e.g. 'ai-report')")
    normalized = normalize_for_index(value, kind=kind)
    master = (provider or get_key_provider()).blind_index_key()
    purpose_key = bytes.fromhex(hmac_sm3_hex(master, f"healthops.pseudonym\x00{purpose}"))
    return hmac_sm3_hex(purpose_key, f"{kind}\x00{normalized}")[:32]


def redact_excerpt(text: str, limit: int = 160) -> str:
    """A short excerpt of a rejected record that is safe to show: long digit runs and CJK masked.

    The original bytes stay recoverable (encrypted) in the raw landing; this is only a pointer.
    """
    text = text[:limit]
    text = _LONG_DIGITS.sub(lambda m: m.group(0)[:3] + "*" * (len(m.group(0)) - 3), text)
    return "".join("*" if "\u4e00" <= ch <= "\u9fff" else ch for ch in text)
