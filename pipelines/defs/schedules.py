"""The nightly schedule: ingest yesterday's deliveries at 03:00 Shanghai time."""

import datetime as dt

import dagster as dg

from pipelines.defs.jobs import sources_ingest_job


@dg.schedule(
    job=sources_ingest_job,
    cron_schedule="0 3 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def nightly_ingest_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Yesterday's partition (local date), once all institutions' nightly exports have arrived."""
    yesterday = (context.scheduled_execution_time.date() - dt.timedelta(days=1)).isoformat()
    return dg.RunRequest(run_key=f"nightly-{yesterday}", partition_key=yesterday)
