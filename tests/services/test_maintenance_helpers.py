"""The functions the maintenance plug-in calls: purge batches and the export iterator."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plugins.services import selectors, services
from plugins.services.models import Event, Service, State, Task

pytestmark = pytest.mark.django_db


def journey(tenant, admin, **extra):
    service, _, _ = services.service_start_composite(
        tenant=tenant,
        body={
            "service_type": "S",
            "states": [{"state_type": "Q"}, {"state_type": "T"}],
            "tasks": [{"task_type": "C", "state_index": 0}],
            **extra,
        },
        actor=admin,
    )
    return service


def test_purge_batches_delete_expired_services_with_their_rows(tenant, other_tenant, admin):
    keep = journey(tenant, admin)
    expired = [journey(tenant, admin) for _ in range(5)]
    foreign = journey(other_tenant, admin)
    past = timezone.now() - dt.timedelta(hours=1)
    Service.objects.filter(pk__in=[s.pk for s in expired] + [foreign.pk]).update(expires_at=past)
    batches = list(selectors.services_for_purge(tenant, batch=2))
    assert [len(b) for b in batches] == [2, 2, 1]
    with CaptureQueriesContext(connection) as captured:
        deleted = services.purge_services_batch(tenant, batches[0])
    assert deleted == 2
    assert len(captured) <= 7  # own-ids check + four set-based DELETEs (+ savepoint)
    for batch in batches[1:]:
        services.purge_services_batch(tenant, batch)
    assert list(Service.objects.filter(tenant=tenant)) == [keep]
    assert State.objects.filter(service__tenant=tenant).count() == 2
    assert Task.objects.count() == 2 and Event.objects.filter(tenant=tenant).count() == 4
    # ids of another tenant are ignored
    assert services.purge_services_batch(tenant, [foreign.pk]) == 0
    assert Service.objects.filter(pk=foreign.pk).exists()


def test_purge_by_completion_time(tenant, admin):
    old = journey(tenant, admin)
    services.service_end(tenant=tenant, service_id=old.service_id, body={}, actor=admin)
    Service.objects.filter(pk=old.pk).update(completed_at=timezone.now() - dt.timedelta(days=40))
    journey(tenant, admin)
    cutoff = timezone.now() - dt.timedelta(days=30)
    batches = list(selectors.services_for_purge(tenant, expired=False, completed_before=cutoff))
    assert batches == [[old.pk]]
    assert list(selectors.services_for_purge(tenant, expired=False)) == []


def test_export_iterator_loads_children_in_three_queries_per_chunk(tenant, admin):
    for _ in range(7):
        journey(tenant, admin)
    with CaptureQueriesContext(connection) as captured:
        exported = list(selectors.iter_services_for_export(tenant, chunk=3))
        counts = [(len(s.states.all()), len(s.tasks.all())) for s in exported]
    assert counts == [(2, 1)] * 7
    assert len(captured) == 3 * 3 + 1  # three chunks of three queries, one empty probe
