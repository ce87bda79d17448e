"""Build the whole truth of a simulated window: the district's final, correct state.

``build_truth`` is pure (no I/O beyond reading the institutions seed): the same arguments give
identical frames. Each part draws from its own named stream (see :mod:`pipelines.simulate.streams`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import polars as pl

from pipelines.simulate import facilities, truth
from pipelines.simulate.catchment import CATCHMENT_DAYS, Catchment
from pipelines.simulate.outpatient import simulate_outpatient
from pipelines.simulate.people import make_population
from pipelines.simulate.streams import stream
from pipelines.simulate.wechat import BASE_USERS, NEW_USERS_PER_DAY, simulate_app_activity, simulate_users

Progress = Callable[[str, int, int], None]
MIN_POPULATION = 20_000


def conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """``frame`` with exactly the columns and dtypes of a truth schema."""
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema.items()])


def population_size(scale: float, days: int) -> int:
    """Residents to generate: enough for every catchment and every 健康静安 user."""
    users = BASE_USERS * scale + NEW_USERS_PER_DAY * 1.3 * scale * days
    return max(MIN_POPULATION, int(users * 1.6 + 25_000 * scale * CATCHMENT_DAYS * 0.5))


def build_truth(
    *, start: dt.date, days: int, scale: float, seed: int, progress: Progress | None = None
) -> dict[str, pl.DataFrame]:
    """All truth tables except ``defects`` (planned with the deliveries), keyed as in ``truth.TABLES``.

    Internal helper columns (population indices, activity) are dropped; ``patients`` holds only people
    who appear in an appointment, a registration or as a 健康静安 user.
    """
    if days < 1 or scale <= 0:
        raise ValueError("模拟天数须至少为 1，规模须大于 0")
    report = progress or (lambda label, done, total: None)
    institutions = facilities.load_institutions()
    volumes = facilities.daily_volume(institutions, stream(seed, "volumes"))
    departments = facilities.make_departments(institutions)
    doctors = facilities.make_doctors(departments, volumes, stream(seed, "doctors"))
    report("生成居民", 0, 1)
    population = make_population(
        stream(seed, "population"), size=population_size(scale, days), reference_day=start
    )
    patient_ids = population["patient_id"]
    report("生成居民", 1, 1)

    appointments, registrations = [], []
    total = institutions.height
    for done, institution in enumerate(institutions.iter_rows(named=True)):
        code = institution["institution_code"]
        report("生成预约与挂号", done, total)
        size = max(300, int(volumes[code] * scale * CATCHMENT_DAYS))
        catchment = Catchment(
            stream(seed, "catchment", code), population, kind=institution["kind"], size=size
        )
        own = pl.col("institution_code") == code
        booked, registered = simulate_outpatient(
            stream(seed, "outpatient", code), institution=institution, departments=departments.filter(own),
            doctors=doctors.filter(own), catchment=catchment, patient_ids=patient_ids, volume=volumes[code],
            scale=scale, start=start, days=days,
        )  # fmt: skip
        appointments.append(booked)
        registrations.append(registered)
    report("生成预约与挂号", total, total)

    report("生成健康静安数据", 0, 2)
    users = simulate_users(stream(seed, "wechat_users"), population, start=start, days=days, scale=scale)
    report("生成健康静安数据", 1, 2)
    opens, visits = simulate_app_activity(
        stream(seed, "wechat_activity"), users, start=start, days=days, scale=scale
    )
    report("生成健康静安数据", 2, 2)

    tables = {
        "institutions": conform(institutions, truth.INSTITUTIONS),
        "departments": conform(departments, truth.DEPARTMENTS),
        "doctors": conform(doctors, truth.DOCTORS),
        "appointments": conform(pl.concat(appointments), truth.APPOINTMENTS),
        "registrations": conform(pl.concat(registrations), truth.REGISTRATIONS),
        "wechat_users": conform(users, truth.WECHAT_USERS),
        "wechat_app_opens": conform(opens, truth.WECHAT_APP_OPENS),
        "wechat_module_visits": conform(visits, truth.WECHAT_MODULE_VISITS),
    }
    referenced = pl.concat(
        [tables[name].select("patient_id") for name in ("appointments", "registrations", "wechat_users")]
    ).unique()
    tables["patients"] = conform(population.join(referenced, on="patient_id", how="semi"), truth.PATIENTS)
    return tables
