"""Sending deliveries: one POST each, signed, with a timeout and a truncated response; in id
order within a (subscription, service) stream; retried with backoff on network errors and 5xx;
a subscription that keeps failing pauses itself."""

from __future__ import annotations

import json
import random
import time
import zlib
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from csadmin.pluginlib import record_audit
from plugins.webhooks.models import TEST_KIND, Delivery, DeliveryAttempt, Subscription
from plugins.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, signed_headers
from plugins.webhooks.targets import TargetRefused, check_target

PLUGIN = "webhooks"
EXCERPT_BYTES = 1024
USER_AGENT = "csadmin-webhooks/1.0"
# Advisory lock namespace of delivery streams (the first key of PostgreSQL's two-key form).
STREAM_LOCK_SPACE = 0x0C5D


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def retryable(self) -> bool:
        """Network errors and server errors may pass; a 4xx (or a redirect) will not."""
        return self.status_code is None or self.status_code >= 500

    def describe(self) -> str:
        return f"HTTP {self.status_code}" if self.status_code is not None else self.error


# -- one POST ------------------------------------------------------------------------------


def body_of(delivery: Delivery, tenant) -> bytes:
    document = {
        "delivery_id": str(delivery.delivery_id),
        "tenant": {"id": tenant.pk, "name": tenant.name},
        **delivery.event,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def _excerpt(raw: bytes) -> str:
    text = raw[:EXCERPT_BYTES].decode("utf-8", "replace")
    return text + (" [truncated]" if len(raw) > EXCERPT_BYTES else "")


def post(subscription: Subscription, delivery: Delivery) -> Outcome:
    """POST the delivery to the subscription's target; never raises for the receiver's faults."""
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        check_target(subscription.target_url)  # again: a name may point elsewhere by now
    except TargetRefused as refused:
        return Outcome(None, elapsed(), error=f"target refused: {refused}"[:500])
    body = body_of(delivery, subscription.tenant)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        DELIVERY_HEADER: str(delivery.delivery_id),
        EVENT_HEADER: delivery.kind,
        **signed_headers(subscription.secret, body),
    }
    timeout = settings.CSADMIN_WEBHOOK_TIMEOUT
    try:
        with requests.post(
            subscription.target_url,
            data=body,
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,  # a redirect could lead anywhere, past the target checks
            stream=True,  # read only the start of the answer
        ) as response:
            raw = response.raw.read(EXCERPT_BYTES + 1, decode_content=True) or b""
            return Outcome(response.status_code, elapsed(), excerpt=_excerpt(raw))
    except requests.RequestException as error:
        return Outcome(None, elapsed(), error=f"{type(error).__name__}: {error}"[:500])


# -- recording what happened -------------------------------------------------------------------


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: base x 2^(attempt-1), capped, then 50-100 % of it so
    many failing deliveries do not come back at the same instant."""
    base = settings.CSADMIN_WEBHOOK_RETRY_BASE_SECONDS
    ceiling = min(settings.CSADMIN_WEBHOOK_RETRY_MAX_SECONDS, base * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


@transaction.atomic
def record_outcome(delivery: Delivery, outcome: Outcome) -> Delivery:
    """The attempt's log line, the delivery's new status, and the subscription's failure count
    (pausing it at its limit), in one transaction."""
    now = timezone.now()
    delivery.attempts += 1
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        at=now,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        response_excerpt=outcome.excerpt,
        error=outcome.error,
    )
    delivery.last_attempt_at = now
    delivery.last_status_code = outcome.status_code
    delivery.last_latency_ms = outcome.latency_ms
    delivery.last_response = outcome.excerpt
    delivery.last_error = outcome.error
    if outcome.succeeded:
        delivery.status = Delivery.Status.DELIVERED
        delivery.completed_at = now
    elif outcome.retryable and delivery.kind != TEST_KIND:
        delivery.next_attempt_at = now + timezone.timedelta(
            seconds=backoff_seconds(delivery.attempts)
        )
    else:
        delivery.status = Delivery.Status.FAILED
        delivery.completed_at = now
    delivery.save()
    if delivery.kind != TEST_KIND:  # a test says how the receiver is, it counts for nothing
        _count(delivery.subscription_id, outcome, now)
    return delivery


def _count(subscription_id: int, outcome: Outcome, now) -> None:
    subscription = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        return
    if outcome.succeeded:
        if subscription.consecutive_failures:
            subscription.consecutive_failures = 0
            subscription.save(update_fields=["consecutive_failures", "updated_at"])
        return
    subscription.consecutive_failures += 1
    fields = ["consecutive_failures", "updated_at"]
    if subscription.active and subscription.consecutive_failures >= subscription.failure_limit:
        subscription.active = False
        subscription.paused_reason = (
            f"Paused by itself after {subscription.consecutive_failures} consecutive failed "
            f"deliveries; the last one at {now:%Y-%m-%d %H:%M:%S} UTC: {outcome.describe()}"
        )[:500]
        fields += ["active", "paused_reason"]
        record_audit(
            tenant=subscription.tenant,
            actor=None,
            plugin=PLUGIN,
            action="pause",
            object_type="subscription",
            object_id=subscription.name,
            before={"active": True},
            after={"active": False, "reason": subscription.paused_reason},
        )
    subscription.save(update_fields=fields)


# -- streams -----------------------------------------------------------------------------------


@contextmanager
def stream_lock(subscription_id: int, service_id: str):
    """One worker at a time drains a stream (PostgreSQL advisory lock, released at the end or
    when the worker's connection closes). SQLite serves one process: nothing to take."""
    if connection.vendor != "postgresql":
        yield True
        return
    keys = (STREAM_LOCK_SPACE ^ (subscription_id & 0x7FFFFFFF), _key(service_id))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", keys)
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", keys)


def _key(service_id: str) -> int:
    return zlib.crc32(service_id.encode()) - 2**31


def next_pending(subscription_id: int, service_id: str) -> Delivery | None:
    return (
        Delivery.objects.filter(
            subscription_id=subscription_id,
            service_id=service_id,
            status=Delivery.Status.PENDING,
        )
        .order_by("id")
        .first()
    )


def drain_stream(subscription_id: int, service_id: str) -> int:
    """Send the stream's pending deliveries in order until one must wait; returns how many were
    attempted. A retry waits at the head of its stream: what follows it waits too."""
    attempted = 0
    for _ in range(3):  # re-check once the lock is released: a row may have come meanwhile
        with stream_lock(subscription_id, service_id) as held:
            if not held:
                return attempted  # another worker drains it
            attempted += _drain_locked(subscription_id, service_id)
        head = next_pending(subscription_id, service_id)
        if head is None or not _ready(head) or not _active(subscription_id):
            break
    return attempted


def _active(subscription_id: int) -> bool:
    return Subscription.objects.filter(pk=subscription_id, active=True).exists()


def _ready(delivery: Delivery) -> bool:
    return delivery.next_attempt_at is None or delivery.next_attempt_at <= timezone.now()


def _drain_locked(subscription_id: int, service_id: str) -> int:
    attempted = 0
    while True:
        subscription = (
            Subscription.objects.select_related("tenant")
            .filter(pk=subscription_id, active=True)
            .first()
        )
        delivery = next_pending(subscription_id, service_id) if subscription else None
        if delivery is None:
            return attempted
        if not _ready(delivery):  # a retry, already scheduled when it failed
            return attempted
        record_outcome(delivery, post(subscription, delivery))
        attempted += 1
        if delivery.status == Delivery.Status.PENDING:  # failed, will be retried
            schedule(subscription_id, service_id, delivery.next_attempt_at)
            return attempted


def send_now(delivery_id: int) -> Delivery | None:
    """A test event: one attempt, whatever the subscription's state, outside any stream."""
    delivery = (
        Delivery.objects.select_related("subscription__tenant")
        .filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .first()
    )
    if delivery is None:
        return None
    return record_outcome(delivery, post(delivery.subscription, delivery))


def schedule(subscription_id: int, service_id: str, at) -> None:
    """Drain the stream again at `at`. Jobs that run in the calling process (tests) cannot
    wait: there the periodic sweep, run by the test with its own clock, sends retries."""
    from csadmin.celery import app
    from plugins.webhooks.tasks import deliver_stream_task

    if app.conf.task_always_eager:
        return
    try:
        deliver_stream_task.apply_async((subscription_id, service_id), eta=at)
    except Exception:  # the sweep sends it when the broker is back
        return


def due_streams(now=None, limit: int = 1000) -> list[tuple[int, str]]:
    """Streams of active subscriptions whose first pending delivery is due (the sweep's list)."""
    now = now or timezone.now()
    earlier = Delivery.objects.filter(
        subscription_id=OuterRef("subscription_id"),
        service_id=OuterRef("service_id"),
        status=Delivery.Status.PENDING,
        id__lt=OuterRef("id"),
    )
    rows = (
        Delivery.objects.filter(
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=now,
            subscription__active=True,
        )
        .exclude(kind=TEST_KIND)
        .filter(~Exists(earlier))
        .values_list("subscription_id", "service_id")
        .distinct()[:limit]
    )
    return list(rows)
