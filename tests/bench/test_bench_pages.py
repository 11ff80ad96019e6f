"""Scenario 10's pages cost a pinned number of queries, whatever the tenant holds: the same
pages, paths and data shapes as the bench (bench/pages.py), on small data at two sizes."""

from __future__ import annotations

import datetime as dt

import pytest

from bench.customers import define_schemas
from bench.pages import (
    PAGES,
    SERVICE_TYPE,
    page_paths,
    profile_attributes,
    query_count,
    service_with_states,
    signed_in_client,
)
from plugins.profiles.models import Customer
from plugins.services.models import Service

# Queries per page with warm caches (bench.pages.query_count); the bench records the same
# count at both of its sizes and bench.scale fails a page whose count differs between them.
PINNED = {
    "dashboard": 21,  # 20 in the bench: the tests' sample plug-in adds its widget's count
    "customers list": 9,
    "services list, filtered": 10,
    "service with 50 states": 12,
}
TYPES = ("Sales", SERVICE_TYPE, "Billing")
IN_RANGE = dt.datetime(2026, 2, 10, 12, tzinfo=dt.UTC)  # inside the services list's filter


def grow(tenant, start: int, count: int) -> None:
    """`count` more services, half of them in the filter's type and start range, each with a
    customer profile."""
    Customer.objects.bulk_create(
        Customer(tenant=tenant, customer_id=f"c{n}", attributes=profile_attributes(n))
        for n in range(start, start + count)
    )
    Service.objects.bulk_create(
        Service(
            tenant=tenant,
            service_id=f"svc{n:09d}",
            service_type=TYPES[n % len(TYPES)],
            customer_id=f"c{n}",
            started_at=IN_RANGE + dt.timedelta(hours=n) * (1 if n % 2 else -200),
            completed_at=None if n % 3 else IN_RANGE + dt.timedelta(hours=n, minutes=5),
        )
        for n in range(start, start + count)
    )


def counts(client, paths) -> dict[str, int]:
    return {name: query_count(client, path) for name, path in paths.items()}


@pytest.fixture
def pages(tenant, admin):
    define_schemas(tenant)
    grow(tenant, 0, 3)
    paths = page_paths(service_with_states(tenant, admin))
    client, _ = signed_in_client(admin, tenant.pk)
    return client, paths


def test_each_page_costs_its_pinned_queries_at_any_size(pages, tenant):
    client, paths = pages
    assert tuple(paths) == PAGES
    small = counts(client, paths)
    grow(tenant, 3, 120)  # more than a page of customers and of filtered services
    assert counts(client, paths) == small == PINNED


def test_the_pages_show_what_they_are_timed_for(pages, tenant):
    client, paths = pages
    grow(tenant, 3, 10)
    service_page = client.get(paths["service with 50 states"]).content.decode()
    assert service_page.count("Step") >= 50  # every state is on the page
    filtered = client.get(paths["services list, filtered"]).content.decode()
    assert "svc000000007" in filtered  # the type, and odd: in the range
    assert "svc000000004" not in filtered  # the type, but even: started before the range
    assert "svc000000005" not in filtered  # in the range, another type
    assert "c7" in client.get(paths["customers list"]).content.decode()


def test_a_bad_count_or_a_slow_page_fails_the_growth_row():
    from bench.scale import growth_rows

    def report(dashboard_ms, queries):
        row = {
            "scenario": "10 Page: dashboard",
            "baseline_name": "same page at the other size",
            "csadmin": dashboard_ms,
            "baseline": None,
            "ratio": None,
            "unit": "p95 ms",
            "details": {"queries": queries},
        }
        return {"scenarios": [row]}

    def judged(small, large):
        return growth_rows(small, large, only="10")[0]

    assert judged(report(100, 19), report(290, 19))["status"] == "pass"
    assert judged(report(100, 19), report(310, 19))["status"] == "fail"  # over 3x
    assert judged(report(100, 19), report(120, 20))["status"] == "fail"  # a query more
