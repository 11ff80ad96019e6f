"""Declared job inputs: checked when a job is enqueued (service, API, page), typed in the body."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pytest
from django.test import Client
from msgspec import Meta

from csadmin.jobs import JobInputs, NoInputs, describe_inputs, enqueue_job, job
from csadmin.jobs.models import JobRun
from csadmin.pluginlib import ValidationFailed, registry
from tests.jobs import jobs_for_tests
from tests.sample_plugin.tasks import CountNotesInputs

State = JobRun.State
WHEN = "2026-01-02T03:04:05.000Z"


def _refused(tenant, admin, kind, arguments) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        enqueue_job(tenant=tenant, kind=kind, arguments=arguments, actor=admin)
    assert not JobRun.objects.exists()
    return refused.value


@pytest.mark.parametrize(
    ("arguments", "errors"),
    [
        ({"batch": "3"}, {"batch": ["must be an integer, at least 1"]}),
        ({"batch": 0}, {"batch": ["must be an integer, at least 1"]}),
        ({"batch": True}, {"batch": ["must be an integer, at least 1"]}),
        ({"output": "no"}, {"output": ["must be true or false"]}),
        ({"fail_after": "x"}, {"fail_after": ["must be an integer, at least 0, or null"]}),
        ({"bacth": 3}, {"bacth": ["is not an input of sample.count_notes"]}),
    ],
)
def test_a_wrong_input_is_refused_naming_the_field_and_rule(tenant, admin, arguments, errors):
    refused = _refused(tenant, admin, "sample.count_notes", arguments)
    assert refused.errors == errors
    field, rules = next(iter(errors.items()))
    assert refused.message == f"{field}: {rules[0]}"


def test_a_missing_required_input_is_refused(tenant, admin):
    refused = _refused(tenant, admin, jobs_for_tests.with_files, {})
    assert refused.errors == {"name": ["is required: text"]}


def test_a_timestamp_input_needs_its_time_zone(tenant, admin):
    refused = _refused(tenant, admin, "tests.typed", {"when": "2026-01-02T03:04:05"})
    assert refused.errors == {"when": ["must be an ISO-8601 timestamp with a time zone"]}
    refused = _refused(tenant, admin, "tests.typed", {"when": "yesterday"})
    assert list(refused.errors) == ["when"]


def test_a_job_declaring_no_inputs_takes_no_arguments(tenant, admin):
    refused = _refused(tenant, admin, "tests.recorder", {"extra": 1})
    assert refused.errors == {"extra": ["is not an input of tests.recorder"]}


def test_the_purge_declares_its_inputs(tenant, admin):
    arguments = {"operation": "purge.service.all", "limit": WHEN, "batch": "500"}
    assert _refused(tenant, admin, "maintenance.purge", arguments).errors == {
        "batch": ["must be an integer, at least 1"]
    }
    arguments = {"operation": "purge.everything", "limit": WHEN}
    assert list(_refused(tenant, admin, "maintenance.purge", arguments).errors) == ["operation"]


def test_the_body_receives_typed_inputs_and_the_run_keeps_the_json(tenant, admin, run_job):
    jobs_for_tests.SEEN_INPUTS.clear()
    arguments = {"when": WHEN, "count": 3}
    run = run_job(tenant=tenant, actor=admin, kind="tests.typed", arguments=arguments)
    assert run.state == State.SUCCEEDED
    assert run.arguments == arguments
    (inputs,) = jobs_for_tests.SEEN_INPUTS
    assert inputs.when == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    assert inputs.count == 3 and inputs.mode == "plain"


def test_stored_arguments_that_no_longer_fit_fail_the_run_naming_the_field(
    tenant, django_capture_on_commit_callbacks
):
    # A run stored before its job's declaration changed (or written around enqueue_job).
    run = JobRun.objects.create(
        tenant=tenant, kind="tests.typed", plugin="core", arguments={"when": 5}
    )
    jobs_for_tests.typed.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.state == State.FAILED
    assert run.error == "when: must be an ISO-8601 timestamp with a time zone"


def _unfit_run(tenant) -> JobRun:
    """An ended run whose stored arguments break its job's declared inputs."""
    return JobRun.objects.create(
        tenant=tenant,
        kind="sample.count_notes",
        plugin="sample",
        state=State.FAILED,
        created_by="root",
        arguments={"batch": "many"},
    )


def test_the_api_refuses_a_retry_whose_arguments_break_the_declaration(api, tenant):
    run = _unfit_run(tenant)
    response = api.post(f"maintenance/jobs/{run.pk}/retry")
    assert response.status_code == 400
    assert response.json()["errors"] == {"batch": ["must be an integer, at least 1"]}
    assert response.json()["message"] == "batch: must be an integer, at least 1"
    assert list(JobRun.objects.all()) == [run]


def test_the_job_page_shows_the_refused_retry(admin, tenant):
    run = _unfit_run(tenant)
    browser = Client()
    browser.force_login(admin)
    response = browser.post(f"/jobs/{run.pk}/retry/", follow=True)
    assert response.redirect_chain[0][0] == f"/jobs/{run.pk}/"
    assert "batch: must be an integer, at least 1" in response.content.decode()
    assert list(JobRun.objects.all()) == [run]


def test_inputs_must_be_declared_as_a_job_inputs_type():
    with pytest.raises(TypeError, match="inputs must be a JobInputs subclass"):
        job("tests.badly_declared", inputs=dict)


def test_the_registry_knows_each_jobs_inputs():
    assert registry.job_inputs("sample.count_notes") is CountNotesInputs
    assert describe_inputs(CountNotesInputs) == [
        {"name": "batch", "type": "an integer, at least 1", "required": False, "default": "2"},
        {"name": "sleep", "type": "a number, at least 0", "required": False, "default": "0.0"},
        {
            "name": "fail_after",
            "type": "an integer, at least 0, or null",
            "required": False,
            "default": "null",
        },
        {"name": "output", "type": "true or false", "required": False, "default": "true"},
    ]
    assert issubclass(registry.job_inputs("maintenance.purge"), JobInputs)
    assert describe_inputs(NoInputs) == []


def test_the_plugins_page_shows_each_jobs_inputs_and_the_schedules(admin, tenant):
    browser = Client()
    browser.force_login(admin)
    page = browser.get("/administration/plugins/").content.decode()
    assert (
        "<code>sample.count_notes</code> — inputs: <code>batch</code> "
        "(an integer, at least 1, default <code>2</code>)"
    ) in page
    assert "<code>limit</code> (an ISO-8601 timestamp with a time zone, required)" in page
    assert "<code>maintenance.apply_retention_policies</code> at <code>30 2 * * *</code>" in page
    assert "<code>webhooks.deliver_due</code> every 30 s" in page


def test_a_title_or_page_hint_leaves_the_type_described():
    class Titled(JobInputs):
        limit: Annotated[int, Meta(ge=1, title="cutoff", extra={"shown": False})]

    assert describe_inputs(Titled)[0]["type"] == "an integer, at least 1"
