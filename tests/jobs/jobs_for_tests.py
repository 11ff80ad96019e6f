"""Jobs that only the framework's tests run."""

import datetime as dt
from typing import Annotated

from msgspec import Meta

from csadmin.jobs import JobInputs, cancel_job, job
from csadmin.jobs.models import JobRun

CALLS = []
SEEN_INPUTS = []


@job("tests.self_cancelling")
def self_cancelling(handle):
    """Asks to be cancelled (as a click on Cancel would), then checks between batches."""
    handle.progress(1, 3)
    cancel_job(tenant=handle.tenant, job_id=handle.job_id, actor=handle.actor)
    handle.check_cancelled()
    handle.progress(3, 3)


@job("tests.chatty")
def chatty(handle):
    """Reports progress far more often than the throttle writes it."""
    for done in range(1, 1001):
        handle.progress(done, 1000)
        handle.count(items=1)


@job("tests.recorder")
def recorder(handle):
    CALLS.append(handle.job_id)
    handle.log("info", "ran")


class WithFilesInputs(JobInputs):
    name: str


@job("tests.with_files", inputs=WithFilesInputs)
def with_files(handle):
    handle.add_file(handle.inputs.name, b"data")


class TypedInputs(JobInputs):
    when: Annotated[dt.datetime, Meta(tz=True)]
    count: Annotated[int, Meta(ge=0)] = 0
    mode: str = "plain"


@job("tests.typed", inputs=TypedInputs)
def typed(handle):
    """Keeps what its body received, for the tests to look at."""
    SEEN_INPUTS.append(handle.inputs)


def state_of(job_id: int) -> str:
    return JobRun.objects.get(pk=job_id).state
