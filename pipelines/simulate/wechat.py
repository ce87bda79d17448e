"""The 健康静安 WeChat platform: users, real-name verification, app opens and module visits.

Users registered before the window form the base (a snapshot on the first day); new users register
daily. Most verify instantly (auto, against the public-security ID check); some go through manual
review (apply, then a reviewer decides hours to days later in office hours). App opens follow the
weekday and hour profiles; a few heavy users open it often, so distinct users per day are fewer
than opens. Each open leads to zero or more module visits.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from pipelines.simulate import seasonality as season
from pipelines.simulate.catchment import weighted_sample_without_replacement
from pipelines.simulate.truth import MODULES

BASE_USERS = 350_000  # users registered before the window, at scale 1.0
NEW_USERS_PER_DAY = 650
OPENS_PER_DAY = 40_000
BASE_HISTORY_DAYS = 3 * 365
_AGE_EDGES = np.array([18, 40, 60, 70, 80])
_APP_PROPENSITY = np.array([0.05, 1.3, 1.2, 0.9, 0.6, 0.3])
# (auto, manual) shares of users who verify; the rest never verify
_BASE_VERIFY = (0.78, 0.08)
_NEW_VERIFY = (0.68, 0.10)
MANUAL_APPROVAL = 0.85
_DECISION_LAG_DAYS = np.array([0.25, 0.40, 0.20, 0.10, 0.03, 0.02])  # reviewer backlog, 0..5 days
_MODULE_SHARES = np.array(
    [0.15, 0.25, 0.05, 0.05, 0.12, 0.10, 0.08, 0.05, 0.08, 0.07]
)  # order of truth.MODULES
VISITS_PER_OPEN = 0.85
SECOND = np.timedelta64(1, "s")


def _seconds(rng: np.random.Generator, low: int, high: int, n: int) -> np.ndarray:
    return rng.integers(low, high, size=n).astype("timedelta64[s]").astype("timedelta64[us]")


def _registration_times(
    rng: np.random.Generator, *, start: dt.date, window: list[dt.date], scale: float
) -> tuple[np.ndarray, int]:
    """Registration instants, the base (before ``start``) first; returns them and the base size."""
    n_base = round(BASE_USERS * scale)
    # the platform grew: recent years hold more of the base than early ones
    days_before = np.ceil(BASE_HISTORY_DAYS * (1 - np.sqrt(rng.random(n_base)))).astype(np.int64)
    base_days = np.datetime64(start, "D") - np.maximum(days_before, 1).astype("timedelta64[D]")
    expected = np.array([season.wechat_factor(d) for d in window]) * NEW_USERS_PER_DAY * scale
    new_days = np.repeat(np.array(window, dtype="datetime64[D]"), rng.poisson(expected))
    times = season.sample_local_times(rng, np.concatenate([base_days, new_days]), season.APP_HOURS)
    return times, n_base


def _verification(
    rng: np.random.Generator, registered: np.ndarray, n_base: int, window_end: np.datetime64
) -> dict:
    """Final verification state of each user at the end of the window."""
    n = len(registered)
    auto_share = np.where(np.arange(n) < n_base, _BASE_VERIFY[0], _NEW_VERIFY[0])
    manual_share = np.where(np.arange(n) < n_base, _BASE_VERIFY[1], _NEW_VERIFY[1])
    u = rng.random(n)
    auto = u < auto_share
    manual = (u >= auto_share) & (u < auto_share + manual_share)
    auto_at = registered + _seconds(rng, 5, 300, n)
    applied = registered + _seconds(rng, 60, 3 * 86_400, n)
    lag = rng.choice(len(_DECISION_LAG_DAYS), size=n, p=_DECISION_LAG_DAYS)
    decided = season.sample_local_times(
        rng, season.local_dates(applied) + lag.astype("timedelta64[D]"), season.OFFICE_HOURS
    )
    decided = np.where(
        decided <= applied, decided + np.timedelta64(1, "D"), decided
    )  # reviewers work after it
    approved = rng.random(n) < MANUAL_APPROVAL

    auto_done = auto & (auto_at < window_end)
    applied_done = manual & (applied < window_end)
    decided_done = applied_done & (decided < window_end)
    status = np.full(n, "none", dtype=object)
    status[auto_done] = "verified"
    status[applied_done] = "pending"
    status[decided_done & approved] = "verified"
    status[decided_done & ~approved] = "rejected"
    nat = np.datetime64("NaT", "us")
    return {
        "verify_status": status.astype(str),
        "verify_method": pl.Series(np.where(auto_done, "auto", np.where(applied_done, "manual", ""))).replace(
            "", None
        ),
        "verified_at": np.where(auto_done, auto_at, np.where(decided_done & approved, decided, nat)),
        "manual_applied_at": np.where(applied_done, applied, nat),
        "manual_decided_at": np.where(decided_done, decided, nat),
    }


def simulate_users(
    rng: np.random.Generator, population: pl.DataFrame, *, start: dt.date, days: int, scale: float
) -> pl.DataFrame:
    """健康静安 users (truth columns plus ``activity``, the relative frequency of opening the app)."""
    window = season.window_days(start, days)
    window_end = season.local_midnight_utc(window[-1] + dt.timedelta(days=1))
    registered, n_base = _registration_times(rng, start=start, window=window, scale=scale)
    # the base registered before the window, so sorting by time keeps it first
    registered = np.sort(registered, kind="stable")
    ages = population["age"].to_numpy()
    propensity = _APP_PROPENSITY[np.searchsorted(_AGE_EDGES, ages, side="right")]
    people = weighted_sample_without_replacement(rng, propensity, len(registered))
    if len(people) < len(registered):
        raise ValueError("人口规模不足以生成健康静安用户")
    people = rng.permutation(people)
    verification = _verification(rng, registered, n_base, window_end)
    return pl.DataFrame(
        {
            "user_id": "U" + pl.Series(np.arange(1, len(registered) + 1)).cast(pl.Utf8).str.zfill(9),
            "patient_id": population["patient_id"].gather(people),
            "registered_at": registered,
            **verification,
            "activity": rng.gamma(0.35, 1.0, len(registered)) * propensity[people],
        }
    )


def simulate_app_activity(
    rng: np.random.Generator, users: pl.DataFrame, *, start: dt.date, days: int, scale: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """App opens and module visits per day; ``users`` must be sorted by ``registered_at``."""
    registered = users["registered_at"].to_numpy()
    cumulative = np.cumsum(users["activity"].to_numpy())
    user_ids = users["user_id"]  # gathered as a polars Series: numpy unicode arrays convert slowly
    open_users, open_times = [], []
    for day in season.window_days(start, days):
        day_end = season.local_midnight_utc(day + dt.timedelta(days=1))
        eligible = int(np.searchsorted(registered, day_end, side="left"))  # registered before the day ends
        n = int(rng.poisson(OPENS_PER_DAY * scale * season.wechat_factor(day)))
        if eligible == 0 or n == 0:
            continue
        who = np.searchsorted(cumulative[:eligible], rng.random(n) * cumulative[eligible - 1], side="right")
        who = np.minimum(who, eligible - 1)
        when = season.sample_times(rng, day, n, season.APP_HOURS)
        # someone who registers today opens the app after registering, still today
        late = when < registered[who]
        fix = np.minimum(registered[who] + _seconds(rng, 1, 600, n), day_end - SECOND)
        open_users.append(who)
        open_times.append(np.where(late, fix, when))
    who = np.concatenate(open_users) if open_users else np.array([], dtype=np.int64)
    when = np.concatenate(open_times) if open_times else np.array([], dtype="datetime64[us]")
    order = np.lexsort((who, when))
    who, when = who[order], when[order]
    opens = pl.DataFrame(
        {
            "event_id": "O" + pl.Series(np.arange(1, len(who) + 1)).cast(pl.Utf8).str.zfill(10),
            "user_id": user_ids.gather(who),
            "opened_at": when,
        }
    )
    per_open = rng.poisson(VISITS_PER_OPEN, len(who))
    visit_user = np.repeat(who, per_open)
    opened = np.repeat(when, per_open)
    day_end = (season.local_dates(opened) + np.timedelta64(1, "D")).astype(
        "datetime64[us]"
    ) - season.LOCAL_OFFSET
    visited = np.minimum(opened + _seconds(rng, 5, 900, len(opened)), day_end - SECOND)
    visited = np.maximum(visited, opened)
    module = rng.choice(len(MODULES), size=len(opened), p=_MODULE_SHARES)
    order = np.lexsort((visit_user, visited))
    visits = pl.DataFrame(
        {
            "event_id": "V" + pl.Series(np.arange(1, len(order) + 1)).cast(pl.Utf8).str.zfill(10),
            "user_id": user_ids.gather(visit_user[order]),
            "module": pl.Series(MODULES).gather(module[order]),
            "visited_at": visited[order],
        }
    )
    return opens, visits
