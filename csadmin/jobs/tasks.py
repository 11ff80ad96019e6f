"""The jobs framework's own periodic task: the reaper, run every minute by Celery beat."""

from csadmin.celery import app
from csadmin.jobs.services import reap_stale_jobs

REAPER_TASK = "jobs.reap_stale_jobs"


@app.task(name=REAPER_TASK, ignore_result=True)
def reap_stale_jobs_task() -> int:
    return reap_stale_jobs()
