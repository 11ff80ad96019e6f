"""Scenario 10: the console's pages at size, as a signed-in administrator.

Four pages, each timed on its own through the bench server (p50 and p95 of one client thread
per core) and counted in queries (Django's CaptureQueriesContext, in this process, with the
same session):

- the dashboard, with its charts;
- the customers list (one profile per customer of the generated services, COPY'd here);
- the services list filtered by a service type and a start range;
- the page of one service with 50 states.

The figures have no same-run baseline: `make bench-scale` judges each page's p95 at the larger
size against the same page at the smaller (at most 3x), and its query count (the same at both
sizes). tests/bench/test_pages.py pins the counts on small data.
"""

from __future__ import annotations

from bench.common import Driver, Profile, Row, checked

STATES = 50
SERVICE_TYPE = "Support"
STARTED_FROM, STARTED_TO = "2026-02-01", "2026-03-31"  # two of the generated six months
PAGE_P95_GROWTH = 3.0


PAGES = ("dashboard", "customers list", "services list, filtered", f"service with {STATES} states")


def page_paths(service_id: str) -> dict[str, str]:
    """The pages timed, by the name the table gives them (PAGES, in that order)."""
    services_list = (
        f"/services/?type={SERVICE_TYPE}&started_from={STARTED_FROM}&started_to={STARTED_TO}"
    )
    paths = ("/", "/profiles/customers/", services_list, f"/services/s/{service_id}/")
    return dict(zip(PAGES, paths, strict=True))


def profile_attributes(n: int) -> dict:
    """Customer c<n>'s core attributes, as the customers scenario's profile schema has them."""
    from bench.customers import customer_row

    return {k: v for k, v in customer_row(n).items() if k not in ("customer_id", "Loyalty")}


def copy_customer_profiles(url: str, tenant_id: int, customers: int) -> int:
    """One profile per customer id the generated services name (c0 .. c<customers - 1>),
    loaded by COPY."""
    import psycopg
    from psycopg.types.json import Jsonb

    columns = "tenant_id, customer_id, attributes, created_at, updated_at"
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f"COPY profiles_customer ({columns}) FROM STDIN") as copy:
            for n in range(customers):
                copy.write_row((tenant_id, f"c{n}", Jsonb(profile_attributes(n)), "now", "now"))
        cur.execute("ANALYZE profiles_customer")
    return customers


def service_with_states(tenant, actor, states: int = STATES) -> str:
    """A service of customer c1 with `states` states, half of them completed."""
    from plugins.services import services

    service, _, _ = services.service_start_composite(
        tenant=tenant,
        body={
            "service_type": SERVICE_TYPE,
            "customer_id": "c1",
            "states": [{"state_type": f"Step{n % 7}"} for n in range(states)],
        },
        actor=actor,
    )
    service_id = service.service_id
    for number in range(1, states // 2 + 1):
        services.state_end(
            tenant=tenant,
            service_id=service_id,
            state_id=number,
            body={"disposition": "Done"},
            actor=actor,
        )
    return service_id


def signed_in_client(user, tenant_id: int):
    """A test client signed in as `user` in this tenant; its session is stored in the database
    the server reads, so its cookie signs the driver in too."""
    from django.conf import settings
    from django.test import Client

    from csadmin.tenancy.selectors import TENANT_SESSION_KEY

    client = Client()
    client.force_login(user)
    session = client.session
    session[TENANT_SESSION_KEY] = tenant_id
    session.save()
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return client, cookie


def query_count(client, path: str) -> int:
    """Queries one view of the page costs once the caches a first visit fills are warm."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    first = client.get(path)
    if first.status_code != 200:
        raise RuntimeError(f"{path}: {first.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    return len(queries)


def bench_administrator():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="bench")


def prepare(ctx) -> dict[str, str]:
    """The customers scenario's profile schema and a profile per customer in the bench tenant,
    and the service with 50 states: the pages' paths."""
    from bench.customers import define_schemas
    from csadmin.tenancy.models import Tenant
    from csadmin.tenancy.services import set_server_mode

    tenant = Tenant.objects.get(pk=ctx["tenant"])
    actor = bench_administrator()
    # schema changes need maintenance mode, as they do for an administrator
    tenant = set_server_mode(tenant=tenant, mode="maintenance", actor=actor)
    define_schemas(tenant)
    tenant = set_server_mode(tenant=tenant, mode="production", actor=actor)
    copy_customer_profiles(ctx["url"], tenant.pk, ctx["customers"])
    return page_paths(service_with_states(tenant, actor))


def pages_scenario(ctx, driver: Driver, profile: Profile) -> list[Row]:
    paths = prepare(ctx)
    client, cookie = signed_in_client(bench_administrator(), ctx["tenant"])
    rows = []
    for name, path in paths.items():
        queries = query_count(client, path)
        # one client per core: a page's latency, not a queue's
        threads = ctx["workers"]
        checked(driver.get([path], 1, threads, cookie), f"warming {name}")
        result = checked(driver.get([path], profile.read_seconds, threads, cookie), name)
        rows.append(
            Row(
                f"10 Page: {name}",
                "p95 ms",
                csadmin=result["p95_ms"],
                baseline_name="same page at the other size (make bench-scale)",
                target="information",
                status="information",
                details={**result, "path": path, "queries": queries},
            )
        )
    return rows
