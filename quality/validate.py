"""Run a Great Expectations suite against one warehouse table.

GE 1.x in ephemeral mode on a pandas frame: the suites are small and the tables fit in memory at
district scale; the SQL datasource would need a SQLAlchemy DuckDB dialect we do not otherwise use.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import lru_cache

from quality.suites import Suite
from warehouse.connection import connect

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # no calls to the internet


@dataclass(frozen=True)
class SuiteOutcome:
    """Result of one suite: overall success, the failed expectations (readable), rows checked."""

    success: bool
    failures: list[str]
    rows: int


@lru_cache(maxsize=1)
def _batch_definition():
    import great_expectations as gx

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    source = context.data_sources.add_pandas("warehouse")
    return source.add_dataframe_asset("table").add_batch_definition_whole_dataframe("whole_table")


def run_suite(suite: Suite) -> SuiteOutcome:
    """Validate ``suite.table`` of the current warehouse against the suite's expectations."""
    import great_expectations as gx

    with connect() as con:
        frame = con.execute(f"select * from {suite.table}").df()  # table names come from our own suite list
    expectation_suite = gx.ExpectationSuite(name=suite.name, expectations=suite.build())
    result = _batch_definition().get_batch(batch_parameters={"dataframe": frame}).validate(expectation_suite)
    failures = []
    for item in result.results:
        if not item.success:
            config = item.expectation_config
            column = config.kwargs.get("column") or config.kwargs.get("column_list") or ""
            unexpected = item.result.get("unexpected_count", item.result.get("observed_value"))
            failures.append(f"{config.type}({column}): {unexpected}")
    return SuiteOutcome(success=result.success, failures=failures, rows=len(frame))
