"""One small landed lake and one `dbt build` per test module.

The scenario spans 2025-03-31 to 2025-04-02 (a month boundary) and holds what the indicators
must get right: a duplicate delivery, late corrections, history before the data window, a
timestamp that is the next local day, cancelled records and quiet institutions.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.adapters.duckdb.connections import DuckDBConnectionManager
from dbt.cli.main import dbtRunner

from tests.dbt.landed_factory import LakeBuilder
from warehouse.paths import dbt_project_dir

D1, D2, D3 = dt.date(2025, 3, 31), dt.date(2025, 4, 1), dt.date(2025, 4, 2)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A Shanghai local time on ``day``."""
    return dt.datetime.combine(day, dt.time(hour, minute))


def build_scenario(lake: LakeBuilder) -> None:
    """The district of the dbt tests (see the module docstring)."""
    # JA01, vendor A (HL7)
    lake.appointment(
        "his_a", "JA01", D1, "A0", created=at(dt.date(2025, 3, 20), 9), slot=at(dt.date(2025, 3, 25), 9)
    )
    lake.appointment("his_a", "JA01", D1, "A1", created=at(D1, 10), slot=at(D2, 9))
    lake.appointment("his_a", "JA01", D1, "A1", created=at(D1, 10), slot=at(D2, 9))  # duplicate delivery
    lake.appointment("his_a", "JA01", D1, "A2", created=at(D1, 11), slot=at(D1, 15), channel="窗口")
    # late correction: A2 was cancelled before its slot, delivered the next day
    lake.appointment(
        "his_a",
        "JA01",
        D2,
        "A2",
        created=at(D1, 11),
        slot=at(D1, 15),
        channel="窗口",
        status="cancelled",
        cancelled=at(D1, 12),
        version_at=at(D1, 12),
    )
    lake.registration("his_a", "JA01", D2, "R1", registered=at(D2, 9), appointment_id="A1")
    lake.registration("his_a", "JA01", D2, "R2", registered=at(D2, 10), visit_type="急诊")
    lake.registration("his_a", "JA01", D2, "R3", registered=at(D2, 11), status="cancelled")
    # late correction: R4 was first sent dated D1, corrected on D3 to D2
    lake.registration("his_a", "JA01", D1, "R4", registered=at(D1, 16), version_at=at(D1, 16))
    lake.registration("his_a", "JA01", D3, "R4", registered=at(D2, 16), version_at=at(D3, 8))
    lake.quarantine("his_a", "JA01", D2, "消息缺少PID段", "MSH|^~\\&|HIS|JA01|")
    # JA02, vendor B (FHIR): created 01:30 local on D2 is still D1 in UTC
    lake.appointment("his_b", "JA02", D2, "B1", created=at(D2, 1, 30), slot=at(D3, 9))
    # JA04, vendor C (CSV): a walk-in on D3; JA08, vendor D: a quiet day
    lake.registration("his_c", "JA04", D3, "C1", registered=at(D3, 9))
    lake.deliver_empty("his_d", "JA08", D3)

    # 健康静安 WeChat
    lake.wechat_user(
        D1,
        "U1",
        registered=at(dt.date(2025, 1, 10), 8),
        status="verified",
        method="auto",
        verified=at(dt.date(2025, 1, 10), 8, 5),
        gender="男",
        birth_date=dt.date(1985, 4, 1),
        patient=11,
    )
    lake.wechat_user(D1, "U2", registered=at(D1, 9), status="pending", method="manual", applied=at(D1, 9, 10))
    lake.wechat_user(
        D2,
        "U2",
        registered=at(D1, 9),
        status="verified",
        method="manual",
        applied=at(D1, 9, 10),
        decided=at(D2, 14),
        verified=at(D2, 14),
        gender="女",
        birth_date=dt.date(1950, 6, 1),
        version_at=at(D2, 14),
        patient=12,
    )
    lake.wechat_user(D2, "U3", registered=at(D2, 20))
    lake.app_open(D1, "E1", "U1", at(D1, 8))
    lake.app_open(D1, "E2", "U1", at(D1, 21))
    lake.app_open(D2, "E3", "U1", at(D2, 7))
    lake.app_open(D2, "E3", "U1", at(D2, 7))  # re-sent event
    lake.app_open(D2, "E4", "U2", at(D2, 13))
    lake.deliver_empty("wechat", None, D3)
    lake.module_visit(D1, "V1", "U1", "健康档案", at(D1, 8, 1))
    lake.module_visit(D1, "V2", "U1", "疫苗接种", at(D1, 21, 5))
    lake.module_visit(D3, "V3", "U2", "健康档案", at(D3, 10))


@dataclass(frozen=True)
class BuiltWarehouse:
    """A warehouse built by `dbt build` over the scenario, and how the build went."""

    path: Path
    success: bool
    failures: list[str]

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql, params or []).fetchall()


def run_dbt_build(tmp: Path) -> BuiltWarehouse:
    """`dbt build` of the shipped project into ``tmp``, with target and logs kept under ``tmp``."""
    project = str(dbt_project_dir())
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir",
            project,
            "--profiles-dir",
            project,
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
            "--no-partial-parse",
            "--threads",
            "4",
        ]
    )
    failures = [
        f"{r.node.unique_id}: {r.status} {r.message}"
        for r in (result.result or [])
        if str(r.status) in {"error", "fail", "runtime error", "skipped"}
    ]
    if result.exception is not None:
        failures.append(repr(result.exception))
    # dbt-duckdb keeps its database open for the life of the process; release it so the tests
    # (and any other process) can open the warehouse read-only.
    DuckDBConnectionManager.close_all_connections()
    gc.collect()
    return BuiltWarehouse(Path(tmp / "warehouse.duckdb"), result.success, failures)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    """The scenario landed and built once per module, isolated under a tmp directory."""
    tmp = tmp_path_factory.mktemp("dbt")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HEALTHOPS_VAR", str(tmp / "var"))
        env.setenv("HEALTHOPS_LAKE", str(tmp / "lake"))
        env.setenv("HEALTHOPS_DBT_PATH", str(tmp / "warehouse.duckdb"))
        env.setenv("HEALTHOPS_PATIENT_KEY", "33" * 32)
        lake = LakeBuilder()
        build_scenario(lake)
        lake.land()
        yield run_dbt_build(tmp)
