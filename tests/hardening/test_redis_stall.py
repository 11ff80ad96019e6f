"""Redis frozen, not stopped: a server that accepts connections and answers nothing (SIGSTOP, a
stalled network) must cost the API little, as a stopped one does. Redis is reached through a
proxy that can be frozen (tests/stalling_proxy.py)."""

from __future__ import annotations

import time

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
    circuit.redis.reset()
    try:
        yield proxy
    finally:
        proxy.close()
        circuit.redis.reset()


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
