"""On PostgreSQL: the reads a worker makes per stream stay index range scans of that stream,
however many deliveries the subscription has."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from csadmin.testing import require_service, uses_postgresql
from plugins.webhooks.models import Delivery
from plugins.webhooks.owed import high_water

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture
def postgresql():
    require_service(uses_postgresql(), "PostgreSQL")


def test_a_streams_last_delivery_is_found_through_its_own_index(postgresql, subscribe):
    subscription = subscribe()
    Delivery.objects.bulk_create(
        Delivery(
            subscription=subscription, event_id=n, kind="service.start", service_id=f"S{n % 50}"
        )
        for n in range(1, 5001)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE webhooks_delivery")
    with CaptureQueriesContext(connection) as queries:
        assert high_water(subscription.pk, "S7") == 4957
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # not delivery_once walked backwards over the other streams' deliveries
    assert "delivery_stream_events" in plan, plan
