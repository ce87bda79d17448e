"""The district's institutions, their departments and doctors, and how busy each one is.

Institutions come from ``dbt/seeds/institutions.csv`` (the single list the warehouse also uses).
Departments fit the institution's kind (a 牙病防治所 runs dental clinics, a 精神卫生中心 psychiatry,
a community centre 全科/中医/康复/口腔); each has a share of the institution's outpatients.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.simulate.people import make_names
from warehouse.paths import dbt_project_dir

# Kind of institution -> [(department name, share of outpatients, is emergency)].
_DEPARTMENTS: dict[str, list[tuple[str, float]]] = {
    "general": [
        ("心血管内科", 9), ("呼吸内科", 8), ("消化内科", 7), ("内分泌科", 7), ("神经内科", 6), ("肾内科", 3),
        ("普外科", 6), ("骨科", 7), ("泌尿外科", 4), ("妇产科", 6), ("儿科", 5), ("眼科", 5), ("耳鼻喉科", 4),
        ("口腔科", 3), ("皮肤科", 4), ("中医科", 4), ("康复科", 2), ("全科", 4), ("急诊科", 12),
    ],
    "tcm": [
        ("中医内科", 24), ("针灸科", 12), ("推拿科", 10), ("中医外科", 6), ("中医妇科", 8), ("中医儿科", 5),
        ("骨伤科", 10), ("康复科", 5), ("治未病科", 5), ("急诊科", 15),
    ],
    "rehab": [("康复医学科", 35), ("神经康复科", 20), ("骨科康复科", 18), ("老年病科", 15), ("中医科", 12)],
    "maternal": [("妇女保健科", 30), ("儿童保健科", 35), ("孕产保健科", 20), ("妇科", 15)],
    "dental": [
        ("口腔内科", 30), ("口腔外科", 15), ("口腔修复科", 15), ("口腔正畸科", 12), ("儿童口腔科", 15), ("牙周科", 13),
    ],
    "psychiatric": [
        ("普通精神科", 40), ("心理咨询科", 20), ("老年精神科", 15), ("儿童青少年精神科", 10), ("睡眠障碍科", 15),
    ],
    "community": [("全科", 58), ("中医科", 14), ("康复科", 8), ("口腔科", 8), ("预防保健科", 7), ("妇科", 5)],
}  # fmt: skip
EMERGENCY_DEPARTMENT = "急诊科"

# Outpatient registrations per average weekday at scale 1.0 by kind; they add up to about 25,000.
_DAILY_VOLUME = {"general": 2800, "tcm": 1800, "rehab": 380, "maternal": 320, "dental": 380, "psychiatric": 520,
                 "community": 500}  # fmt: skip
_CENTRAL_HOSPITAL_BOOST = 1.3  # the district central hospital is the busiest

TITLES = ("主任医师", "副主任医师", "主治医师", "住院医师")
_TITLE_SHARES = np.array([0.12, 0.22, 0.40, 0.26])
PATIENTS_PER_DOCTOR_DAY = 45  # a clinic doctor sees 30-60 patients a weekday


def institution_kind(name: str, institution_type: str) -> str:
    """Which department catalogue an institution uses, from its name and type."""
    if institution_type == "社区卫生服务中心":
        return "community"
    for marker, kind in (("牙病", "dental"), ("妇幼", "maternal"), ("精神", "psychiatric"),
                         ("康复", "rehab"), ("中医", "tcm")):  # fmt: skip
        if marker in name:
            return kind
    return "general"


def load_institutions() -> pl.DataFrame:
    """The 26 institutions as in the dbt seed, typed like ``truth.INSTITUTIONS`` plus ``kind``."""
    frame = pl.read_csv(dbt_project_dir() / "seeds" / "institutions.csv", infer_schema_length=0)
    frame = frame.with_columns(pl.col("has_inpatient").str.to_lowercase() == "true")
    kinds = [
        institution_kind(n, t) for n, t in frame.select("institution_name", "institution_type").iter_rows()
    ]
    return frame.with_columns(pl.Series("kind", kinds)).sort("institution_code")


def daily_volume(institutions: pl.DataFrame, rng: np.random.Generator) -> dict[str, float]:
    """Expected outpatient registrations per average weekday at scale 1.0, per institution."""
    volumes: dict[str, float] = {}
    for code, kind in institutions.select("institution_code", "kind").iter_rows():
        boost = _CENTRAL_HOSPITAL_BOOST if code == institutions["institution_code"][0] else 1.0
        volumes[code] = _DAILY_VOLUME[kind] * boost * float(rng.uniform(0.8, 1.2))
    return volumes


def make_departments(institutions: pl.DataFrame) -> pl.DataFrame:
    """Departments per institution with ``share`` of its outpatients and an emergency flag.

    Department codes are the institution code plus a two-digit sequence, stable for a given seed file.
    """
    rows = []
    for code, kind in institutions.select("institution_code", "kind").iter_rows():
        catalogue = _DEPARTMENTS[kind]
        total = sum(share for _, share in catalogue)
        for index, (name, share) in enumerate(catalogue, start=1):
            rows.append({"institution_code": code, "department_code": f"{code}K{index:02d}", "department_name": name,
                         "share": share / total, "is_emergency": name == EMERGENCY_DEPARTMENT, "kind": kind})  # fmt: skip
    return pl.DataFrame(rows)


def make_doctors(
    departments: pl.DataFrame, volumes: dict[str, float], rng: np.random.Generator
) -> pl.DataFrame:
    """Doctors per department, sized to the department's scale-1.0 load, with titles and fees.

    ``fee_yuan`` is the registration fee of the doctor's clinic: 普通门诊 10-25 yuan, 专家门诊
    (主任/副主任医师) 30-100 yuan, 急诊 a flat emergency fee.
    """
    frames = []
    for code, group in departments.group_by("institution_code", maintain_order=True):
        institution = code[0] if isinstance(code, tuple) else code
        counts = np.maximum(
            2, np.round(group["share"].to_numpy() * volumes[institution] / PATIENTS_PER_DOCTOR_DAY)
        )
        n = int(counts.sum())
        titles = np.array(TITLES)[rng.choice(len(TITLES), size=n, p=_TITLE_SHARES)]
        is_emergency = np.repeat(group["is_emergency"].to_numpy(), counts.astype(int))
        community = group["kind"][0] == "community"
        general_fee = rng.uniform(10, 16, n) if community else rng.uniform(14, 25, n)
        expert_fee = np.where(titles == "主任医师", rng.uniform(50, 100, n), rng.uniform(30, 50, n))
        fee = np.where(np.isin(titles, ["主任医师", "副主任医师"]) & ~is_emergency, expert_fee, general_fee)
        fee = np.where(is_emergency, 22.0, fee)
        frames.append(
            pl.DataFrame(
                {
                    "institution_code": institution,
                    "doctor_code": [f"{institution}D{i:04d}" for i in range(1, n + 1)],
                    "department_code": np.repeat(group["department_code"].to_numpy(), counts.astype(int)),
                    "doctor_name": make_names(rng, rng.random(n) < 0.45),
                    "title": titles,
                    "fee_yuan": np.round(fee, 0),
                    "is_emergency": is_emergency,
                }
            )
        )
    return pl.concat(frames)
