"""The people of the district: a pool of residents with names, ID numbers, birth dates and phones.

Patients and 健康静安 users are drawn from this pool, so one person keeps one identity everywhere.
The age structure follows Shanghai's registered population (about 37% aged 60 and over).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.simulate.china_id import id_numbers_from_bodies, make_id_bodies, make_mobiles

# (lowest age, highest age, share): Shanghai registered residents, roughly 37% at 60+.
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 17, 0.11),
    (18, 39, 0.23),
    (40, 59, 0.29),
    (60, 69, 0.18),
    (70, 79, 0.12),
    (80, 99, 0.07),
)

# Surnames with their rough frequency in Shanghai (Wu-speaking surnames 徐 沈 陆 顾 are common).
_SURNAMES = (
    "张王李陈徐朱沈周陆顾吴杨刘黄孙胡钱金施曹高马郭俞蒋姚蔡汤许袁邱唐宋范叶潘丁董方程倪严傅"
    "郑赵卢吕何冯汪戴毛龚林谢殷费邵薛任江邹瞿须庄夏韩彭秦"
)
_SURNAME_WEIGHTS = np.linspace(3.0, 0.4, len(_SURNAMES))
_GIVEN_MALE = "伟强磊军勇杰涛明刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欣佳晨阳文国建德荣海峰志忠祥兴"
_GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲桂英兰萍红琴云莉洁婷雪梅慧倩颖琳晶妍怡蕾瑶琪佳欣悦雯燕蓉凤珍月"
_SHARED_SECOND = "一子之然嘉家雨思晓宏立春秋伟新小晓安永"


def _pick(rng: np.random.Generator, alphabet: str, n: int, p: np.ndarray | None = None) -> np.ndarray:
    chars = np.array(list(alphabet))
    return chars[rng.choice(len(chars), size=n, p=p)]


def make_names(rng: np.random.Generator, is_male: np.ndarray) -> np.ndarray:
    """Chinese full names: a surname and one or two given-name characters fitting the sex."""
    n = len(is_male)
    surnames = _pick(rng, _SURNAMES, n, _SURNAME_WEIGHTS / _SURNAME_WEIGHTS.sum())
    first = np.where(is_male, _pick(rng, _GIVEN_MALE, n), _pick(rng, _GIVEN_FEMALE, n))
    second = np.where(
        rng.random(n) < 0.5,
        _pick(rng, _SHARED_SECOND, n),
        np.where(is_male, _pick(rng, _GIVEN_MALE, n), _pick(rng, _GIVEN_FEMALE, n)),
    )
    two_chars = rng.random(n) < 0.72
    return np.char.add(surnames, np.where(two_chars, np.char.add(first, second), first))


def sample_ages(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ages in whole years following :data:`AGE_BANDS`."""
    shares = np.array([band[2] for band in AGE_BANDS])
    band = rng.choice(len(AGE_BANDS), size=n, p=shares / shares.sum())
    low = np.array([b[0] for b in AGE_BANDS])[band]
    high = np.array([b[1] for b in AGE_BANDS])[band]
    return rng.integers(low, high + 1)


def make_population(rng: np.random.Generator, *, size: int, reference_day: dt.date) -> pl.DataFrame:
    """``size`` distinct residents; ``age`` is the age in years on ``reference_day``.

    Columns: patient_id, id_number, name, gender, birth_date, phone, age, is_male.
    """
    is_male = rng.random(size) < 0.49
    ages = sample_ages(rng, size)
    # birth date: ``age`` completed years before the reference day, uniformly within that year
    reference = np.datetime64(reference_day, "D")
    days_back = (ages * 365.25).astype(np.int64) + rng.integers(1, 365, size=size)
    birth_dates = reference - days_back.astype("timedelta64[D]")
    bodies = make_id_bodies(rng, birth_dates, is_male)
    # ID numbers must be unique: redraw the (rare) colliding ones until they are
    while True:
        _, first_index = np.unique(bodies, return_index=True)
        duplicate = np.ones(size, dtype=bool)
        duplicate[first_index] = False
        if not duplicate.any():
            break
        bodies[duplicate] = make_id_bodies(rng, birth_dates[duplicate], is_male[duplicate])
    exact_age = (reference - birth_dates).astype(np.int64) / 365.25
    return pl.DataFrame(
        {
            "patient_id": "P" + pl.Series(np.arange(1, size + 1)).cast(pl.Utf8).str.zfill(8),
            "id_number": id_numbers_from_bodies(bodies),
            "name": make_names(rng, is_male),
            "gender": np.where(is_male, "男", "女"),
            "birth_date": birth_dates,
            "phone": make_mobiles(rng, size),
            "age": exact_age.astype(np.int64),
            "is_male": is_male,
        }
    )
