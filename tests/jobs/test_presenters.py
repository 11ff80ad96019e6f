"""A run's outcome and its arguments as the pages show them."""

from __future__ import annotations

import pytest

from csadmin.jobs.models import JobRun
from csadmin.jobs.presenters import Argument, is_dry_run, job_arguments, outcome

State = JobRun.State


@pytest.mark.parametrize(
    "state, counts, key, label",
    [
        (State.QUEUED, {}, "queued", "queued"),
        (State.RUNNING, {"errors": 4}, "running", "running"),
        (State.SUCCEEDED, {"errors": 0}, "succeeded", "succeeded"),
        (State.SUCCEEDED, {}, "succeeded", "succeeded"),
        (State.SUCCEEDED, {"errors": 1}, "succeeded-with-errors", "succeeded with 1 bad row"),
        (State.SUCCEEDED, {"errors": 12}, "succeeded-with-errors", "succeeded with 12 bad rows"),
        (State.FAILED, {"errors": 12}, "failed", "failed"),
        (State.CANCELLED, {}, "cancelled", "cancelled"),
    ],
)
def test_outcome(state, counts, key, label):
    found = outcome(JobRun(state=state, counts=counts))
    assert (found.key, found.label) == (key, label)


def test_arguments_follow_the_declaration_and_keep_what_it_no_longer_names():
    run = JobRun(
        kind="maintenance.purge",
        arguments={"retired": [1], "dry_run": False, "operation": "purge.service.all", "batch": 5},
    )
    assert job_arguments(run) == [
        Argument("operation", "operation", "purge.service.all"),
        Argument("dry_run", "dry run", "no"),
        Argument("batch", "batch", "5"),
        Argument("retired", "retired", "[1]"),
    ]
    assert not is_dry_run(run)
    assert is_dry_run(JobRun(kind="maintenance.purge", arguments={"dry_run": True}))


def test_arguments_of_a_job_that_declared_nothing_are_shown_as_given():
    run = JobRun(kind="gone.kind", arguments={"max_errors": None, "name": ""})
    assert job_arguments(run) == [
        Argument("max_errors", "max errors", "—"),
        Argument("name", "name", "—"),
    ]
