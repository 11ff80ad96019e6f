"""On PostgreSQL: the erase of a customer with a long history goes in batches, each its own
short transaction, with progress, while API reads of the tenant stay responsive; the figure
(services erased per second) is printed (run with -s)."""

from __future__ import annotations

import datetime as dt
import statistics
import threading
import time

import pytest
from django.db import connection

from csadmin.jobs.models import JobRun
from csadmin.jobs.services import enqueue_job
from csadmin.testing import Api, make_tenant, make_user, require_service, uses_postgresql
from plugins.profiles.models import Customer
from plugins.services.models import Event, Service, State, Task
from plugins.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.services

SERVICES = 20_000
DELIVERIES = 5_000  # about the customer's first services
BATCH = 1000
STARTED = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def long_history(tenant, customer_id: str, count: int, prefix: str) -> None:
    """`count` services of the customer, each with two states, a task and an event."""
    services = Service.objects.bulk_create(
        [
            Service(
                tenant=tenant,
                service_id=f"{prefix}-{n:07d}",
                service_type="Sales",
                customer_id=customer_id,
                started_at=STARTED,
                last_state_id=2,
                last_task_id=1,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    State.objects.bulk_create(
        [
            State(service=s, state_id=k, state_type="Queue", started_at=STARTED)
            for s in services
            for k in (1, 2)
        ],
        batch_size=5000,
    )
    Task.objects.bulk_create(
        [Task(service=s, task_id=1, task_type="Call", started_at=STARTED) for s in services],
        batch_size=5000,
    )
    Event.objects.bulk_create(
        [Event(tenant=tenant, service=s, kind="service.start", at=STARTED) for s in services],
        batch_size=5000,
    )


class Reader(threading.Thread):
    """API reads of another customer's services, timed, until stopped."""

    def __init__(self, api: Api, url: str) -> None:
        super().__init__(daemon=True)
        self.api, self.url = api, url
        self.stopping = threading.Event()
        self.latencies: list[float] = []
        self.failures: list[int] = []

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                began = time.perf_counter()
                status = self.api.get(self.url).status_code
                self.latencies.append(time.perf_counter() - began)
                if status != 200:
                    self.failures.append(status)
        finally:
            connection.close()

    def measure(self, seconds: float) -> list[float]:
        self.latencies.clear()
        time.sleep(seconds)
        return list(self.latencies)


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def test_a_long_history_is_erased_in_batches_while_reads_stay_responsive(
    transactional_db, settings, tmp_path, monkeypatch
):
    require_service(uses_postgresql(), "PostgreSQL")
    settings.MEDIA_ROOT = tmp_path
    tenant = make_tenant("Acme")
    admin = make_user("root", tenant, ["Administrator"])
    Customer.objects.create(tenant=tenant, customer_id="long", attributes={})
    long_history(tenant, "long", SERVICES, "long")
    long_history(tenant, "other", 50, "other")
    hook = Subscription.objects.create(
        tenant=tenant, name="crm", target_url="https://crm.example/", kinds=[], secret="s" * 20
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                subscription=hook,
                kind="service.start",
                service_id=f"{prefix}-{n:07d}",
                event={"customer_id": customer},
            )
            for prefix, customer, count in (("long", "long", DELIVERIES), ("other", "other", 50))
            for n in range(count)
        ],
        batch_size=5000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE services_service, services_state, services_task, services_event")

    from plugins.services import bulk

    real, batches = bulk.purge_batch, []

    def timed(tenant, ids):
        began = time.perf_counter()
        counts = real(tenant, ids)
        batches.append(time.perf_counter() - began)
        return counts

    monkeypatch.setattr("plugins.services.customer_data.purge_batch", timed)
    reader = Reader(Api(admin, tenant), "customers/other/services?page_size=20")
    reader.start()
    try:
        idle = reader.measure(1.5)
        began = time.perf_counter()
        run = enqueue_job(
            tenant=tenant,
            kind="profiles.erase",
            arguments={"customer_id": "long", "batch": BATCH},
            actor=admin,
        )
        erase_seconds = time.perf_counter() - began
        during = list(reader.latencies)
    finally:
        reader.stopping.set()
        reader.join(timeout=30)

    run = JobRun.objects.get(pk=run.pk)
    assert run.state == JobRun.State.SUCCEEDED, run.error
    assert run.counts["services"] == SERVICES and run.counts["states"] == 2 * SERVICES
    assert run.counts["deliveries"] == DELIVERIES
    assert run.done == run.total == DELIVERIES + SERVICES + 1  # deliveries, services, profile
    assert len(batches) == SERVICES // BATCH  # one short transaction each
    assert Delivery.objects.count() == 50
    assert not Service.objects.filter(tenant=tenant, customer_id="long").exists()
    assert Service.objects.filter(tenant=tenant, customer_id="other").count() == 50
    assert reader.failures == []
    assert during, "no read finished during the erase"
    rate = SERVICES / erase_seconds
    print(
        f"\nerase: {SERVICES} services ({2 * SERVICES} states, {SERVICES} tasks, {SERVICES}"
        f" events, {DELIVERIES} deliveries) in {erase_seconds:.2f} s = {rate:,.0f} services/s;"
        f" slowest batch {max(batches):.3f} s; reads p95 idle {p95(idle) * 1000:.1f} ms, during"
        f" {p95(during) * 1000:.1f} ms ({len(during)} reads), slowest {max(during) * 1000:.0f} ms"
    )
    # A batch is short, and reads do not wait for the erase (bounds loose enough for two
    # shared cores: a read that waited for the erase would take its whole 5-10 s).
    assert max(batches) < 1.0
    assert p95(during) < 0.5 and max(during) < 2.0
