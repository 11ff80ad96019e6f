"""GET /maintenance/jobs[/{id}], POST .../cancel and .../retry, GET .../files/{name}."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from csadmin.jobs.models import JobFile, JobRun
from csadmin.testing import Api, GetEndpointChecks, ListEndpointChecks, make_user

State = JobRun.State
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _job(tenant, state=State.SUCCEEDED, **fields) -> JobRun:
    values = {"kind": "sample.count_notes", "plugin": "sample", "arguments": {"batch": 2}}
    return JobRun.objects.create(tenant=tenant, state=state, **{**values, **fields})


def _file(run: JobRun, name: str, content: bytes) -> JobFile:
    from csadmin.jobs.files import store

    size = store(run.pk, name, content)
    return JobFile.objects.create(job=run, name=name, size=size)


def test_a_finished_job_as_json(api, tenant, admin, notes, run_job):
    run = run_job(tenant=tenant, actor=admin, arguments={"batch": 2})
    response = api.get(f"maintenance/jobs/{run.pk}")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "id",
        "kind",
        "plugin",
        "state",
        "outcome",
        "progress",
        "counts",
        "errors",
        "arguments",
        "attempts",
        "cancel_requested",
        "retry_of",
        "created_by",
        "created",
        "started",
        "finished",
        "files",
        "status_url",
    }
    assert body["id"] == run.pk
    assert (body["kind"], body["plugin"], body["state"]) == (
        "sample.count_notes",
        "sample",
        "succeeded",
    )
    assert body["progress"] == {"done": 5, "total": 5}
    assert body["counts"] == {"notes": 5}
    assert body["errors"] == []
    assert body["created_by"] == "root"
    assert body["files"] == ["notes.txt"]
    assert all(ISO_MS.match(body[key]) for key in ("created", "started", "finished"))
    assert body["status_url"] == f"http://testserver/genesys/1/cs/maintenance/jobs/{run.pk}"


@pytest.mark.parametrize(
    ("state", "counts", "word"),
    [
        (State.SUCCEEDED, {"rows": 3}, "succeeded"),
        (State.SUCCEEDED, {"rows": 3, "errors": 2}, "succeeded with errors"),
        (State.FAILED, {"errors": 3}, "failed"),
        (State.CANCELLED, {}, "cancelled"),
        (State.RUNNING, {"errors": 1}, "running"),
    ],
)
def test_the_outcome_is_the_word_of_the_job_pages_badge(
    api, browser_of, tenant, state, counts, word
):
    run = _job(tenant, state, counts=counts)
    assert api.get(f"maintenance/jobs/{run.pk}").json()["outcome"] == word
    assert api.get("maintenance/jobs").json()[0]["outcome"] == word
    badge = re.search(r'data-outcome="([^"]+)"[^>]*>([^<]+)<', browser_of(f"/jobs/{run.pk}/"))
    assert badge.group(1).replace("-", " ") == word
    assert badge.group(2).startswith(word.replace(" errors", ""))


@pytest.fixture
def browser_of(client, admin):
    client.force_login(admin)
    return lambda path: client.get(path).content.decode()


def test_a_job_that_skipped_bad_rows_says_where_they_are_listed(api, tenant):
    run = _job(tenant, counts={"rows": 5, "errors": 2})
    _file(run, "errors.csv", b"file,line,index,field,reason\nc.ndjson,2,,LastName,is mandatory\n")
    listed = (
        f"2 bad rows skipped, each listed with its line and reason in "
        f"http://testserver/genesys/1/cs/maintenance/jobs/{run.pk}/files/errors.csv"
    )
    assert api.get(f"maintenance/jobs/{run.pk}").json()["errors"] == [listed]
    assert api.get("maintenance/jobs").json()[0]["errors"] == [listed]
    # its rows quote the data: the errors point to the file, which keeps its own privilege
    assert "LastName" not in listed


def test_no_pointer_without_bad_rows_or_their_file(api, tenant):
    counted = _job(tenant, counts={"rows": 5, "errors": 2})
    clean = _job(tenant, counts={"rows": 5, "errors": 0})
    _file(clean, "errors.csv", b"file,line,index,field,reason\n")
    for run in (counted, clean):
        assert api.get(f"maintenance/jobs/{run.pk}").json()["errors"] == []


def test_a_failed_job_shows_its_error(api, tenant):
    run = _job(tenant, State.FAILED, error="RuntimeError: boom")
    assert api.get(f"maintenance/jobs/{run.pk}").json()["errors"] == ["RuntimeError: boom"]


def test_the_list_shows_each_jobs_files(api, tenant):
    _file(_job(tenant), "out.json", b"[]")
    assert api.get("maintenance/jobs").json()[0]["files"] == ["out.json"]


def test_the_list_filters_by_kind_state_and_plugin(api, tenant):
    wanted = _job(tenant, State.FAILED, kind="maintenance.purge", plugin="maintenance")
    _job(tenant, State.SUCCEEDED, kind="maintenance.purge", plugin="maintenance")
    _job(tenant, State.FAILED)
    for query in ("kind=maintenance.purge&state=failed", "plugin=maintenance&state=failed"):
        assert [job["id"] for job in api.get(f"maintenance/jobs?{query}").json()] == [wanted.pk]


def test_a_bad_state_filter_names_the_field(api, tenant):
    response = api.get("maintenance/jobs?state=sleeping")
    assert response.status_code == 400
    assert "state" in response.json()["errors"]


def test_another_tenants_jobs_and_files_leak_nothing(api, tenant, other_tenant):
    theirs = _job(other_tenant)
    _file(theirs, "secret.csv", b"secret")
    for path in (
        f"maintenance/jobs/{theirs.pk}",
        f"maintenance/jobs/{theirs.pk}/files/secret.csv",
    ):
        response = api.get(path)
        assert response.status_code == 404
        assert "secret" not in response.content.decode()
    for action in ("cancel", "retry"):
        assert api.post(f"maintenance/jobs/{theirs.pk}/{action}").status_code == 404
    assert JobRun.objects.filter(tenant=other_tenant).count() == 1


def test_a_file_downloads_as_an_attachment(api, tenant):
    run = _job(tenant)
    _file(run, "services.csv", b"id,name\n1,=cmd\n")
    response = api.get(f"maintenance/jobs/{run.pk}/files/services.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="services.csv"'
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == b"id,name\n1,=cmd\n"


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2Fsettings.py", "..", "%2e%2e", ".env", "missing.csv", "a%00.csv", "x%5C..%5Cy"],
)
def test_file_names_that_try_to_leave_the_folder_are_not_found(api, tenant, name, media_root):
    run = _job(tenant)
    _file(run, "services.csv", b"x")
    (media_root / "jobs" / "settings.py").write_bytes(b"SECRET")
    response = api.get(f"maintenance/jobs/{run.pk}/files/{name}")
    assert response.status_code in (400, 404)
    assert b"SECRET" not in response.content


def test_a_file_row_whose_disk_file_vanished_is_not_found(api, tenant):
    run = _job(tenant)
    JobFile.objects.create(job=run, name="gone.csv", size=3)
    assert api.get(f"maintenance/jobs/{run.pk}/files/gone.csv").status_code == 404


def test_cancel_answers_the_job(api, tenant):
    run = _job(tenant, State.RUNNING, started_at=timezone.now())
    response = api.post(f"maintenance/jobs/{run.pk}/cancel")
    assert response.status_code == 200
    assert response.json()["cancel_requested"] is True
    assert response.json()["state"] == "running"


def test_cancel_of_an_ended_job_is_400_naming_the_state(api, tenant):
    run = _job(tenant, State.SUCCEEDED)
    response = api.post(f"maintenance/jobs/{run.pk}/cancel")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "state": ["is succeeded; only queued or running jobs can be cancelled"]
    }


def test_retry_answers_202_with_the_new_job(api, tenant, notes, django_capture_on_commit_callbacks):
    run = _job(tenant, State.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"maintenance/jobs/{run.pk}/retry")
    assert response.status_code == 202
    body = response.json()
    again = JobRun.objects.get(retry_of=run)
    assert body == {
        "job_id": again.pk,
        "status": "queued",
        "status_url": f"http://testserver/genesys/1/cs/maintenance/jobs/{again.pk}",
    }
    assert response["Location"] == body["status_url"]
    again.refresh_from_db()
    assert again.state == State.SUCCEEDED


def test_retry_answers_503_and_keeps_nothing_when_the_broker_is_down(api, tenant):
    from csadmin.celery import app

    run = _job(tenant, State.FAILED)
    changed = {"task_always_eager": False, "broker_url": "redis://127.0.0.1:1/0"}
    saved = {key: app.conf[key] for key in changed}
    app.conf.update(changed)
    try:
        response = api.post(f"maintenance/jobs/{run.pk}/retry")
    finally:
        app.conf.update(saved)
    assert response.status_code == 503
    assert response.json()["exception"] == "ServiceUnavailableException"
    assert JobRun.objects.count() == 1


# -- privileges --------------------------------------------------------------------------------
def test_only_the_owner_or_a_manager_may_cancel(tenant):
    owner = make_user("owner", tenant, ["Supervisor"])
    stranger = make_user("stranger", tenant, ["Supervisor"])
    operator = make_user("operator", tenant, ["Maintenance Operator"])
    first = _job(tenant, State.RUNNING, created_by_user=owner)
    second = _job(tenant, State.RUNNING, created_by_user=owner)

    refused = Api(stranger, tenant).post(f"maintenance/jobs/{first.pk}/cancel")
    assert refused.status_code == 403
    assert "jobs.runs.manage" in refused.json()["message"]
    assert Api(owner, tenant).post(f"maintenance/jobs/{first.pk}/cancel").status_code == 200
    assert Api(operator, tenant).post(f"maintenance/jobs/{second.pk}/cancel").status_code == 200


def test_the_schema_documents_the_job_endpoints(api):
    response = api.get("schema/?format=json")
    paths = response.json()["paths"] if response.status_code == 200 else {}
    assert "/genesys/1/cs/maintenance/jobs/{job_id}/files/{name}" in paths
    assert "202" in paths["/genesys/1/cs/maintenance/jobs/{job_id}/retry"]["post"]["responses"]


# -- the checks every endpoint owes (csadmin.testing) -------------------------------------------


class JobFactory:
    def make(self, tenant):
        run = _job(tenant)
        _file(run, "out.json", b"[]")  # the list shows each job's files: no query per row
        return run


class TestJobs(JobFactory, ListEndpointChecks):
    list_url = "maintenance/jobs"
    list_queries = 3  # the grant, the page, the page's files

    def expected_order(self, made):
        return [run.pk for run in reversed(made)]  # newest first


class TestJob(JobFactory, GetEndpointChecks):
    detail_url = "maintenance/jobs/{key}"
    missing_url = "maintenance/jobs/999999"


class TestJobFile(JobFactory, GetEndpointChecks):
    detail_url = "maintenance/jobs/{key}/files/out.json"
    missing_url = "maintenance/jobs/999999/files/out.json"
