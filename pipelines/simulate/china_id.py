"""Mainland identity numbers and mobile numbers: generation (vectorized) and validation.

Resident ID numbers follow GB 11643-1999: 6-digit area code, 8-digit birth date, 3-digit
sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
_CHECK_CHARS = np.array(list("10X98765432"))

# Area codes with how often they appear among people using Jing'an institutions. 310106 is Jing'an;
# 310108 is the former Zhabei district (merged into Jing'an in 2015, older IDs keep it); 310103
# (former Luwan) likewise lives on in IDs. A share of patients were born outside Shanghai.
AREA_CODES: dict[str, float] = {
    "310106": 0.30, "310108": 0.25, "310101": 0.05, "310103": 0.02, "310104": 0.04, "310105": 0.03,
    "310107": 0.05, "310109": 0.04, "310110": 0.03, "310112": 0.02, "310113": 0.04, "310115": 0.03,
    "320102": 0.015, "320582": 0.01, "330102": 0.015, "340102": 0.015, "410102": 0.01, "420102": 0.01,
    "360102": 0.01, "510104": 0.01, "370102": 0.01, "350102": 0.01,
}  # fmt: skip

# Mobile number segments in service, by carrier (MIIT allocations).
MOBILE_PREFIXES: dict[str, tuple[str, ...]] = {
    "中国移动": ("134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159",
              "172", "178", "182", "183", "184", "187", "188", "195", "197", "198"),
    "中国联通": ("130", "131", "132", "145", "155", "156", "166", "175", "176", "185", "186", "196"),
    "中国电信": ("133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199"),
}  # fmt: skip
# Market shares in Shanghai, roughly: 移动 55%, 联通 25%, 电信 20%, spread evenly over each carrier's segments.
_CARRIER_SHARE = {"中国移动": 0.55, "中国联通": 0.25, "中国电信": 0.20}
_ALL_PREFIXES = [p for carrier in MOBILE_PREFIXES for p in MOBILE_PREFIXES[carrier]]
_PREFIX_WEIGHTS = np.array(
    [_CARRIER_SHARE[c] / len(MOBILE_PREFIXES[c]) for c in MOBILE_PREFIXES for _ in MOBILE_PREFIXES[c]]
)
_PHONE_RE = re.compile(r"^1\d{10}$")
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    total = sum(int(d) * int(w) for d, w in zip(first17, _WEIGHTS, strict=True))
    return str(_CHECK_CHARS[total % 11])


def is_valid_id_number(id_number: str) -> bool:
    """Format, calendar birth date and check character of an 18-digit ID number."""
    if not _ID_RE.match(id_number or ""):
        return False
    try:
        dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return False
    return check_char(id_number[:17]) == id_number[17]


def id_birth_date(id_number: str) -> dt.date:
    """Birth date encoded in an ID number."""
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_gender(id_number: str) -> str:
    """男 for an odd sequence digit (the 17th), 女 for an even one."""
    return "男" if int(id_number[16]) % 2 else "女"


def is_valid_mobile(phone: str) -> bool:
    """An 11-digit number on an allocated mainland mobile segment."""
    return bool(_PHONE_RE.match(phone or "")) and phone[:3] in _ALL_PREFIXES


def _yyyymmdd(dates: np.ndarray) -> np.ndarray:
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return years * 10_000 + months * 100 + days


def make_id_bodies(rng: np.random.Generator, birth_dates: np.ndarray, is_male: np.ndarray) -> np.ndarray:
    """The first 17 digits of ID numbers, as int64 (area, birth date, sequence with sex parity)."""
    n = len(birth_dates)
    codes = np.array([int(c) for c in AREA_CODES], dtype=np.int64)
    weights = np.array(list(AREA_CODES.values()))
    areas = codes[rng.choice(len(codes), size=n, p=weights / weights.sum())]
    # sequence 001..998 with parity carrying the sex: 2k+1 odd (male), 2k+2 even (female)
    sequence = 2 * rng.integers(0, 499, size=n) + np.where(is_male, 1, 2)
    return areas * 10**11 + _yyyymmdd(birth_dates) * 1_000 + sequence


def id_numbers_from_bodies(bodies: np.ndarray) -> pl.Series:
    """Full 18-character ID numbers: the 17-digit bodies plus their check characters."""
    powers = 10 ** np.arange(16, -1, -1, dtype=np.int64)
    digits = (bodies[:, None] // powers) % 10
    checks = _CHECK_CHARS[(digits @ _WEIGHTS) % 11]
    return pl.Series(bodies).cast(pl.Utf8) + pl.Series(checks)


def make_mobiles(rng: np.random.Generator, n: int) -> pl.Series:
    """``n`` mobile numbers on real segments, weighted by carrier share."""
    prefixes = np.array([int(p) for p in _ALL_PREFIXES], dtype=np.int64)
    chosen = prefixes[rng.choice(len(prefixes), size=n, p=_PREFIX_WEIGHTS)]
    return pl.Series(chosen * 100_000_000 + rng.integers(0, 100_000_000, size=n)).cast(pl.Utf8)
