"""When things happen: day-of-week and holiday factors, hour-of-day profiles, time sampling.

Times are produced as numpy ``datetime64[us]`` in naive UTC; the profiles are in Shanghai local
hours (UTC+8, no daylight saving) because that is when people visit.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar
import numpy as np

LOCAL_OFFSET = np.timedelta64(8, "h")
HOUR_US = 3_600_000_000

# Public holidays whose date is fixed in the Gregorian calendar; the fallback outside the range
# chinese_calendar knows (lunar holidays such as 春节 cannot be placed without it).
_FIXED_HOLIDAYS = {
    (1, 1),
    (5, 1),
    (5, 2),
    (5, 3),
    (10, 1),
    (10, 2),
    (10, 3),
    (10, 4),
    (10, 5),
    (10, 6),
    (10, 7),
}

# Outpatient volume by weekday (Mon..Sun); weekdays average 1.0 so scale 1.0 means 25,000 per weekday.
_OUTPATIENT_WEEKDAY = np.array([1.22, 1.04, 0.99, 0.97, 0.93, 0.42, 0.30])
_HOLIDAY_OUTPATIENT = 0.22
_WECHAT_WEEKDAY = np.array([1.08, 1.03, 1.0, 1.0, 0.97, 0.86, 0.82])
_HOLIDAY_WECHAT = 0.78


def _normalize(weights: list[float]) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


# Hour-of-day profiles (index = local hour).
CLINIC_HOURS = _normalize(  # walk-in outpatient registration at the window
    [0, 0, 0, 0, 0, 0, 0.2, 5, 16, 15, 12, 6, 2, 8, 9, 7, 4, 1.2, 0.8, 0.6, 0.3, 0, 0, 0]
)
SLOT_HOURS = _normalize(  # appointment slots (clinic sessions)
    [0, 0, 0, 0, 0, 0, 0, 0, 16, 16, 13, 7, 0, 8, 9, 7, 3, 0, 0, 0, 0, 0, 0, 0]
)
EMERGENCY_HOURS = _normalize(  # 急诊 around the clock, quieter before dawn
    [
        2.2,
        1.8,
        1.5,
        1.2,
        1.1,
        1.2,
        1.8,
        3,
        4.5,
        5.5,
        5.5,
        5,
        4.5,
        4.6,
        4.8,
        4.8,
        4.7,
        4.6,
        4.8,
        5,
        4.6,
        4,
        3.4,
        2.7,
    ]
)
BOOKING_HOURS = _normalize(  # when people book: office hours and evenings on the phone app
    [0.3, 0.1, 0.05, 0.05, 0.05, 0.2, 1.2, 4, 7, 7.5, 7, 5.5, 4, 5, 5.5, 5, 4.5, 4, 4, 5, 5.5, 5, 3, 1.2]
)
APP_HOURS = _normalize(  # 健康静安 app opens
    [
        0.8,
        0.4,
        0.2,
        0.15,
        0.2,
        0.5,
        1.8,
        4.5,
        7,
        7.5,
        7,
        5.5,
        4.5,
        5,
        5.5,
        5.2,
        4.8,
        4.6,
        4.6,
        5.2,
        5.8,
        5.4,
        3.6,
        1.8,
    ]
)
OFFICE_HOURS = _normalize(  # manual verification reviewers
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 12, 10, 3, 8, 11, 11, 9, 4, 0, 0, 0, 0, 0, 0]
)
# Monday mornings are busier still: people saved their problems up over the weekend.
_MONDAY_MORNING_BOOST = np.array([1.0] * 8 + [1.35, 1.3, 1.15] + [1.0] * 13)


@lru_cache(maxsize=4096)
def day_kind(day: dt.date) -> str:
    """``workday``, ``weekend`` or ``holiday`` (statutory), honouring 调休 make-up workdays."""
    try:
        on_holiday, holiday_name = chinese_calendar.get_holiday_detail(day)
        if not on_holiday:
            return "workday"
        return "holiday" if holiday_name else "weekend"
    except NotImplementedError:
        # chinesecalendar only knows the years the State Council has published (it raises for
        # later ones): fall back to the fixed-date holidays and plain weekends for those years.
        if (day.month, day.day) in _FIXED_HOLIDAYS:
            return "holiday"
        return "weekend" if day.weekday() >= 5 else "workday"


def outpatient_factor(day: dt.date) -> float:
    """Outpatient volume on ``day`` relative to an average weekday."""
    kind = day_kind(day)
    if kind == "holiday":
        return _HOLIDAY_OUTPATIENT
    if kind == "workday" and day.weekday() >= 5:
        return 0.95  # a 调休 Saturday/Sunday is worked like a weekday
    return float(_OUTPATIENT_WEEKDAY[day.weekday()])


def wechat_factor(day: dt.date) -> float:
    """健康静安 activity on ``day`` relative to an average weekday."""
    kind = day_kind(day)
    if kind == "holiday":
        return _HOLIDAY_WECHAT
    if kind == "workday" and day.weekday() >= 5:
        return 1.0
    return float(_WECHAT_WEEKDAY[day.weekday()])


def hour_profile(profile: np.ndarray, day: dt.date) -> np.ndarray:
    """``profile`` adjusted for ``day`` (the Monday-morning peak)."""
    if day.weekday() == 0 and day_kind(day) == "workday":
        boosted = profile * _MONDAY_MORNING_BOOST
        return boosted / boosted.sum()
    return profile


def local_midnight_utc(day: dt.date) -> np.datetime64:
    """Local midnight of ``day`` as naive UTC ``datetime64[us]``."""
    return np.datetime64(day, "us") - LOCAL_OFFSET


def sample_times(rng: np.random.Generator, day: dt.date, n: int, profile: np.ndarray) -> np.ndarray:
    """``n`` naive-UTC instants on local ``day`` following the hour ``profile``."""
    hours = rng.choice(24, size=n, p=hour_profile(profile, day))
    offsets = hours.astype(np.int64) * HOUR_US + rng.integers(0, 3600, size=n) * 1_000_000  # whole seconds
    return local_midnight_utc(day) + offsets.astype("timedelta64[us]")


def local_dates(instants: np.ndarray) -> np.ndarray:
    """Shanghai local dates (``datetime64[D]``) of naive-UTC instants."""
    return (instants + LOCAL_OFFSET).astype("datetime64[D]")


def window_days(start: dt.date, days: int) -> list[dt.date]:
    """The simulated local days, first to last."""
    return [start + dt.timedelta(days=i) for i in range(days)]


def sample_local_times(rng: np.random.Generator, local_days: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """One naive-UTC instant on each local day of ``local_days`` (``datetime64[D]``), by ``profile``.

    Workday Mondays get the Monday-morning peak, as in :func:`hour_profile`.
    """
    n = len(local_days)
    if n == 0:
        return np.array([], dtype="datetime64[us]")
    plain = np.cumsum(profile)
    boosted = np.cumsum(profile * _MONDAY_MORNING_BOOST)
    boosted /= boosted[-1]
    mondays = {
        day for day in np.unique(local_days).tolist() if day.weekday() == 0 and day_kind(day) == "workday"
    }
    is_monday = (
        np.isin(local_days, np.array(sorted(mondays), dtype="datetime64[D]"))
        if mondays
        else np.zeros(n, bool)
    )
    u = rng.random(n)
    hours = np.where(
        is_monday, np.searchsorted(boosted, u, side="right"), np.searchsorted(plain, u, side="right")
    )
    hours = np.minimum(hours, 23)
    offsets = hours.astype(np.int64) * HOUR_US + rng.integers(0, 3600, size=n) * 1_000_000  # whole seconds
    return local_days.astype("datetime64[us]") - LOCAL_OFFSET + offsets.astype("timedelta64[us]")


def whole_seconds(instants: np.ndarray) -> np.ndarray:
    """``instants`` truncated to the second: every source format carries seconds at most."""
    return instants.astype("datetime64[s]").astype("datetime64[us]")
