"""Who is calling: a signed-in staff member or a hospital system holding an API key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Principal:
    """The authenticated caller of one request.

    ``institution_codes`` is the data scope: ``None`` means the whole district, otherwise the
    institutions (JA01–JA26) whose rows the caller may see; an empty set sees nothing.
    """

    kind: Literal["staff", "system"]
    user_id: str | None
    username: str
    roles: frozenset[str]
    permissions: frozenset[str]
    institution_codes: frozenset[str] | None
    department_code: str | None = None
    session_id: str | None = None
    api_key_id: str | None = None
    source_ip: str | None = None

    @property
    def is_district(self) -> bool:
        """Whether the caller sees every institution of the district."""
        return self.institution_codes is None

    def has_permission(self, name: str) -> bool:
        """Whether the caller holds the function permission ``name``."""
        return name in self.permissions

    def covers_institution(self, institution_code: str | None) -> bool:
        """Whether a row of ``institution_code`` (None: district-level row) is inside the scope."""
        if self.institution_codes is None:
            return True
        return institution_code is not None and institution_code in self.institution_codes

    @property
    def actor_id(self) -> str:
        """The id written to the audit log (user id, or ``apikey:<id>`` for systems)."""
        if self.kind == "system":
            return f"apikey:{self.api_key_id}"
        return str(self.user_id)
