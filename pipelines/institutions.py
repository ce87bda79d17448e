"""The district's institutions, read from the one seed file dbt also loads."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from warehouse.paths import dbt_project_dir

VENDOR_SOURCE = {"A": "his_a", "B": "his_b", "C": "his_c", "D": "his_d"}


@dataclass(frozen=True)
class Institution:
    code: str
    name: str
    short_name: str
    type: str
    has_inpatient: bool
    his_vendor: str

    @property
    def source(self) -> str:
        """The ingestion source of this institution's HIS (his_a … his_d)."""
        return VENDOR_SOURCE[self.his_vendor]


@lru_cache(maxsize=1)
def all_institutions() -> tuple[Institution, ...]:
    """The 26 institutions of dbt/seeds/institutions.csv, in seed order."""
    with open(dbt_project_dir() / "seeds" / "institutions.csv", encoding="utf-8") as f:
        return tuple(
            Institution(
                code=row["institution_code"],
                name=row["institution_name"],
                short_name=row["short_name"],
                type=row["institution_type"],
                has_inpatient=row["has_inpatient"].strip().lower() == "true",
                his_vendor=row["his_vendor"],
            )
            for row in csv.DictReader(f)
        )


def institutions_of(source: str) -> list[Institution]:
    """Institutions whose HIS feeds ``source``."""
    return [i for i in all_institutions() if i.source == source]
