"""Background jobs on PostgreSQL: queues with retries, leases and a dead-letter state.

See docs/operations/jobs.md. Services enqueue in their own transaction and register handlers::

    from operational.common.jobs import enqueue, job_handler
"""

from operational.common.jobs.admin import (
    JobNotFound,
    JobView,
    get_job,
    list_dead,
    purge_finished,
    queue_stats,
    requeue_dead,
)
from operational.common.jobs.queue import (
    ClaimedJob,
    claim,
    complete,
    enqueue,
    enqueue_many,
    fail,
    reclaim_expired,
)
from operational.common.jobs.retry import JobFailed, PermanentFailure, RetryLater, RetryPolicy
from operational.common.jobs.worker import JobRegistry, Worker, job_handler, registry

__all__ = [
    "ClaimedJob",
    "JobFailed",
    "JobNotFound",
    "JobRegistry",
    "JobView",
    "PermanentFailure",
    "RetryLater",
    "RetryPolicy",
    "Worker",
    "claim",
    "complete",
    "enqueue",
    "enqueue_many",
    "fail",
    "get_job",
    "job_handler",
    "list_dead",
    "purge_finished",
    "queue_stats",
    "reclaim_expired",
    "registry",
    "requeue_dead",
]
