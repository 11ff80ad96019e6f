"""Redis frozen, not stopped: a server that accepts connections and answers nothing (SIGSTOP, a
stalled network) must cost the API little, as a stopped one does. Redis is reached through a
proxy that can be frozen (tests/stalling_proxy.py)."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.test import Client

from csadmin.access.services import create_api_token
from csadmin.celery import app
from csadmin.testing import API, require_service
from tests.jobs.test_worker import REDIS_URL, redis_answers
from tests.stalling_proxy import StallingProxy

pytestmark = pytest.mark.services


@pytest.fixture
def frozen_redis(settings, monkeypatch):
    """Every Redis client of the web process (the shared cache, the access generation, the job
    broker, the webhook flags) reaches Redis through a proxy that the test freezes."""
    require_service(redis_answers(), "Redis (REDIS_URL)")
    from csadmin import circuit
    from plugins.webhooks import announce

    proxy = StallingProxy(REDIS_URL)
    settings.REDIS_URL = proxy.url
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": proxy.url},
    }
    monkeypatch.setitem(app.conf, "broker_url", proxy.url)
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setattr(announce, "_redis", None)
    circuit.reset_all()
    try:
        yield proxy
    finally:
        proxy.close()
        circuit.reset_all()


def timed(call):
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def test_a_frozen_redis_costs_an_api_read_little(transactional_db, frozen_redis, admin, tenant):
    _, key = create_api_token(user=admin, name="program")
    client = Client(headers={"Authorization": f"Token {key}", "ContactCenterId": str(tenant.pk)})
    path = API + "server/status"
    assert client.get(path).status_code == 200  # the token and grant are remembered

    with frozen_redis.frozen():
        first, first_seconds = timed(lambda: client.get(path))
        later = [timed(lambda: client.get(path)) for _ in range(5)]
    print(f"frozen Redis: first read {first_seconds:.3f} s, then", [f"{s:.3f}" for _, s in later])

    assert first.status_code == 200
    assert first_seconds < 1.0  # one short socket timeout, once
    for response, seconds in later:
        assert response.status_code == 200
        assert seconds < 0.2  # the circuit is open: Redis is not asked at all


def wait_for(check, what: str, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_an_event_recorded_while_redis_was_frozen_is_delivered(
    transactional_db, frozen_redis, settings, monkeypatch, api, tenant, receiver
):
    """The drill: the API call's flag (SET NX) reaches Redis only once it resumes, after its
    client gave up, so no message follows it. The sweep sends the stream anyway, and its marks
    stay below the event until a worker has made it a delivery, however often it runs."""
    import redis

    from plugins.services.models import Event
    from plugins.webhooks import announce
    from plugins.webhooks.models import Delivery, Subscription
    from plugins.webhooks.services import subscription_create
    from plugins.webhooks.tasks import deliver_due_task, deliver_stream_task

    settings.CSADMIN_REDIS_RETRY_SECONDS = 0  # every call tries Redis, as before the circuit
    monkeypatch.setitem(app.conf, "task_default_queue", f"csadmin-stall-{uuid.uuid4().hex[:10]}")
    published = []
    publish = deliver_stream_task.apply_async

    def recording(args, **options):
        result = publish(args, **options)
        published.append(tuple(args))
        return result

    monkeypatch.setattr(deliver_stream_task, "apply_async", recording)
    subscription, _ = subscription_create(
        tenant=tenant, body={"name": "crm", "target_url": receiver.url}, actor=None
    )
    real_redis = redis.Redis.from_url(REDIS_URL)
    announce._flags().ping()  # the flags' connection is open when Redis freezes, as it was

    with frozen_redis.frozen():
        started, seconds = timed(lambda: api.post("services/start", {"service_type": "Sales"}))
    assert started.status_code == 201, started.content
    assert seconds < 3  # a few short timeouts (the circuit, when it may open, spares them)
    service_id = started.json()["service_id"]
    flag = f"csadmin:webhooks:queued:{subscription.pk}:{service_id}"
    wait_for(lambda: real_redis.exists(flag), "the held SET to reach Redis")
    assert published == []  # the flag says a message is on its way; none is
    (event_id,) = Event.objects.filter(tenant=tenant).values_list("id", flat=True)
    try:
        for _ in range(3):  # sweeps back to back, no worker draining meanwhile
            deliver_due_task()
        assert published == [(subscription.pk, service_id)] * 3  # the flag hides nothing
        swept = Subscription.objects.get(pk=subscription.pk).swept_through
        assert swept < event_id  # held below the start, which no delivery covers yet

        deliver_stream_task.run(subscription.pk, service_id)  # what a worker does
        assert [r.json["kind"] for r in receiver.wait_for(1)] == ["service.start"]
        assert Delivery.objects.get().status == "delivered"
        for _ in range(2):
            deliver_due_task()
        assert Subscription.objects.get(pk=subscription.pk).swept_through >= event_id
    finally:
        real_redis.delete(flag, app.conf.task_default_queue)


def test_job_submissions_answer_503_at_once_while_redis_is_frozen(
    transactional_db, frozen_redis, api, tenant, admin
):
    from csadmin.jobs.models import JobRun
    from csadmin.jobs.services import BROKER_DOWN

    run = JobRun.objects.create(
        tenant=tenant, kind="sample.count_notes", plugin="sample", state="failed", created_by="x"
    )
    with frozen_redis.frozen():
        first, first_seconds = timed(lambda: api.post(f"maintenance/jobs/{run.pk}/retry"))
        again, again_seconds = timed(lambda: api.post(f"maintenance/jobs/{run.pk}/retry"))
    print(f"frozen Redis: job submission {first_seconds:.3f} s, then {again_seconds:.3f} s")

    for refused in (first, again):
        assert refused.status_code == 503
        assert refused.json() == {
            "message": BROKER_DOWN,
            "exception": "ServiceUnavailableException",
        }
        assert 1 <= int(refused["Retry-After"]) <= 5
    assert first_seconds < 3  # a short socket timeout, once, whichever client meets it
    assert again_seconds < 0.2  # the circuit is open: the broker is not asked
    assert JobRun.objects.count() == 1  # nothing written


def test_the_shared_cache_gives_up_on_a_frozen_redis(frozen_redis):
    """Django's cache (used by throttles and others) is bounded too: an error after a short
    timeout, never a call held for as long as Redis stays frozen."""
    import redis
    from django.core.cache import cache

    cache.set("csadmin:test:stall", 1)  # the connection is open when Redis freezes
    outcome = []

    def read():
        try:
            outcome.append(cache.get("csadmin:test:stall"))
        except redis.RedisError as error:
            outcome.append(error)

    with frozen_redis.frozen():
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout=1.5)
        assert not reader.is_alive(), "the cache read waited as long as Redis stayed frozen"
    assert isinstance(outcome[0], redis.TimeoutError)
    cache.delete("csadmin:test:stall")


def test_a_change_to_access_is_refused_with_503_while_redis_is_frozen(frozen_redis):
    """The generation must be replaced for the change to be seen everywhere: refused, quickly,
    rather than held for as long as Redis stays frozen."""
    from csadmin.access.freshness import bump, generation
    from csadmin.pluginlib.errors import ServiceUnavailable

    generation()  # the connection is open when Redis freezes
    with frozen_redis.frozen():
        for _ in range(2):
            started = time.perf_counter()
            with pytest.raises(ServiceUnavailable):
                bump()
            assert time.perf_counter() - started < 1.0  # one short socket timeout
