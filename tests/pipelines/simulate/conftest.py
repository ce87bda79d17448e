"""A small simulated window shared by the simulator-core tests (built once per session)."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.simulate.plan import plan_deliveries
from pipelines.simulate.world import build_truth

START = dt.date(2024, 3, 1)  # a Friday; the window holds full weeks of Mondays and Sundays
DAYS = 21
SCALE = 0.02
SEED = 20240301


@pytest.fixture(scope="session")
def sim_args() -> dict:
    """The arguments the shared small window was built with."""
    return {"start": START, "days": DAYS, "scale": SCALE, "seed": SEED}


@pytest.fixture(scope="session")
def small_truth():
    return build_truth(start=START, days=DAYS, scale=SCALE, seed=SEED)


@pytest.fixture(scope="session")
def small_plan(small_truth):
    return plan_deliveries(small_truth, start=START, days=DAYS, seed=SEED, defect_rate=0.02)
