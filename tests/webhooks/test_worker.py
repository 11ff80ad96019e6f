"""Delivery by real Celery workers on Redis against PostgreSQL: two workers drain the same
queue, yet each service's events arrive in order; a 500 is retried on its backoff schedule;
a receiver that keeps failing pauses its subscription.

Needs DATABASE_URL on PostgreSQL and REDIS_URL (CI sets both, with REQUIRE_SERVICES=1)."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict

import pytest

from csadmin.celery import app
from csadmin.testing import require_service
from plugins.services.models import Event
from plugins.webhooks import signing
from plugins.webhooks.models import Delivery, Subscription
from plugins.webhooks.services import subscription_create
from tests.jobs.test_worker import REDIS_URL, Worker, private_queue, redis_answers

pytestmark = pytest.mark.services


@pytest.fixture
def workers(transactional_db, tmp_path, receiver):
    """Two worker processes on one private queue, allowed to reach the loopback receiver,
    retrying after a fraction of a second instead of ten."""
    with private_queue() as queue:
        running = []
        for name in ("a", "b"):
            folder = tmp_path / name
            folder.mkdir()
            worker = Worker(queue, folder)
            worker.env.update(
                CSADMIN_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
                CSADMIN_WEBHOOK_RETRY_BASE_SECONDS="0.5",
                CSADMIN_WEBHOOK_RETRY_MAX_SECONDS="2",
                CSADMIN_WEBHOOK_TIMEOUT="2",
                CSADMIN_JOBS_QUEUE=queue,  # the retries a worker schedules stay on this queue
            )
            worker.start()
            running.append(worker)
        try:
            yield running
        finally:
            for worker in running:
                worker.stop()


def logs(workers) -> str:
    return "\n".join(w.log_tail() for w in workers)


def wait_until(check, workers, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n{logs(workers)}")


def recorded(deliveries):
    """A check: every one of these deliveries is recorded as delivered."""
    return lambda: not deliveries.exclude(status="delivered").exists()


def subscribe(tenant, receiver, **body):
    subscription, secret = subscription_create(
        tenant=tenant, body={"name": "crm", "target_url": receiver.url, **body}, actor=None
    )
    return subscription, secret


def conversation(api, service_type: str) -> str:
    service_id = api.post("services/start", {"service_type": service_type}).json()["service_id"]
    for _ in range(2):
        state = api.post(f"services/{service_id}/states/start", {"state_type": "S"}).json()
        api.post(f"services/{service_id}/tasks/start", {"task_type": "T"})
        api.post(f"services/{service_id}/states/{state['state_id']}/end", {})
    api.post(f"services/{service_id}/end", {})
    return service_id


def test_two_workers_deliver_every_service_in_order(workers, api, tenant, receiver):
    _, secret = subscribe(tenant, receiver)
    receiver.delay = 0.01  # let deliveries overlap between the workers
    services = [conversation(api, "Sales") for _ in range(6)]
    expected = Event.objects.filter(tenant=tenant).count()
    assert expected == 6 * 10

    wait_until(lambda: len(receiver.received) >= expected, workers, "every delivery")
    by_service = defaultdict(list)
    for request in receiver.received:
        assert signing.verify(secret, request.body, request.headers)
        by_service[request.json["service_id"]].append(request.json["event_id"])
    assert set(by_service) == set(services)
    for service_id, ids in by_service.items():
        assert ids == sorted(ids), f"service {service_id} out of order: {ids}"
        assert len(ids) == len(set(ids)) == 10
    # a worker records a chunk's outcomes after its POSTs
    wait_until(recorded(Delivery.objects.all()), workers, "every outcome recorded")


def test_a_500_is_retried_by_the_worker_after_its_backoff(workers, api, tenant, receiver):
    subscribe(tenant, receiver)
    receiver.answers = [500, 502]
    service_id = api.post("services/start", {"service_type": "Sales"}).json()["service_id"]
    api.post(f"services/{service_id}/end", {})

    wait_until(lambda: len(receiver.received) >= 4, workers, "the retries and the end event")
    received = receiver.received
    assert [(r.json["kind"], r.status) for r in received] == [
        ("service.start", 500),
        ("service.start", 502),
        ("service.start", 200),
        ("service.end", 200),
    ]
    assert received[1].at - received[0].at >= 0.25  # backed off (0.5 s with jitter: >= 0.25)
    wait_until(recorded(Delivery.objects.all()), workers, "every outcome recorded")
    first = Delivery.objects.get(kind="service.start")
    assert (first.status, first.attempts) == ("delivered", 3)


def test_the_failure_limit_pauses_the_subscription(workers, api, tenant, receiver):
    subscription, _ = subscribe(tenant, receiver, failure_limit=3)
    receiver.answers = [500] * 20
    api.post("services/start", {"service_type": "Sales"})

    def paused():
        return not Subscription.objects.get(pk=subscription.pk).active

    wait_until(paused, workers, "the subscription to pause")
    subscription.refresh_from_db()
    assert "3 consecutive failed deliveries" in subscription.paused_reason
    time.sleep(2.5)  # past any retry that could still be scheduled
    assert len(receiver.received) == 3


def test_a_stream_is_sent_one_message_until_a_worker_starts_on_it(settings, monkeypatch):
    """Every API call kicks its streams; while a message for a stream waits in the queue, more
    kicks send nothing (the waiting message will see their events)."""
    from plugins.webhooks import announce
    from plugins.webhooks.tasks import deliver_stream_task

    require_service(redis_answers(), "Redis (REDIS_URL)")
    settings.REDIS_URL = REDIS_URL
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(announce, "_redis", None)
    sent = []
    monkeypatch.setattr(
        deliver_stream_task, "apply_async", lambda args, **options: sent.append(tuple(args))
    )
    first, second = f"svc-{uuid.uuid4().hex}", f"svc-{uuid.uuid4().hex}"
    try:
        announce.kick([(1, first)])
        announce.kick([(1, first), (1, second)])
        assert sent == [(1, first), (1, second)]
        announce.clear_kick(1, first)  # a worker started on it
        announce.kick([(1, first), (1, second)])
        assert sent == [(1, first), (1, second), (1, first)]
    finally:
        announce.clear_kick(1, first)
        announce.clear_kick(1, second)
