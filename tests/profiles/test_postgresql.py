"""What only PostgreSQL shows: concurrent writers against the unique constraint, and the
plan of an identify lookup."""

import threading

import pytest
from django.db import connection, connections

from csadmin.pluginlib import ConflictError
from csadmin.testing import require_service, uses_postgresql
from plugins.profiles import selectors, services
from plugins.profiles.keys import identity_rows
from plugins.profiles.models import Customer, ExtensionRecord, IdentificationKey, IdentityKey

pytestmark = pytest.mark.services

WRITERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_writers_of_the_same_record_one_wins(tenant, admin, schemas):
    require_service(uses_postgresql(), "PostgreSQL")
    services.customer_create(
        tenant=tenant, body={"customer_id": "C1", "LastName": "Doe"}, actor=admin
    )
    record = {"AddressType": 1, "Address": "1 Main St", "PostCode": "1000", "Country": "BE"}
    barrier = threading.Barrier(WRITERS)
    outcomes = []

    def write():
        try:
            barrier.wait()
            services.extension_record_add(
                tenant=tenant, customer_id="C1", extension="Address", values=record, actor=admin
            )
            outcomes.append(201)
        except ConflictError as refused:
            outcomes.append(refused.status_code)
        except Exception as other:
            outcomes.append(repr(other))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes, key=str) == [201] + [400] * (WRITERS - 1), outcomes
    assert ExtensionRecord.objects.filter(customer__customer_id="C1").count() == 1


CUSTOMERS = 5000


def test_identify_is_an_index_lookup(tenant, admin, keys):
    """5,000 customers (not a million, to stay fast) with ANALYZE: the planner must probe the
    IdentityKey index, never scan it or the customer table."""
    require_service(uses_postgresql(), "PostgreSQL")
    key = IdentificationKey.objects.get(tenant=tenant, name="ByPhone")
    customers = Customer.objects.bulk_create(
        Customer(
            tenant=tenant,
            customer_id=f"C{n:06d}",
            attributes={"LastName": f"L{n}", "PhoneNumber": f"555-{n}"},
        )
        for n in range(CUSTOMERS)
    )
    rows = [row for customer in customers for row in identity_rows([key], customer, {})]
    IdentityKey.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE profiles_identitykey")
        cursor.execute("ANALYZE profiles_customer")
    queryset = selectors.identify(tenant, {"PhoneNumber": "555-4321"}, None)
    assert [c.customer_id for c in queryset] == ["C004321"]
    plan = queryset.explain()
    assert "identitykey_lookup" in plan, plan
    assert "Seq Scan on profiles_identitykey" not in plan, plan
    assert "Seq Scan on profiles_customer" not in plan, plan
