"""Pseudonymization at the door: the only place a plaintext ID number, phone or name is seen.

Adapters call :func:`person_fields` while parsing; what they land carries the HMAC-SM3 patient key
and masked forms only, so no plaintext personal field ever reaches the lake or the warehouse.
"""

from __future__ import annotations

from operational.security.crypto import hmac_sm3_hex
from operational.security.keys import patient_key_secret
from operational.security.masking import mask_id_number, mask_name, mask_phone


def patient_key(id_number: str) -> str:
    """HMAC-SM3 (district secret) of the normalized 18-digit ID number."""
    return hmac_sm3_hex(patient_key_secret(), id_number.strip().upper())


def person_fields(*, name: str | None, phone: str | None, id_number: str | None) -> dict[str, str | None]:
    """The landed identity columns for one person: key plus masked name, phone and ID number."""
    return {
        "patient_key": patient_key(id_number) if id_number else None,
        "patient_name_masked": mask_name(name),
        "patient_phone_masked": mask_phone(phone),
        "patient_id_number_masked": mask_id_number(id_number),
    }
