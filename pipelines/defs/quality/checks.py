"""Great Expectations suites (quality/) as Dagster asset checks on the warehouse models."""

from __future__ import annotations

import dagster as dg

from quality.suites import SUITES, Suite


def _check_for(suite: Suite) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(suite.asset_key)),
        name=f"ge_{suite.name}",
        description=suite.description,
        blocking=suite.severity == "ERROR",
    )
    def great_expectations_check() -> dg.AssetCheckResult:
        from quality.validate import run_suite

        outcome = run_suite(suite)
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.severity == "ERROR" else dg.AssetCheckSeverity.WARN,
            metadata={"rows": outcome.rows, "failed_expectations": dg.MetadataValue.json(outcome.failures)},
        )

    return great_expectations_check


quality_checks = [_check_for(suite) for suite in SUITES]
