"""Factories for small DuckDB warehouses that follow the dbt contract (tests only).

``WarehouseBuilder`` writes exactly the rows a test states; ``build_screen_warehouse`` fills every
code the big screen shows, for all institutions, over a window long enough for 同比.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from warehouse.paths import REPO_ROOT

COMPUTED_AT = dt.datetime(2025, 6, 30, 2, 15, 0)
_COLUMNS = [
    "indicator_code",
    "grain",
    "period_start",
    "institution_code",
    "dimension",
    "member",
    "value",
    "numerator",
    "denominator",
    "computed_at",
]
_DDL = """
CREATE SCHEMA IF NOT EXISTS indicators;
CREATE TABLE indicators.indicator_values (
    indicator_code VARCHAR NOT NULL, grain VARCHAR NOT NULL, period_start DATE NOT NULL,
    institution_code VARCHAR, dimension VARCHAR, member VARCHAR, value DOUBLE NOT NULL,
    numerator DOUBLE, denominator DOUBLE, computed_at TIMESTAMP NOT NULL
);
"""


def seed_institutions() -> pd.DataFrame:
    """The 26 institutions of the dbt seed."""
    return pd.read_csv(REPO_ROOT / "dbt" / "seeds" / "institutions.csv", dtype=str)


@dataclass
class WarehouseBuilder:
    """Collects indicator rows, then writes a contract-shaped DuckDB file."""

    rows: list[dict[str, object]] = field(default_factory=list)

    def add(
        self,
        code: str,
        grain: str,
        period_start: dt.date,
        value: float,
        *,
        institution_code: str | None = None,
        dimension: str | None = None,
        member: str | None = None,
        numerator: float | None = None,
        denominator: float | None = None,
    ) -> WarehouseBuilder:
        """Add one row."""
        self.rows.append(
            dict(
                zip(
                    _COLUMNS,
                    [
                        code,
                        grain,
                        period_start,
                        institution_code,
                        dimension,
                        member,
                        float(value),
                        numerator,
                        denominator,
                        COMPUTED_AT,
                    ],
                )
            )
        )
        return self

    def add_daily(self, code: str, start: dt.date, values: list[float], **kwargs: object) -> WarehouseBuilder:
        """Add one day-grain row per value, from ``start`` on consecutive days."""
        for offset, value in enumerate(values):
            self.add(code, "day", start + dt.timedelta(days=offset), value, **kwargs)  # type: ignore[arg-type]
        return self

    def write(self, path: Path, *, with_dim_institutions: bool = True) -> Path:
        """Write the warehouse to ``path`` (replacing it) and return the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        frame = pd.DataFrame(self.rows, columns=_COLUMNS)
        con = duckdb.connect(str(path))
        try:
            con.execute(_DDL)
            con.register("incoming", frame)
            con.execute(
                "INSERT INTO indicators.indicator_values SELECT indicator_code, grain, "
                "CAST(period_start AS DATE), institution_code, dimension, member, value, numerator, "
                "denominator, CAST(computed_at AS TIMESTAMP) FROM incoming"
            )
            if with_dim_institutions:
                con.register("seed", seed_institutions())
                con.execute(
                    "CREATE TABLE main.dim_institutions AS SELECT institution_code, institution_name, "
                    "short_name, institution_type, has_inpatient = 'true' AS has_inpatient, his_vendor FROM seed"
                )
        finally:
            con.close()
        return path


MODULES = [
    "健康档案",
    "门诊预约",
    "住院服务",
    "云陪诊",
    "互联网诊疗",
    "药品查询",
    "一键续方",
    "代配药",
    "疫苗接种",
    "健康体检",
]
AGE_BANDS = ["0-17", "18-39", "40-59", "60-69", "70-79", "80+"]


def build_screen_warehouse(path: Path, *, end: dt.date = dt.date(2025, 6, 29), days: int = 400) -> Path:
    """A warehouse with every code the big screen reads, for 26 institutions, ending on ``end``."""
    rng = np.random.default_rng(20250629)
    builder = WarehouseBuilder()
    institutions = seed_institutions()["institution_code"].tolist()
    weights = rng.uniform(0.3, 3.0, len(institutions))
    dates = [end - dt.timedelta(days=days - 1 - i) for i in range(days)]
    registered = verified = 0.0
    for day in dates:
        weekday_factor = 0.55 if day.weekday() >= 5 else 1.0
        appts = np.round(weights * 120 * weekday_factor * rng.uniform(0.85, 1.15, len(weights)))
        regs = np.round(appts * rng.uniform(1.6, 2.1, len(weights)))
        from_appt = np.round(regs * rng.uniform(0.35, 0.6, len(weights)))
        for code, values in (("ITS.PRE.appointments_today", appts), ("ITS.REG.registrations_today", regs)):
            builder.add(code, "day", day, values.sum())
            for inst, value in zip(institutions, values):
                builder.add(code, "day", day, value, institution_code=inst)
        builder.add("ITS.PRE.appointments_trend", "day", day, appts.sum())
        builder.add("ITS.REG.registrations_trend", "day", day, regs.sum())
        for rank_code, values in (
            ("ITS.PRE.appointments_ranking", appts),
            ("ITS.REG.registrations_ranking", regs),
        ):
            for inst, value in zip(institutions, values):
                builder.add(rank_code, "day", day, value, institution_code=inst)
        builder.add(
            "ITS.PRE.appointment_rate",
            "day",
            day,
            round(100 * from_appt.sum() / regs.sum(), 4),
            numerator=from_appt.sum(),
            denominator=regs.sum(),
        )
        due, kept = appts.sum(), np.round(appts.sum() * rng.uniform(0.82, 0.93))
        builder.add(
            "ITS.PRE.fulfilment_rate", "day", day, round(100 * kept / due, 4), numerator=kept, denominator=due
        )
        new_users = float(rng.integers(300, 700))
        registered += new_users
        verified += np.round(new_users * 0.8)
        builder.add("PUB.USERS.registered_cumulative", "cumulative", day, 480_000 + registered)
        builder.add("PUB.USERS.verified_cumulative", "cumulative", day, 390_000 + verified)
        builder.add("PUB.ACTIVE.dau", "day", day, round(float(rng.integers(18_000, 26_000)) * weekday_factor))
        visits = rng.integers(500, 9_000, len(MODULES)).astype(float)
        builder.add("PUB.ACTIVE.module_visits", "day", day, visits.sum())
        for module, value in zip(MODULES, visits):
            builder.add("PUB.ACTIVE.module_visits", "day", day, value, dimension="module", member=module)
    for month in sorted({d.replace(day=1) for d in dates}):
        builder.add("PUB.ACTIVE.mau", "month", month, float(rng.integers(150_000, 190_000)))
    total = 390_000 + verified
    for dim_code, dimension, members, shares in (
        ("PUB.USERS.verified_by_gender", "gender", ["男", "女"], [0.46, 0.54]),
        ("PUB.USERS.verified_by_age", "age_band", AGE_BANDS, [0.08, 0.27, 0.25, 0.17, 0.14, 0.09]),
    ):
        builder.add(dim_code, "cumulative", end, total)
        for member, share in zip(members, shares):
            builder.add(dim_code, "cumulative", end, round(total * share), dimension=dimension, member=member)
    return builder.write(path)
