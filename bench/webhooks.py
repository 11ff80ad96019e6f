"""Scenario 8: event delivery (the webhooks plug-in), against baselines of the same run.

- API load with an active subscription: the conversation load while the tenant has an active
  subscription, against the same load with it paused, in alternating slices (median of the
  rounds). Each write then also tells the broker about its stream (the stored event is the
  outbox); the delivery worker is stopped meanwhile, so what is measured is the API's own cost
  of a subscription, not two programs sharing two cores. Target: within 10 %.
- Deliveries: a worker (one process per core) then sends what the load queued to a receiver on
  loopback; deliveries/s against the same number of processes POSTing the same body with the
  same HTTP client and no database.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

from bench.common import Row, checked, interleaved, ratio_row
from bench.server import ROOT, free_port

QUEUE = "csadmin-bench"
API_TARGET = 0.9
DELIVERY_TARGET = 0.25


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"


def available() -> str | None:
    """None when the scenario can run, else why not."""
    if importlib.util.find_spec("plugins.webhooks") is None:
        return "needs the webhooks plug-in"
    import redis

    try:
        redis.Redis.from_url(redis_url(), socket_connect_timeout=2).ping()
    except redis.RedisError:
        return f"needs Redis ({redis_url()})"
    return None


def server_env() -> dict:
    """What the web server and the worker need: the broker, the queue, the local receiver."""
    return {
        "REDIS_URL": redis_url(),
        "CSADMIN_JOBS_QUEUE": QUEUE,
        "CSADMIN_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }


def unavailable_rows(reason: str) -> list[Row]:
    return [
        Row("8 Events: API load, subscription active", details={"reason": reason}),
        Row("8 Events: deliveries", details={"reason": reason}),
    ]


class Process:
    """A child process stopped with SIGTERM (then SIGKILL) when the block ends."""

    def __init__(self, command: list[str], env: dict):
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_for_port(port: int, timeout: float = 10) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def webhook_scenarios(ctx, driver, profile, workers: int, env: dict) -> list[Row]:
    import redis

    redis.Redis.from_url(redis_url()).delete(QUEUE)  # nothing left from an earlier run
    port = free_port()
    with Process([sys.executable, "-m", "bench.receiver", "--port", str(port)], env):
        wait_for_port(port)
        subscription = _subscribe(ctx, f"http://127.0.0.1:{port}/hook")
        api_row = _api_scenario(ctx, driver, profile, subscription)
        delivery_row = _delivery_scenario(ctx, profile, workers, env, port, subscription)
    return [api_row, delivery_row]


def _subscribe(ctx, url: str):
    from django.test import override_settings

    from csadmin.tenancy.models import Tenant
    from plugins.webhooks.services import subscription_create

    tenant = Tenant.objects.get(pk=ctx["tenant"])
    with override_settings(CSADMIN_WEBHOOK_ALLOWED_HOSTS=["127.0.0.1"]):  # the local receiver
        subscription, _ = subscription_create(
            tenant=tenant,
            body={"name": "bench receiver", "target_url": url, "active": False},
            actor=None,
        )
    return subscription


def _set_active(subscription, active: bool) -> None:
    """Through the service, as a user would: the server's processes see it at once."""
    from plugins.webhooks.services import subscription_set_active

    subscription_set_active(
        tenant=subscription.tenant, subscription_id=subscription.pk, active=active, actor=None
    )


def _api_scenario(ctx, driver, profile, subscription) -> Row:
    def load(active: bool):
        def measure(seconds: float) -> dict:
            _set_active(subscription, active)
            return checked(
                driver.run(
                    "conversation",
                    "--duration",
                    str(seconds),
                    "--customers",
                    str(ctx["customers"]),
                ),
                "conversation load",
            )

        return measure

    # Same total time as scenario 4, cut into more alternating slices: the two sides differ by
    # a few per cent, less than this machine's swings over ten seconds.
    slices = replace(profile, read_seconds=profile.load_seconds, rounds=max(profile.rounds, 8))
    result = interleaved({"paused": load(False), "active": load(True)}, slices)
    _set_active(subscription, False)
    row = Row(
        "8 Events: API load, subscription active",
        "req/s",
        baseline_name="same load, subscription paused",
        target=f">= {API_TARGET}",
        details={
            "active": result["active"],
            "paused": result["paused"],
            "p95_ms_active": result["active"].get("p95_ms"),
            "p95_ms_paused": result["paused"].get("p95_ms"),
        },
    )
    return ratio_row(row, result["active"]["rps"], result["paused"]["rps"], API_TARGET)


def _owed_events(subscription):
    """The events recorded while the subscription was active (it asks for every kind)."""
    from django.db.models import Q

    from plugins.services.models import Event

    subscription.refresh_from_db()
    windows = Q()
    for after, through in subscription.windows:
        windows |= Q(id__gt=after, id__lte=through)
    return Event.objects.filter(windows, tenant=subscription.tenant)


def _delivery_scenario(ctx, profile, workers: int, env: dict, port: int, subscription) -> Row:
    from plugins.services.representation import event_document
    from plugins.webhooks.delivery import body_of
    from plugins.webhooks.models import Delivery

    row = Row(
        "8 Events: deliveries",
        "deliveries/s",
        baseline_name="same POSTs, same client, no database",
        target=f">= {DELIVERY_TARGET}",
    )
    owed = _owed_events(subscription)
    total = owed.count()
    if not total:
        row.status = "error"
        row.details["reason"] = "the load recorded no event while the subscription was active"
        return row
    first = event_document(owed.select_related("service").first())
    sample = body_of(Delivery(event=first), subscription.tenant)
    _set_active(subscription, True)
    drained = _drain(env, workers, subscription, total, timeout=max(60, total / 50))
    baseline = _raw_posts(port, sample, min(total, 20_000), workers)
    row.details = {**drained, "baseline": baseline, "body_bytes": len(sample)}
    return ratio_row(row, drained["rate"], baseline["rate"], DELIVERY_TARGET)


def _drain(env: dict, workers: int, subscription, total: int, timeout: float) -> dict:
    """Start a worker, wait until every owed event is delivered; the rate runs from the first
    delivery to the last (the worker's start-up is not counted)."""
    from django.db.models import Count, Max, Min, Q

    from plugins.webhooks.delivery import due_streams
    from plugins.webhooks.models import Delivery
    from plugins.webhooks.owed import all_unannounced_streams
    from plugins.webhooks.tasks import deliver_stream_task

    command = [
        str(Path(sys.executable).parent / "celery"),
        "-A",
        "csadmin",
        "worker",
        "-Q",
        QUEUE,
        "--concurrency",
        str(workers),
        "--loglevel=warning",
        "--without-gossip",
        "--without-mingle",
    ]
    rows = Delivery.objects.filter(subscription=subscription)
    with Process(command, env):
        # The active slices told the broker already (the flags in Redis kept one message per
        # stream); the sweep's list covers any message that was turned away meanwhile.
        for subscription_id, service_id in set(due_streams()) | all_unannounced_streams():
            deliver_stream_task.apply_async((subscription_id, service_id), queue=QUEUE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = rows.filter(status="delivered").count() >= total
            if done and not rows.filter(status="pending").exists():
                break
            time.sleep(0.2)
    figures = rows.aggregate(
        delivered=Count("id", filter=Q(status="delivered")),
        pending=Count("id", filter=Q(status="pending")),
        failed=Count("id", filter=Q(status="failed")),
        first=Min("completed_at"),
        last=Max("completed_at"),
    )
    if figures["pending"] or figures["failed"] or figures["delivered"] < total:
        raise RuntimeError(f"deliveries did not all succeed within {timeout:.0f} s: {figures}")
    seconds = max((figures["last"] - figures["first"]).total_seconds(), 0.001)
    return {
        "deliveries": figures["delivered"],
        "seconds": round(seconds, 2),
        "rate": round(figures["delivered"] / seconds, 1),
        "owed": total,
    }


def _post_many(port: int, body: bytes, count: int) -> tuple[float, float]:
    import requests

    url = f"http://127.0.0.1:{port}/hook"
    headers = {"Content-Type": "application/json"}
    session = requests.Session()  # kept-alive connections, as the delivery worker has
    started = time.time()
    for _ in range(count):
        session.post(url, data=body, headers=headers, timeout=10).raise_for_status()
    return started, time.time()


def _raw_posts(port: int, body: bytes, total: int, workers: int) -> dict:
    share = max(1, total // workers)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        spans = list(pool.map(_post_many, [port] * workers, [body] * workers, [share] * workers))
    seconds = max(end for _, end in spans) - min(start for start, _ in spans)
    return {
        "posts": share * workers,
        "seconds": round(seconds, 2),
        "rate": round(share * workers / seconds, 1),
    }
