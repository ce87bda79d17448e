"""The shipped indicator catalog."""

from __future__ import annotations

import pytest
import yaml

from warehouse.catalog import CATALOG_PATH, GRAINS, UNIT_LABELS_ZH, load_catalog
from warehouse.paths import REPO_ROOT

SHARED_CATALOG = REPO_ROOT.parent / "shared" / "indicators.yaml"


def test_shipped_copy_equals_the_shared_catalog() -> None:
    if not SHARED_CATALOG.exists():
        pytest.skip("../shared/indicators.yaml is not beside this checkout")
    assert CATALOG_PATH.read_bytes() == SHARED_CATALOG.read_bytes()


def test_catalog_holds_every_code_once_with_known_grains_and_units() -> None:
    catalog = load_catalog()
    document = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    raw_codes = [i["code"] for a in document["areas"] for t in a["themes"] for i in t["indicators"]]
    assert len(catalog) == len(raw_codes) == len(set(raw_codes))
    for indicator in catalog.indicators:
        assert set(indicator.grains) <= set(GRAINS), indicator.code
        assert indicator.unit in UNIT_LABELS_ZH, indicator.code


def test_lookup_gives_chinese_names_units_and_institution_flag() -> None:
    catalog = load_catalog()
    rate = catalog.get("ITS.PRE.appointment_rate")
    assert rate.name_zh == "预约率"
    assert rate.unit_zh == "%"
    assert rate.per_institution
    assert catalog.get("PUB.ACTIVE.dau").per_institution is False
    assert catalog.get("PUB.USERS.verified_cumulative").breakdown_dimensions == ("gender", "age_band")
    assert "NO.SUCH.code" not in catalog
    assert catalog.find("NO.SUCH.code") is None


def test_catalog_is_parsed_once_per_process() -> None:
    assert load_catalog() is load_catalog()
