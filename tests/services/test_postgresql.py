"""Behaviour that only PostgreSQL can show: row locks under real concurrency, and query plans."""

import threading

import pytest
from django.db import connection, connections

from csadmin.testing import require_service, uses_postgresql
from plugins.services import selectors, services
from plugins.services.models import Event, Service
from plugins.services.selectors import ServiceFilter

pytestmark = pytest.mark.services


@pytest.fixture
def postgresql():
    require_service(uses_postgresql(), "PostgreSQL")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_ends_one_204_one_400_one_event(postgresql, tenant, admin):
    from csadmin.testing import Api

    sid = services.service_start(
        tenant=tenant, body={"service_type": "Sales"}, actor=admin
    ).service_id
    barrier = threading.Barrier(2)
    statuses = []

    def end():
        try:
            barrier.wait(timeout=10)
            statuses.append(Api(admin, tenant).post(f"services/{sid}/end").status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=end) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [204, 400]
    assert Event.objects.filter(service__service_id=sid, kind="service.end").count() == 1


def plan_of(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.django_db
def test_active_lists_use_the_partial_indexes(postgresql, tenant):
    """100k services (a third anonymous), 1 in 50 active, over 5,000 customers and 7,000 contact
    keys, analyzed (no enable_seqscan tricks): the active lists of a customer, of a contact key
    and of the tenant are each served by a partial index, never a sequential scan."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO services_service (tenant_id, service_id, service_type, customer_id,
                contact_key, started_at, completed_at, disposition, disposition_desc,
                started_data, extensions, last_state_id, last_task_id)
            SELECT %s, md5(g::text), 'Sales',
                CASE WHEN g %% 3 = 0 THEN NULL ELSE 'C' || (g %% 5000) END, 'k' || (g %% 7000),
                now() - (g || ' seconds')::interval,
                CASE WHEN g %% 50 = 0 THEN NULL ELSE now() END, '', '', '{}', '{}', 0, 0
            FROM generate_series(1, 100000) AS g
            """,
            [tenant.pk],
        )
        cursor.execute("ANALYZE services_service")
    assert Service.objects.count() == 100_000
    customer = selectors.service_list(tenant, ServiceFilter(status="active", customer_id="C100"))
    plan = plan_of(customer.order_by("-id")[:101])
    assert "svc_active_customer" in plan, plan
    assert "Seq Scan" not in plan, plan
    tenant_active = selectors.service_list(tenant, ServiceFilter(status="active"))
    plan = plan_of(tenant_active.order_by("-id")[:101])
    assert "svc_active" in plan, plan
    assert "Seq Scan" not in plan, plan
    anonymous = selectors.service_list(
        tenant, ServiceFilter(status="active", contact_key="k100", anonymous=True)
    )
    plan = plan_of(anonymous.order_by("-id")[:101])
    assert "svc_active_contact" in plan, plan
    assert "Seq Scan" not in plan, plan


@pytest.mark.django_db
def test_deep_pages_of_a_customer_or_contact_key_are_index_range_scans(postgresql, tenant):
    """A long, sparse history (one service in 500 of 50k is customer C0's, contact k0's):
    a keyset page deep in it walks the (tenant, customer_id | contact_key, id) index from
    the cursor on, with no sort of the whole history."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO services_service (tenant_id, service_id, service_type, customer_id,
                contact_key, started_at, completed_at, disposition, disposition_desc,
                started_data, extensions, last_state_id, last_task_id)
            SELECT %s, md5(g::text), 'Sales', 'C' || (g %% 500), 'k' || (g %% 500),
                now() - (g || ' seconds')::interval, now(), '', '', '{}', '{}', 0, 0
            FROM generate_series(1, 50000) AS g
            """,
            [tenant.pk],
        )
        cursor.execute("ANALYZE services_service")
    middle = Service.objects.order_by("id").values_list("id", flat=True)[25_000]
    for filters, index in [
        (ServiceFilter(customer_id="C0"), "svc_customer_page"),
        (ServiceFilter(contact_key="k0", anonymous=False), "svc_contact_page"),
    ]:
        page = selectors.service_list(tenant, filters).filter(pk__lt=middle)
        plan = plan_of(page.order_by("-id")[:101])
        assert index in plan, plan
        assert "Sort" not in plan and "Seq Scan" not in plan, plan


@pytest.mark.django_db
def test_purge_deletes_by_primary_key_even_with_stale_statistics(postgresql, tenant, other_tenant):
    """Right after a large import the statistics do not know the tenant's rows yet: the purge's
    DELETE must still go by primary key, not read the whole tenant through its index."""
    from plugins.services.bulk.purge import PURGE_SERVICES_SQL

    insert = """
        INSERT INTO services_service (tenant_id, service_id, service_type, customer_id,
            contact_key, started_at, completed_at, disposition, disposition_desc,
            started_data, extensions, last_state_id, last_task_id)
        SELECT %s, %s || g, 'Sales', NULL, '', now(), now(), '', '', '{}', '{}', 0, 0
        FROM generate_series(1, 20000) AS g"""
    with connection.cursor() as cursor:
        cursor.execute(insert, [other_tenant.pk, "o"])
        cursor.execute("ANALYZE services_service")  # the tenant has no rows yet
        cursor.execute(insert, [tenant.pk, "t"])  # a large import, not analyzed
        ids = list(Service.objects.filter(tenant=tenant).values_list("pk", flat=True)[:1000])
        cursor.execute(f"EXPLAIN {PURGE_SERVICES_SQL}", [ids, tenant.pk])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "services_service_pkey" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_dashboard_figures_read_the_last_days_not_the_history(postgresql, tenant, other_tenant):
    """A year of 100k services (1 in 50 active) in the tenant and another's 50k, vacuumed and
    analyzed as autovacuum leaves a table: the dashboard's statements over services read the
    last 30 days through indexes (svc_completed, svc_started), never the whole table or
    tenant, and count the active ones from a partial index alone, without reading their rows
    (together with the completed ones, the count once read every active row from the table:
    0.3 s at 120,000 active services)."""
    from django.test.utils import CaptureQueriesContext

    insert = """
        INSERT INTO services_service (tenant_id, service_id, service_type, customer_id,
            contact_key, started_at, completed_at, disposition, disposition_desc,
            started_data, extensions, last_state_id, last_task_id)
        SELECT %s, %s || g, 'Sales', 'C' || (g %% 5000), '',
            now() - (g * 315 || ' seconds')::interval,
            CASE WHEN g %% 50 = 0 THEN NULL ELSE now() - (g * 315 - 300 || ' seconds')::interval
            END, '', '', '{}', '{}', 0, 0
        FROM generate_series(1, %s) AS g"""
    with connection.cursor() as cursor:
        cursor.execute(insert, [tenant.pk, "t", 100_000])
        cursor.execute(insert, [other_tenant.pk, "o", 50_000])
        cursor.execute("VACUUM ANALYZE services_service")
    with CaptureQueriesContext(connection) as captured:
        trend = selectors.dashboard_trend(tenant)
    assert trend.active == 2000
    statements = [q["sql"] for q in captured if 'FROM "services_service"' in q["sql"]]
    # the median and completed count, started per day, completed per day, the active count
    assert len(statements) == 4
    plans = {}
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(f"EXPLAIN {sql}")
            plans[sql] = "\n".join(row[0] for row in cursor.fetchall())
    for sql, plan in plans.items():
        assert "Seq Scan" not in plan, plan
        if 'completed_at" AT TIME ZONE' in sql or "percentile_cont" in sql:
            assert "svc_completed" in plan, plan
    # the active count, less the expired ones: the only statement without a time bound
    [active] = [plan for sql, plan in plans.items() if '"completed_at" IS NULL' in sql]
    assert "Index Only Scan using svc_active on" in active, active
    assert "Heap Scan" not in active, active
