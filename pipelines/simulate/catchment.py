"""Who visits which institution: per-institution catchments drawn from the district population.

Each institution serves a catchment of residents; within it some people visit often (chronic
conditions) and most rarely, so the same patients recur. Departments for women or children draw
only from the matching part of the catchment.
"""

from __future__ import annotations

import numpy as np
import polars as pl

# Relative visit propensity by age band (0-17, 18-39, 40-59, 60-69, 70-79, 80+): patients are older
# than residents.
_AGE_EDGES = np.array([18, 40, 60, 70, 80])
_CARE_PROPENSITY = np.array([0.5, 0.45, 0.9, 1.5, 1.9, 2.0])
_REHAB_PROPENSITY = np.array([0.05, 0.3, 0.8, 1.6, 2.4, 2.8])
_DENTAL_PROPENSITY = np.array([1.2, 1.0, 1.0, 0.9, 0.8, 0.5])
_PSYCH_PROPENSITY = np.array([0.3, 1.0, 1.0, 0.9, 1.0, 1.1])

FEMALE_DEPARTMENTS = {"妇产科", "妇科", "中医妇科", "妇女保健科", "孕产保健科"}
CHILD_DEPARTMENTS = {"儿科", "中医儿科", "儿童保健科", "儿童口腔科", "儿童青少年精神科"}
CATCHMENT_DAYS = 15  # catchment size in average weekdays of volume: people return within weeks


def age_propensity(kind: str, age: np.ndarray, is_male: np.ndarray) -> np.ndarray:
    """Relative chance that a resident of ``age`` uses an institution of ``kind``."""
    band = np.searchsorted(_AGE_EDGES, age, side="right")
    if kind == "maternal":
        woman = (~is_male) & (age >= 18) & (age <= 45)
        return np.where(woman, 1.0, 0.0) + np.where(age <= 6, 1.5, 0.0)
    table = {"rehab": _REHAB_PROPENSITY, "dental": _DENTAL_PROPENSITY, "psychiatric": _PSYCH_PROPENSITY}
    weights = table.get(kind, _CARE_PROPENSITY)[band]
    if kind == "psychiatric":
        weights = np.where(age < 10, 0.0, weights)
    return weights


def weighted_sample_without_replacement(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of ``k`` items drawn without replacement with probability ~ ``weights`` (Efraimidis-Spirakis)."""
    eligible = np.flatnonzero(weights > 0)
    k = min(k, len(eligible))
    keys = np.log(rng.random(len(eligible))) / weights[eligible]
    chosen = np.argpartition(-keys, k - 1)[:k] if k else np.array([], dtype=np.int64)
    return np.sort(eligible[chosen])


class Catchment:
    """The residents one institution serves, and a sampler of who comes for each visit."""

    def __init__(self, rng: np.random.Generator, population: pl.DataFrame, *, kind: str, size: int) -> None:
        age = population["age"].to_numpy()
        is_male = population["is_male"].to_numpy()
        propensity = age_propensity(kind, age, is_male)
        self.members = weighted_sample_without_replacement(rng, propensity, size)
        member_age = age[self.members]
        # heavy-tailed personal frequency: a few chronic patients come again and again
        self.weight = propensity[self.members] * rng.gamma(0.7, 1.0, len(self.members))
        self.is_female = ~is_male[self.members]
        self.is_child = member_age <= 17
        self.is_woman = self.is_female & (member_age >= 15)

    def draw(self, rng: np.random.Generator, department_names: np.ndarray) -> np.ndarray:
        """Population row indices of the patients of visits to ``department_names`` (one per visit)."""
        result = np.empty(len(department_names), dtype=np.int64)
        groups = {
            "woman": np.isin(department_names, list(FEMALE_DEPARTMENTS)),
            "child": np.isin(department_names, list(CHILD_DEPARTMENTS)),
        }
        groups["any"] = ~(groups["woman"] | groups["child"])
        masks = {"woman": self.is_woman, "child": self.is_child, "any": np.ones(len(self.members), bool)}
        for group, visits in groups.items():
            n = int(visits.sum())
            if n == 0:
                continue
            weight = np.where(masks[group], self.weight, 0.0)
            if weight.sum() == 0:  # a catchment without children or women: fall back to anyone
                weight = self.weight
            result[visits] = self.members[rng.choice(len(self.members), size=n, p=weight / weight.sum())]
        return result
