"""Jobs and tasks, as a plug-in uses them (the host's csadmin.jobs, re-exported):

    job, task               decorators: a job with a JobRun and declared inputs; a plain task
    JobInputs, NoInputs     bases of a job's declared inputs
    JobHandle, JobCancelled what a job's body receives; raised by handle.check_cancelled()
    enqueue_job             enqueue_job(*, tenant, kind, arguments, actor) -> JobRun (queued)
    send_task               send a registered task by name (where an import would be a circle)
    runs_inline             True when tasks run in the calling process (tests, embedded)
    job_accepted            the API's 202 answer for a job call; JobAcceptedSerializer its schema
    JobRun                  the run model, for reads
    ROW_ERRORS_FILE         the file a job lists its skipped bad rows in (errors.csv)
    withdraw_job_files      remove a run's files that hold data which may no longer be kept

Schedules are declared on the plug-in's config (csadmin.pluginlib.Schedule). Import this module
from modules Django loads after its apps (tasks, services, selectors, views), not from a
plug-in's __init__.
"""

from csadmin.jobs.api.serializers import JobAcceptedSerializer
from csadmin.jobs.inputs import JobInputs, NoInputs
from csadmin.jobs.models import JobRun
from csadmin.jobs.presenters import ROW_ERRORS_FILE, job_accepted
from csadmin.jobs.runtime import JobCancelled, JobHandle, job, runs_inline, send_task, task
from csadmin.jobs.services import enqueue_job, withdraw_job_files

__all__ = [
    "ROW_ERRORS_FILE",
    "JobAcceptedSerializer",
    "JobCancelled",
    "JobHandle",
    "JobInputs",
    "JobRun",
    "NoInputs",
    "enqueue_job",
    "job",
    "job_accepted",
    "runs_inline",
    "send_task",
    "task",
    "withdraw_job_files",
]
