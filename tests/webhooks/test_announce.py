"""Who receives an event is remembered per process until a change that matters: an API write
into a tenant costs no query for it, and a change is seen by the very next event."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from csadmin.access import freshness
from csadmin.tenancy.models import DisabledPlugin
from plugins.webhooks.announce import receivers
from plugins.webhooks.services import subscription_update

pytestmark = pytest.mark.django_db


def queries_of(fn, *args):
    with CaptureQueriesContext(connection) as captured:
        result = fn(*args)
    return result, len(captured)


def test_a_tenant_without_subscriptions_costs_one_query_then_none(tenant):
    assert queries_of(receivers, tenant) == ((), 1)
    assert queries_of(receivers, tenant) == ((), 0)


def test_a_new_subscription_is_seen_by_the_next_event(tenant, subscribe):
    receivers(tenant)
    subscription = subscribe()
    found, count = queries_of(receivers, tenant)
    assert [s.pk for s in found] == [subscription.pk] and count == 1
    assert queries_of(receivers, tenant)[1] == 0


def test_pausing_and_changing_filters_are_seen_at_once(tenant, subscribe):
    subscription = subscribe()
    assert receivers(tenant)[0].kinds != ["service.end"]
    subscription_update(
        tenant=tenant, subscription_id=subscription.pk, body={"kinds": ["service.end"]}, actor=None
    )
    assert receivers(tenant)[0].kinds == ["service.end"]
    subscription_update(
        tenant=tenant, subscription_id=subscription.pk, body={"active": False}, actor=None
    )
    assert receivers(tenant) == ()


def test_disabling_the_plugin_in_the_tenant_is_seen_at_once(tenant, subscribe):
    subscribe()
    assert len(receivers(tenant)) == 1
    DisabledPlugin.objects.create(tenant=tenant, plugin="webhooks")
    assert receivers(tenant) == ()


def test_a_failure_count_change_keeps_what_is_remembered(tenant, subscribe):
    subscription = subscribe()
    receivers(tenant)
    before = freshness.generation()
    subscription.consecutive_failures = 3
    subscription.save(update_fields=["consecutive_failures", "updated_at"])
    assert freshness.generation() == before
    assert queries_of(receivers, tenant)[1] == 0


def test_without_the_shared_cache_every_call_reads_the_database(tenant, subscribe, monkeypatch):
    subscribe()
    monkeypatch.setattr("plugins.webhooks.announce.generation", lambda: None)
    assert queries_of(receivers, tenant)[1] == 1
    assert queries_of(receivers, tenant)[1] == 1
