"""Background jobs with progress kept in the database. The public surface for plug-ins:

    job                 decorator: @job("plugin.kind", inputs=KindInputs) def body(handle): ...
    JobInputs           base of a job's declared inputs (a msgspec Struct: typed fields)
    NoInputs            the inputs of a job that takes no arguments (the default)
    describe_inputs     a declaration's fields, types in words and defaults
    task                decorator for a plain Celery task (no JobRun): @task("plugin.name"),
                        lane="deliveries" for messages to other systems (their own queue)
    JobHandle           what the body receives (progress, count, log, check_cancelled, add_file)
    JobCancelled        raised by handle.check_cancelled()
    enqueue_job         enqueue_job(*, tenant, kind, arguments, actor) -> JobRun (queued)
    cancel_job          cancel_job(*, tenant, job_id, actor) -> JobRun
    retry_job           retry_job(*, tenant, job_id, actor) -> JobRun (the new run; a queued
                        run is sent again instead and answered itself)
    reap_stale_jobs     reap_stale_jobs() -> number of lost runs sent again or failed
    job_accepted        the API's 202 answer for a job call: {"job_id", "status", "status_url"}
    job_json            a run as the API shows it
    JobRun              the model (read it through the selectors)

Names load lazily so a plug-in's module can import them while Django starts.
"""

from importlib import import_module

_LAZY = {
    "job": "csadmin.jobs.runtime",
    "JobHandle": "csadmin.jobs.runtime",
    "JobCancelled": "csadmin.jobs.runtime",
    "task": "csadmin.jobs.runtime",
    "JobInputs": "csadmin.jobs.inputs",
    "NoInputs": "csadmin.jobs.inputs",
    "describe_inputs": "csadmin.jobs.inputs",
    "MAX_DELIVERIES": "csadmin.jobs.runtime",
    "enqueue_job": "csadmin.jobs.services",
    "cancel_job": "csadmin.jobs.services",
    "retry_job": "csadmin.jobs.services",
    "reap_stale_jobs": "csadmin.jobs.services",
    "may_manage": "csadmin.jobs.services",
    "job_accepted": "csadmin.jobs.presenters",
    "job_json": "csadmin.jobs.presenters",
    "get_job": "csadmin.jobs.selectors",
    "JobRun": "csadmin.jobs.models",
    "JobLog": "csadmin.jobs.models",
    "JobFile": "csadmin.jobs.models",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'csadmin.jobs' has no attribute {name!r}")
