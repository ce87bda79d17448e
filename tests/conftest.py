"""Session-wide test setup: fixed keys, a throw-away PostgreSQL database, and one small simulated district.

Keys are fixed for the whole session so cached key material can never differ between tests (a
row encrypted by one test's code stays readable by another's). ``database_url`` is a fresh
database migrated to every Alembic head, named by ``DATABASE_URL`` for the session.
The ``district`` fixture simulates a small district across a month boundary, runs the real
pipeline (Dagster, adapters, dbt on DuckDB) into its own HEALTHOPS_VAR, and is shared by the
end-to-end tests.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.operational.postgres import migrated_database

os.environ.setdefault("HEALTHOPS_PATIENT_KEY", "11" * 32)
os.environ.setdefault("HEALTHOPS_DATA_KEY", "22" * 16)
os.environ.setdefault("HEALTHOPS_FIELD_KEYS", "t1:" + "33" * 16)
os.environ.setdefault("HEALTHOPS_BLIND_INDEX_KEY", "44" * 32)
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

E2E_START = dt.date(2026, 9, 22)  # spans the end of September and the start of October
E2E_DAYS = 16
E2E_SCALE = 0.02
E2E_SEED = 7


@dataclass(frozen=True)
class District:
    var: Path
    start: dt.date
    days: int
    summary: object

    @property
    def warehouse(self) -> Path:
        return self.var / "warehouse.duckdb"

    @property
    def truth(self) -> Path:
        return self.var / "sim" / "truth"

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory):
    """Simulate → pipeline once per session, in an isolated HEALTHOPS_VAR."""
    from pipelines.orchestrate import run_pipeline
    from pipelines.simulate.run import simulate

    var = tmp_path_factory.mktemp("district")
    saved = {name: os.environ.get(name) for name in ("HEALTHOPS_VAR", "DAGSTER_HOME")}
    os.environ["HEALTHOPS_VAR"] = str(var)
    os.environ.pop("DAGSTER_HOME", None)
    try:
        simulate(start=E2E_START, days=E2E_DAYS, scale=E2E_SCALE, seed=E2E_SEED, defect_rate=0.02)
        summary = run_pipeline()
        yield District(var=var, start=E2E_START, days=E2E_DAYS, summary=summary)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated throw-away database; ``DATABASE_URL`` names it for the session."""
    with migrated_database(tmp_path_factory.mktemp("pg")) as url:
        yield url
