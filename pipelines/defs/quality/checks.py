"""Great Expectations suites (quality/) as Dagster asset checks on the warehouse's staging models.

All suites run in one step: GE takes seconds to import, and one step per suite would pay that
(and Dagster's per-step cost) two dozen times. Each suite still reports as its own check.
"""

import dagster as dg

from quality.suites import SUITES


def _spec(suite) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=f"ge_{suite.name}",
        asset=dg.AssetKey(list(suite.asset_key)),
        description=suite.description,
        blocking=suite.severity == "ERROR",
    )


@dg.multi_asset_check(specs=[_spec(suite) for suite in SUITES], name="great_expectations_staging")
def great_expectations_staging():
    """Validate every staging model against its Great Expectations suites."""
    from quality.validate import run_suite

    for suite in SUITES:
        outcome = run_suite(suite)
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(list(suite.asset_key)),
            check_name=f"ge_{suite.name}",
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if suite.severity == "ERROR" else dg.AssetCheckSeverity.WARN,
            metadata={"rows": outcome.rows, "failed_expectations": dg.MetadataValue.json(outcome.failures)},
        )


quality_checks = [great_expectations_staging]
