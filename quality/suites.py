"""Great Expectations suites on the staging models, declared as data.

Each staging model gets two suites: ``keys`` (ERROR: a row without its identifiers or times cannot
be counted, so the warehouse must not be published) and ``values`` (WARN: codes outside the known
lists, implausible fees or times, and any personal field that is not masked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pipelines.simulate.truth import CHANNELS, MODULES, VISIT_TYPES

PATIENT_KEY = r"^[0-9a-f]{64}$"  # HMAC-SM3 hex
MASKED_PHONE = r"^\d{3}\*+\d{4}$"
MASKED_ID_NUMBER = r"^\w{4}\*+\w{4}$"
HIS_SOURCES = ("his_a", "his_b", "his_c", "his_d")


@dataclass(frozen=True)
class Suite:
    """One suite: where it runs (warehouse table and Dagster asset), how bad a failure is, what it expects."""

    name: str
    table: str
    asset_key: tuple[str, ...]
    severity: str  # ERROR blocks downstream; WARN reports
    description: str
    expectations: Callable[[], list]

    def build(self) -> list:
        return self.expectations()


def _not_null(*columns: str) -> list:
    import great_expectations as gx

    return [gx.expectations.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _person_masked() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToMatchRegex(column="patient_key", regex=PATIENT_KEY),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="patient_phone_masked", regex=MASKED_PHONE),
        gx.expectations.ExpectColumnValuesToMatchRegex(
            column="patient_id_number_masked", regex=MASKED_ID_NUMBER
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(column="gender", value_set=["男", "女"]),
    ]


def _appointment_values() -> list:
    import great_expectations as gx

    return _person_masked() + [
        gx.expectations.ExpectColumnValuesToBeInSet(column="channel", value_set=list(CHANNELS)),
        gx.expectations.ExpectColumnValuesToBeInSet(column="status", value_set=["booked", "cancelled"]),
        gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="slot_start_at", column_B="created_at", or_equal=True, mostly=0.99
        ),
    ]


def _registration_values() -> list:
    import great_expectations as gx

    return _person_masked() + [
        gx.expectations.ExpectColumnValuesToBeInSet(column="visit_type", value_set=list(VISIT_TYPES)),
        gx.expectations.ExpectColumnValuesToBeInSet(column="status", value_set=["normal", "cancelled"]),
        gx.expectations.ExpectColumnValuesToBeBetween(column="fee_yuan", min_value=0, max_value=2000),
    ]


def _his_suites(source: str) -> list[Suite]:
    suites = []
    for entity, key_columns, values in (
        (
            "appointments",
            ("appointment_id", "institution_code", "record_version_at", "created_at", "slot_start_at"),
            _appointment_values,
        ),
        (
            "registrations",
            ("registration_id", "institution_code", "record_version_at", "registered_at"),
            _registration_values,
        ),
    ):
        model = f"stg_{source}__{entity}"
        where = {"table": f"staging.{model}", "asset_key": ("staging", source, model)}
        suites.append(
            Suite(
                f"{model}_keys",
                severity="ERROR",
                description=f"{model}: 主键与时间不可为空",
                expectations=lambda k=key_columns: _not_null(*k),
                **where,
            )
        )
        suites.append(
            Suite(
                f"{model}_values",
                severity="WARN",
                description=f"{model}: 代码取值、金额与时间合理，个人信息已脱敏",
                expectations=values,
                **where,
            )
        )
    return suites


def _wechat_suites() -> list[Suite]:
    suites = []
    for entity, keys, values in (
        ("users", ("user_id", "registered_at", "record_version_at"), _verify_values),
        ("app_opens", ("event_id", "user_id", "opened_at"), None),
        ("module_visits", ("event_id", "user_id", "visited_at"), _module_values),
    ):
        model = f"stg_wechat__{entity}"
        where = {"table": f"staging.{model}", "asset_key": ("staging", "wechat", model)}
        suites.append(
            Suite(
                f"{model}_keys",
                severity="ERROR",
                description=f"{model}: 主键与时间不可为空",
                expectations=lambda k=keys: _not_null(*k),
                **where,
            )
        )
        if values is not None:
            suites.append(
                Suite(
                    f"{model}_values",
                    severity="WARN",
                    description=f"{model}: 代码取值合理",
                    expectations=values,
                    **where,
                )
            )
    return suites


def _verify_values() -> list:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="verify_status", value_set=["none", "pending", "verified", "rejected"]
        ),
        gx.expectations.ExpectColumnValuesToBeInSet(column="verify_method", value_set=["auto", "manual"]),
    ]


def _module_values() -> list:
    import great_expectations as gx

    return [gx.expectations.ExpectColumnValuesToBeInSet(column="module", value_set=list(MODULES))]


SUITES: list[Suite] = [suite for source in HIS_SOURCES for suite in _his_suites(source)] + _wechat_suites()
