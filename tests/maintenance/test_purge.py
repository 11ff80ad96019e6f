"""Purge: each operation and its class, expired services by every operation, dry run,
batches, cancel, counts, audit, tenant isolation and access."""

from __future__ import annotations

import pytest

from csadmin.audit.models import AuditEntry
from csadmin.jobs import JobCancelled
from csadmin.jobs.models import JobRun
from plugins.maintenance.purge import run_purge
from plugins.maintenance.reporting import QuietReporter
from plugins.services.models import Event, Service, State, Task
from tests.maintenance.conftest import LIMIT, make_service

ISO_LIMIT = LIMIT.isoformat()
EXPECTED = {
    "purge.service.all": {"old-active-known", "old-active-anon", "old-done-known", "old-done-anon"},
    "purge.service.started": {"old-active-known", "old-active-anon"},
    "purge.service.started.anonymous": {"old-active-anon"},
    "purge.service.completed": {"old-done-known", "old-done-anon"},
    "purge.service.completed.anonymous": {"old-done-anon"},
}


def remaining(tenant) -> set[str]:
    return set(Service.objects.filter(tenant=tenant).values_list("service_id", flat=True))


def purge(api, run_jobs, **body):
    response = run_jobs(lambda: api.post("maintenance/purge", {"limit": ISO_LIMIT, **body}))
    assert response.status_code == 202, response.content
    job = JobRun.objects.get(pk=response.json()["job_id"])
    assert response["Location"].endswith(f"/maintenance/jobs/{job.pk}")
    return job


@pytest.mark.parametrize("operation", sorted(EXPECTED))
def test_each_operation_removes_its_class_and_expired_services(
    api, tenant, services_mix, run_jobs, operation
):
    everything = remaining(tenant)
    job = purge(api, run_jobs, operation=operation)
    assert job.state == "succeeded", job.error
    gone = EXPECTED[operation] | {"expired-recent"}
    assert remaining(tenant) == everything - gone
    assert job.counts["services"] == len(gone)
    assert job.counts["states"] == len(gone)
    assert job.counts["tasks"] == len(gone)
    ids = [services_mix[k.replace("-", "_")].pk for k in gone]
    for model in (State, Task, Event):
        assert not model.objects.filter(service_id__in=ids).exists()


def test_dry_run_counts_and_deletes_nothing(api, tenant, services_mix, run_jobs):
    before = remaining(tenant)
    job = purge(api, run_jobs, operation="purge.service.completed", dry_run=True)
    assert job.state == "succeeded"
    assert job.counts == {"services": 3, "states": 3, "tasks": 3}
    assert remaining(tenant) == before


def test_purge_runs_in_batches(tenant):
    for n in range(7):
        make_service(tenant, f"old-{n}", states=2, tasks=0)
    reporter = QuietReporter()
    counts = run_purge(
        tenant=tenant,
        operation="purge.service.all",
        limit=LIMIT,
        dry_run=False,
        reporter=reporter,
        batch=3,
    )
    assert counts["services"] == 7 and counts["states"] == 14 and counts["tasks"] == 0
    assert reporter.done == reporter.total == 7


def test_purge_job_is_audited(api, tenant, services_mix, run_jobs):
    purge(api, run_jobs, operation="purge.service.all")
    entry = AuditEntry.objects.get(tenant=tenant, plugin="maintenance", action="purge")
    assert entry.after["services"] == 5


def test_a_purge_sent_again_adds_to_what_its_earlier_attempts_removed(tenant, admin):
    """The first attempt's worker died after removing 5 services (their rows are gone and their
    counts committed with them); the second attempt removes the other 7."""
    from plugins.maintenance.tasks import purge_job

    for n in range(7):
        make_service(tenant, f"old-{n}", states=2, tasks=1)
    run = JobRun.objects.create(
        tenant=tenant,
        kind="maintenance.purge",
        created_by_user=admin,
        arguments={"operation": "purge.service.all", "limit": ISO_LIMIT, "batch": 3},
        attempts=1,  # queued again by the reaper
        counts={"services": 5, "states": 10, "tasks": 5, "events": 0},
    )
    purge_job.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.state == "succeeded", run.error
    assert run.attempts == 2
    assert run.counts == {"services": 12, "states": 24, "tasks": 12, "events": 7}
    assert (run.done, run.total) == (12, 12)
    entry = AuditEntry.objects.get(tenant=tenant, plugin="maintenance", action="purge")
    assert (entry.after["services"], entry.after["states"], entry.after["job"]) == (12, 24, run.pk)
    assert run.log_lines.filter(message="Earlier attempts removed 5 services.").exists()


def test_cancel_stops_between_batches(tenant):
    for n in range(6):
        make_service(tenant, f"old-{n}")

    class CancelAfterFirstBatch(QuietReporter):
        checks = 0

        def check_cancelled(self):
            self.checks += 1
            if self.checks > 1:
                raise JobCancelled()

    with pytest.raises(JobCancelled):
        run_purge(
            tenant=tenant,
            operation="purge.service.all",
            limit=LIMIT,
            dry_run=False,
            reporter=CancelAfterFirstBatch(),
            batch=2,
        )
    assert Service.objects.filter(tenant=tenant).count() == 4


def test_purge_never_touches_another_tenant(api, tenant, other_tenant, run_jobs):
    make_service(tenant, "mine")
    make_service(other_tenant, "theirs")
    job = purge(api, run_jobs, operation="purge.service.all")
    assert job.counts["services"] == 1
    assert remaining(other_tenant) == {"theirs"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"operation": "purge.service.all"}, "limit"),
        ({"limit": ISO_LIMIT, "operation": "purge.everything"}, "operation"),
        ({"limit": "yesterday", "operation": "purge.service.all"}, "limit"),
        ({"limit": ISO_LIMIT, "operation": "purge.service.all", "dry_run": "yes"}, "dry_run"),
    ],
)
def test_bad_purge_requests_name_the_field(api, body, field):
    response = api.post("maintenance/purge", body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not JobRun.objects.exists()


def test_supervisor_gets_401_and_operator_may_purge(api_as, tenant, run_jobs):
    response = api_as("Supervisor").post(
        "maintenance/purge", {"limit": ISO_LIMIT, "operation": "purge.service.all"}
    )
    assert response.status_code == 401
    operator = api_as("Maintenance Operator")
    response = run_jobs(
        lambda: operator.post(
            "maintenance/purge", {"limit": ISO_LIMIT, "operation": "purge.service.all"}
        )
    )
    assert response.status_code == 202
