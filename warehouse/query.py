"""The read-only query layer over ``indicators.indicator_values``: the only Python holding warehouse SQL.

Every function takes a :class:`Scope`. The scope filter is part of each statement's ``WHERE``
clause, so an institution-scoped caller can never receive another institution's rows, nor the
district total (which aggregates the others); a district-scoped caller reads everything. Asking
for another institution raises :class:`OutOfScope` rather than silently returning nothing.

All values are read as stored: period-over-period changes are computed here in SQL from stored
values, never in a page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from warehouse.connection import WarehouseUnavailable, connect
from warehouse.paths import REPO_ROOT, warehouse_path

EMPTY_MESSAGE_ZH = "数据仓库尚未包含指标数据，请先运行 healthops pipeline"
OUT_OF_SCOPE_MESSAGE_ZH = "无权查看其他机构的数据"
INSTITUTIONS_SEED = REPO_ROOT / "dbt" / "seeds" / "institutions.csv"

# The rows one caller may see; inlined in every statement (parameters, never string formatting).
_SCOPE_SQL = "($scope IS NULL OR list_contains($scope, v.institution_code))"
_SERIES_SQL = f"""
    v.indicator_code = $code AND v.grain = $grain AND {_SCOPE_SQL}
    AND v.institution_code IS NOT DISTINCT FROM $institution
    AND v.dimension IS NOT DISTINCT FROM $dimension
    AND ($member IS NULL OR v.member = $member)
"""


class OutOfScope(PermissionError):
    """The caller asked for rows outside its institution scope."""

    message_zh = OUT_OF_SCOPE_MESSAGE_ZH


@dataclass(frozen=True)
class Scope:
    """Whose rows a caller may read: some institutions, or the whole district (``None``)."""

    institution_codes: tuple[str, ...] | None = None

    @classmethod
    def district(cls) -> Scope:
        """Scope of district-level users: every row."""
        return cls(None)

    @classmethod
    def institution(cls, code: str) -> Scope:
        """Scope of an institution's managers: that institution's rows only."""
        return cls((code,))

    @classmethod
    def institutions(cls, codes: Iterable[str]) -> Scope:
        """Scope of a user bound to several institutions: their rows only."""
        return cls(tuple(sorted(set(codes))))

    @property
    def is_district(self) -> bool:
        """Whether this scope reads the whole district."""
        return self.institution_codes is None

    def check(self, institution_code: str | None) -> None:
        """Raise :class:`OutOfScope` unless this scope may read ``institution_code`` (None = district)."""
        if not self.is_district and institution_code not in (self.institution_codes or ()):
            raise OutOfScope(OUT_OF_SCOPE_MESSAGE_ZH)


@dataclass(frozen=True)
class Comparison:
    """A value beside its previous period (环比) and the same period a year before (同比)."""

    period_start: dt.date
    value: float
    previous_start: dt.date
    previous_value: float | None
    previous_change: float | None
    previous_change_pct: float | None
    last_year_start: dt.date
    last_year_value: float | None
    last_year_change: float | None
    last_year_change_pct: float | None


@dataclass(frozen=True)
class Freshness:
    """How current the warehouse is: the latest day with data and when it was computed."""

    latest_period: dt.date | None
    computed_at: dt.datetime | None


def _params(scope: Scope, **values: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"scope": None if scope.is_district else list(scope.institution_codes or ())}
    params.update(values)
    return params


def _series_params(
    scope: Scope,
    code: str,
    grain: str,
    institution: str | None,
    dimension: str | None,
    member: str | None,
    **extra: Any,
) -> dict[str, Any]:
    """Parameters of ``_SERIES_SQL`` plus any statement-specific ones."""
    return _params(
        scope, code=code, grain=grain, institution=institution, dimension=dimension, member=member, **extra
    )


def _fetch_df(sql: str, params: dict[str, Any], *, institutions: bool = False) -> pd.DataFrame:
    """Run one statement on a fresh read-only connection; a missing table means an empty warehouse."""
    with connect() as con:
        try:
            if institutions:
                _register_institutions(con)
            return con.execute(sql, params).df()
        except duckdb.CatalogException as exc:
            raise WarehouseUnavailable(EMPTY_MESSAGE_ZH, path=warehouse_path()) from exc


def _fetch_one(sql: str, params: dict[str, Any]) -> tuple[Any, ...] | None:
    with connect() as con:
        try:
            rows = con.execute(sql, params).fetchall()
            return rows[0] if rows else None
        except duckdb.CatalogException as exc:
            raise WarehouseUnavailable(EMPTY_MESSAGE_ZH, path=warehouse_path()) from exc


def _register_institutions(con: duckdb.DuckDBPyConnection) -> None:
    """Expose ``institutions`` on this connection: the dbt dimension, or the seed before dbt built it."""
    # fetchall, not fetchone: DuckDB refuses further work while a result is left unfinished.
    has_dim = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = 'dim_institutions'"
    ).fetchall()[0][0]
    if has_dim:
        con.execute("CREATE TEMP VIEW institutions AS SELECT * FROM main.dim_institutions")
    else:
        seed = pd.read_csv(INSTITUTIONS_SEED, dtype=str)
        con.register("institutions", seed)


def read_values(
    code: str,
    grain: str,
    *,
    scope: Scope,
    institution_code: str | None = None,
    dimension: str | None = None,
    member: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Stored rows of one code and grain, oldest first.

    ``institution_code`` None reads the district rows; ``dimension`` None reads the total rows,
    a dimension name reads every member (or only ``member``). ``start``/``end`` bound
    ``period_start`` inclusively.
    """
    scope.check(institution_code)
    sql = f"""
        SELECT v.period_start, v.institution_code, v.dimension, v.member, v.value,
               v.numerator, v.denominator, v.computed_at
        FROM indicators.indicator_values AS v
        WHERE {_SERIES_SQL}
          AND ($start IS NULL OR v.period_start >= $start)
          AND ($end IS NULL OR v.period_start <= $end)
        ORDER BY v.period_start, v.member
    """
    return _fetch_df(
        sql,
        _series_params(scope, code, grain, institution_code, dimension, member, start=start, end=end),
    )


def time_series(
    code: str,
    grain: str,
    *,
    scope: Scope,
    institution_code: str | None = None,
    dimension: str | None = None,
    member: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """One series (``period_start``, ``value``) oldest first; see :func:`read_values` for the filters."""
    frame = read_values(
        code,
        grain,
        scope=scope,
        institution_code=institution_code,
        dimension=dimension,
        member=member,
        start=start,
        end=end,
    )
    return frame[["period_start", "member", "value"]].reset_index(drop=True)


def latest_period(
    code: str, grain: str, *, scope: Scope, institution_code: str | None = None
) -> dt.date | None:
    """The most recent ``period_start`` stored for a code's total rows (None when there is none)."""
    scope.check(institution_code)
    sql = f"""
        SELECT max(v.period_start) FROM indicators.indicator_values AS v WHERE {_SERIES_SQL}
    """
    row = _fetch_one(sql, _series_params(scope, code, grain, institution_code, None, None))
    return row[0] if row else None


def period_comparison(
    code: str,
    grain: str,
    *,
    scope: Scope,
    institution_code: str | None = None,
    period_start: dt.date | None = None,
    dimension: str | None = None,
    member: str | None = None,
) -> Comparison | None:
    """The value of a period (default: the latest) with 环比 and 同比 computed in SQL.

    The previous period is one grain earlier (a day for ``day`` and ``cumulative``); the same
    period last year is one year earlier (52 weeks for ``week``, so it is again a Monday).
    Changes are absolute (percentage points for percent codes) and relative (%, None when the
    reference is 0 or missing). Returns None when the period has no stored value.
    """
    scope.check(institution_code)
    sql = f"""
        WITH series AS (
            SELECT v.period_start, v.value FROM indicators.indicator_values AS v WHERE {_SERIES_SQL}
        ),
        cur AS (
            SELECT period_start, value FROM series
            WHERE period_start = coalesce($period, (SELECT max(period_start) FROM series))
        ),
        ref AS (
            SELECT period_start, value,
                   CAST(CASE $grain
                        WHEN 'week' THEN period_start - INTERVAL 7 DAY
                        WHEN 'month' THEN period_start - INTERVAL 1 MONTH
                        WHEN 'quarter' THEN period_start - INTERVAL 3 MONTH
                        WHEN 'year' THEN period_start - INTERVAL 1 YEAR
                        ELSE period_start - INTERVAL 1 DAY END AS DATE) AS previous_start,
                   CAST(CASE $grain
                        WHEN 'week' THEN period_start - INTERVAL 364 DAY
                        ELSE period_start - INTERVAL 1 YEAR END AS DATE) AS last_year_start
            FROM cur
        )
        SELECT ref.period_start, ref.value,
               ref.previous_start, p.value, ref.value - p.value,
               CASE WHEN p.value <> 0 THEN round(100 * (ref.value - p.value) / abs(p.value), 2) END,
               ref.last_year_start, y.value, ref.value - y.value,
               CASE WHEN y.value <> 0 THEN round(100 * (ref.value - y.value) / abs(y.value), 2) END
        FROM ref
        LEFT JOIN series AS p ON p.period_start = ref.previous_start
        LEFT JOIN series AS y ON y.period_start = ref.last_year_start
    """
    params = _series_params(scope, code, grain, institution_code, dimension, member, period=period_start)
    row = _fetch_one(sql, params)
    return Comparison(*row) if row else None


def institution_ranking(
    code: str,
    grain: str,
    *,
    scope: Scope,
    period_start: dt.date | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Institutions ordered by value for one period (default: the latest), with names and rank.

    Columns: ``rank, institution_code, institution_name, short_name, value``. An institution
    scope yields only its own row.
    """
    sql = f"""
        WITH rows AS (
            SELECT v.institution_code, v.value, v.period_start
            FROM indicators.indicator_values AS v
            WHERE v.indicator_code = $code AND v.grain = $grain AND {_SCOPE_SQL}
              AND v.institution_code IS NOT NULL AND v.dimension IS NULL
        ),
        period AS (SELECT coalesce($period, (SELECT max(period_start) FROM rows)) AS period_start)
        SELECT CAST(rank() OVER (ORDER BY r.value DESC) AS INTEGER) AS rank,
               r.institution_code,
               coalesce(i.institution_name, r.institution_code) AS institution_name,
               coalesce(i.short_name, i.institution_name, r.institution_code) AS short_name,
               r.value, r.period_start
        FROM rows AS r
        JOIN period USING (period_start)
        LEFT JOIN institutions AS i ON i.institution_code = r.institution_code
        ORDER BY r.value DESC, r.institution_code
        LIMIT coalesce($limit, 1000000)
    """
    params = _params(scope, code=code, grain=grain, period=period_start, limit=limit)
    return _fetch_df(sql, params, institutions=True)


def breakdown(
    code: str,
    grain: str,
    dimension: str,
    *,
    scope: Scope,
    period_start: dt.date | None = None,
    institution_code: str | None = None,
) -> pd.DataFrame:
    """Members of one dimension for one period (default: the latest), largest first: ``member, value``."""
    scope.check(institution_code)
    sql = f"""
        WITH rows AS (
            SELECT v.period_start, v.member, v.value FROM indicators.indicator_values AS v
            WHERE {_SERIES_SQL}
        )
        SELECT member, value, period_start FROM rows
        WHERE period_start = coalesce($period, (SELECT max(period_start) FROM rows))
        ORDER BY value DESC, member
    """
    params = _series_params(scope, code, grain, institution_code, dimension, None, period=period_start)
    return _fetch_df(sql, params)


def data_freshness(*, scope: Scope) -> Freshness:
    """The latest day with daily data in scope and the latest ``computed_at``."""
    sql = f"""
        SELECT max(v.period_start) FILTER (WHERE v.grain = 'day'), max(v.computed_at)
        FROM indicators.indicator_values AS v WHERE {_SCOPE_SQL}
    """
    row = _fetch_one(sql, _params(scope))
    return Freshness(*row) if row else Freshness(None, None)


def list_institutions(*, scope: Scope) -> pd.DataFrame:
    """The institutions a scope may see: ``institution_code, institution_name, short_name, …``."""
    sql = f"""
        SELECT * FROM institutions AS v WHERE {_SCOPE_SQL}
        ORDER BY v.institution_code
    """
    return _fetch_df(sql, _params(scope), institutions=True)
