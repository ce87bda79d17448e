"""The indicator catalog: names, units, shapes, grains and dimensions of every supervisory figure.

Loaded from ``warehouse/catalog/indicators.yaml`` (a copy of the district's ``indicators.yaml``
shipped with the code, so an installed wheel needs nothing beside it). Parsed once per process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_PATH = Path(__file__).resolve().parent / "catalog" / "indicators.yaml"

GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter", "year", "cumulative")

# How each catalog unit reads on a Chinese screen; "ratio" is a bare number (e.g. 2.8 for 2.8:1).
UNIT_LABELS_ZH: dict[str, str] = {
    "persons": "人",
    "count": "次",
    "visits": "人次",
    "orders": "单",
    "records": "条",
    "yuan": "元",
    "percent": "%",
    "hours": "小时",
    "minutes": "分钟",
    "seconds": "秒",
    "GB": "GB",
    "ratio": "",
}


@dataclass(frozen=True)
class Indicator:
    """One catalog entry; ``code`` is the id used verbatim in ``indicator_values``."""

    code: str
    name_zh: str
    name_en: str
    shape: str
    unit: str
    measure: str
    grains: tuple[str, ...]
    dimensions: tuple[str, ...]
    source: str
    area_code: str
    area_name_zh: str
    theme_code: str
    theme_name_zh: str
    # compare=False keeps the frozen dataclass hashable (a dict is not).
    alert: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def unit_zh(self) -> str:
        """The unit as shown to users (人, 次, %, 元 …)."""
        return UNIT_LABELS_ZH.get(self.unit, self.unit)

    @property
    def per_institution(self) -> bool:
        """Whether the warehouse holds one row per institution beside the district row."""
        return "institution" in self.dimensions

    @property
    def breakdown_dimensions(self) -> tuple[str, ...]:
        """Dimensions other than ``institution`` (those stored in the ``dimension`` column)."""
        return tuple(d for d in self.dimensions if d != "institution")


@dataclass(frozen=True)
class Catalog:
    """All indicators, in catalog order, indexed by code."""

    version: int
    indicators: tuple[Indicator, ...]
    _by_code: dict[str, Indicator] = field(repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._by_code.update({ind.code: ind for ind in self.indicators})

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self.indicators)

    def get(self, code: str) -> Indicator:
        """The indicator with this code; raises ``KeyError`` for an unknown code."""
        return self._by_code[code]

    def find(self, code: str) -> Indicator | None:
        """The indicator with this code, or ``None``."""
        return self._by_code.get(code)


def parse_catalog(document: dict[str, Any]) -> Catalog:
    """Build a :class:`Catalog` from the parsed YAML document."""
    indicators: list[Indicator] = []
    for area in document["areas"]:
        for theme in area["themes"]:
            for entry in theme["indicators"]:
                indicators.append(
                    Indicator(
                        code=entry["code"],
                        name_zh=entry["name_zh"],
                        name_en=entry["name_en"],
                        shape=entry["shape"],
                        unit=entry["unit"],
                        measure=entry["measure"],
                        grains=tuple(entry.get("grains") or ()),
                        dimensions=tuple(entry.get("dimensions") or ()),
                        source=entry.get("source", ""),
                        area_code=area["code"],
                        area_name_zh=area["name_zh"],
                        theme_code=theme["code"],
                        theme_name_zh=theme["name_zh"],
                        alert=entry.get("alert"),
                    )
                )
    return Catalog(version=int(document.get("version", 1)), indicators=tuple(indicators))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The shipped catalog, parsed once per process."""
    with CATALOG_PATH.open(encoding="utf-8") as handle:
        return parse_catalog(yaml.safe_load(handle))
