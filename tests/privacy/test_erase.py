"""POST /profiles/{id}/erase (spec §9): the customer and everything about it goes, in batches,
confirmed by its id, audited with counts; a second run finishes what a first one left."""

from __future__ import annotations

import json

import pytest

from csadmin.audit.models import AuditEntry
from csadmin.jobs.models import JobRun
from plugins.profiles.models import Customer, ExtensionRecord, IdentityKey, RecordKey
from plugins.services.models import Event, Service, State, Task
from plugins.webhooks.models import Delivery, DeliveryAttempt
from tests.privacy.conftest import CUSTOMER, OTHER

ERASE = f"profiles/{CUSTOMER}/erase"
CONFIRMED = {"confirm": CUSTOMER}


def erased(api, run_jobs, body=CONFIRMED, customer_id=CUSTOMER) -> JobRun:
    response = run_jobs(lambda: api.post(f"profiles/{customer_id}/erase", body))
    assert response.status_code == 202, response.json()
    run = JobRun.objects.get(pk=response.json()["job_id"])
    assert run.state == JobRun.State.SUCCEEDED, run.error
    return run


def snapshot(tenant, customer_id):
    customer = Customer.objects.filter(tenant=tenant, customer_id=customer_id).first()
    services = Service.objects.filter(tenant=tenant, customer_id=customer_id)
    return {
        "profiles": int(customer is not None),
        "extension_records": ExtensionRecord.objects.filter(customer=customer).count(),
        "identity": IdentityKey.objects.filter(customer=customer).count(),
        "record_keys": RecordKey.objects.filter(customer=customer).count(),
        "services": services.count(),
        "states": State.objects.filter(service__in=services).count(),
        "tasks": Task.objects.filter(service__in=services).count(),
        "events": Event.objects.filter(service__in=services).count(),
        "deliveries": Delivery.objects.filter(event__customer_id=customer_id).count(),
    }


def test_erase_removes_everything_of_the_customer_and_nothing_else(world, api, run_jobs, tenant):
    before_other = snapshot(tenant, OTHER)
    anonymous_deliveries = Delivery.objects.filter(service_id=world["anonymous"]).count()
    run = erased(api, run_jobs)
    assert run.counts == {
        "profiles": 1,
        "extension_records": 3,
        "services": 3,
        "states": 6,
        "tasks": 3,
        "events": 15,
        "deliveries": 4,
    }
    assert run.done == run.total and run.total > 0
    assert set(snapshot(tenant, CUSTOMER).values()) == {0}
    assert not DeliveryAttempt.objects.filter(delivery__event__customer_id=CUSTOMER).exists()
    assert snapshot(tenant, OTHER) == before_other
    assert Service.objects.filter(service_id=world["anonymous"]).exists()
    assert Delivery.objects.filter(service_id=world["anonymous"]).count() == anonymous_deliveries


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "confirm"),
        ({"confirm": "C-7"}, "confirm"),
        ({"confirm": CUSTOMER.lower()}, "confirm"),
        ({"confirm": 77}, "confirm"),
        ({"confirm": CUSTOMER, "force": True}, "force"),
        ([CUSTOMER], "body"),
    ],
)
def test_a_missing_or_different_confirmation_is_400_naming_it(world, api, tenant, body, field):
    response = api.post(ERASE, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not JobRun.objects.exists()
    assert snapshot(tenant, CUSTOMER)["services"] == 3


def test_unknown_customer_is_404(world, api):
    response = api.post("profiles/nobody/erase", {"confirm": "nobody"})
    assert response.status_code == 404
    assert not JobRun.objects.exists()


def test_another_tenants_administrator_cannot_erase(world, api_as, other_tenant, tenant):
    outsider = api_as("Administrator", in_tenant=other_tenant)
    assert outsider.post(ERASE, CONFIRMED).status_code == 404
    assert snapshot(tenant, CUSTOMER)["profiles"] == 1


def test_privilege_is_administrative(world, api_as, tenant):
    for role in ("Supervisor", "Agent Application", "Maintenance Operator", "Schema Designer"):
        response = api_as(role).post(ERASE, CONFIRMED)
        assert response.status_code == 401, role
    assert snapshot(tenant, CUSTOMER)["profiles"] == 1


def test_small_batches_each_commit_their_counts(world, tenant, admin, run_jobs, monkeypatch):
    from csadmin.jobs.services import enqueue_job
    from plugins.services import bulk

    real, batches = bulk.purge_batch, []

    def recorded(tenant, ids):
        batches.append(list(ids))
        return real(tenant, ids)

    monkeypatch.setattr("plugins.services.customer_data.purge_batch", recorded)

    run = run_jobs(
        lambda: enqueue_job(
            tenant=tenant,
            kind="profiles.erase",
            arguments={"customer_id": CUSTOMER, "batch": 1},
            actor=admin,
        )
    )
    run.refresh_from_db()
    assert run.state == JobRun.State.SUCCEEDED, run.error
    assert run.counts["services"] == 3 and run.counts["deliveries"] == 4
    assert set(snapshot(tenant, CUSTOMER).values()) == {0}
    assert [len(ids) for ids in batches] == [1, 1, 1]
    # progress: the services, the deliveries and the profile, each counted as it went
    assert run.total == 3 + 4 + 1 and run.done == run.total


def test_a_second_run_finishes_what_a_crashed_one_left(world, tenant, admin, run_jobs, monkeypatch):
    """The worker dies after the first batch of services (nothing after it commits); the
    run delivered again starts over, finds what is left and adds to the counts kept."""
    from csadmin.jobs.services import enqueue_job
    from plugins.services import bulk

    real = bulk.purge_batch
    calls = []

    def dies_on_second(tenant, ids):
        calls.append(ids)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real(tenant, ids)

    monkeypatch.setattr("plugins.services.customer_data.purge_batch", dies_on_second)

    def queue():
        return enqueue_job(
            tenant=tenant,
            kind="profiles.erase",
            arguments={"customer_id": CUSTOMER, "batch": 1},
            actor=admin,
        )

    with pytest.raises(SystemExit):
        run_jobs(queue)
    run = JobRun.objects.get(kind="profiles.erase")
    assert run.state == JobRun.State.RUNNING  # as a killed worker leaves it
    assert snapshot(tenant, CUSTOMER)["services"] == 2
    assert snapshot(tenant, CUSTOMER)["deliveries"] == 0  # deliveries went first
    assert run.counts["services"] == 1 and run.counts["deliveries"] == 4
    # the reaper hands the run to a new attempt
    JobRun.objects.filter(pk=run.pk).update(state=JobRun.State.QUEUED)
    from csadmin.jobs.runtime import execute
    from plugins.profiles.privacy.jobs import EraseInputs, erase_job

    execute(run.pk, erase_job.job_body, in_worker=False, inputs=EraseInputs)
    run.refresh_from_db()
    assert run.state == JobRun.State.SUCCEEDED, run.error
    assert set(snapshot(tenant, CUSTOMER).values()) == {0}
    assert run.counts["services"] == 3 and run.counts["deliveries"] == 4
    assert run.counts["profiles"] == 1


def test_the_audit_names_who_and_counts_never_the_data(world, api, run_jobs, admin):
    run = erased(api, run_jobs)
    entry = AuditEntry.objects.get(action="erase")
    assert entry.actor == admin.username and entry.plugin == "profiles"
    assert entry.after == {"job": run.pk, **run.counts}
    assert entry.object_id.startswith("erased:")
    text = json.dumps([entry.object_id, entry.before, entry.after])
    for value in (CUSTOMER, "555-0177", "High St", *world["mine"]):
        assert value not in text
