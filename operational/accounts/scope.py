"""Data scope in the query layer: every list and detail query of a scoped table goes through here.

A row outside the caller's institutions is simply not found (a detail answers 404, never 403), so
the existence of another hospital's rows does not leak.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false

from operational.accounts.principal import Principal

S = TypeVar("S", bound=Select[Any])


def apply_institution_scope(stmt: S, principal: Principal, column: ColumnElement[Any] | Any) -> S:
    """``stmt`` restricted to rows whose ``column`` (an institution code) is in the caller's scope.

    District principals see everything, including district-level rows (``column`` NULL);
    institution principals see only their institutions' rows, never NULL ones; an empty scope
    sees nothing.
    """
    codes = principal.institution_codes
    if codes is None:
        return stmt
    if not codes:
        return stmt.where(false())
    return stmt.where(column.in_(sorted(codes)))
