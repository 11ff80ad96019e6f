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
from csadmin.pluginlib.jobs import runs_inline
from plugins.webhooks import dispatch
from plugins.webhooks.announce import kick
from plugins.webhooks.models import TEST_KIND, Delivery, DeliveryAttempt, Subscription
from plugins.webhooks.owed import PLUGIN_ENABLED, close_window, make_deliveries
from plugins.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, signed_headers
from plugins.webhooks.targets import TargetRefused, check_target
from plugins.webhooks.transport import checked_session

PLUGIN = "webhooks"
EXCERPT_BYTES = 1024
USER_AGENT = "csadmin-webhooks/1.0"
# Advisory lock namespace of delivery streams (the first key of PostgreSQL's two-key form).
STREAM_LOCK_SPACE = 0x0C5D
# Deliveries sent between two reads of the subscription and recorded in one transaction: up
# to CHUNK of them, or as many as CHUNK_SECONDS of sending allow (a slow receiver must not hold
# off a pause or a change of target for long).
CHUNK = 100
CHUNK_SECONDS = 1.0
# A message that finds its stream drained by another worker comes back this much later.
BUSY_RETRY_SECONDS = 1.0


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


_session: requests.Session | None = None


def http() -> requests.Session:
    """One session per worker process: connections to a receiver are kept alive and reused,
    and each new one checks the address it connects to."""
    global _session
    if _session is None:
        _session = checked_session()
    return _session


UNREADABLE_SECRET = (
    "the signing secret cannot be opened with the configured keys (CSADMIN_SECRETS_KEYS or "
    "SECRET_KEY changed): restore the key or rotate the secret"
)


def target_refusal(subscription: Subscription) -> Outcome | None:
    """Check the target again before sending (a name may point elsewhere by now), and that
    the secret to sign with can be read."""
    if subscription.secret is None:
        return Outcome(None, 0, error=UNREADABLE_SECRET)
    started = time.perf_counter()
    try:
        check_target(subscription.target_url)
    except TargetRefused as refused:
        latency = int((time.perf_counter() - started) * 1000)
        return Outcome(None, latency, error=f"target refused: {refused}"[:500])
    return None


def post(subscription: Subscription, delivery: Delivery) -> Outcome:
    """POST the delivery to the subscription's target (already checked); never raises for the
    receiver's faults."""
    body = body_of(delivery, subscription.tenant)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        DELIVERY_HEADER: str(delivery.delivery_id),
        EVENT_HEADER: delivery.kind,
        **signed_headers(subscription.secret, body),
    }
    timeout = settings.CSADMIN_WEBHOOK_TIMEOUT
    started = time.perf_counter()
    try:
        response = http().post(
            subscription.target_url,
            data=body,
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,  # a redirect could lead anywhere, past the target checks
            stream=True,  # read only the start of the answer
        )
    except requests.RequestException as error:
        latency = int((time.perf_counter() - started) * 1000)
        return Outcome(None, latency, error=f"{type(error).__name__}: {error}"[:500])
    try:
        raw = response.raw.read(EXCERPT_BYTES + 1, decode_content=True) or b""
    except Exception as error:  # urllib3's read errors vary; any of them is a network error
        response.close()
        latency = int((time.perf_counter() - started) * 1000)
        return Outcome(None, latency, error=f"{type(error).__name__}: {error}"[:500])
    if len(raw) > EXCERPT_BYTES:
        response.close()  # the rest is not wanted: drop the connection rather than read it
    else:
        response.raw.release_conn()  # the answer was read whole: keep the connection
    latency = int((time.perf_counter() - started) * 1000)
    return Outcome(response.status_code, latency, excerpt=_excerpt(raw))


# -- recording what happened -------------------------------------------------------------------


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: base x 2^(attempt-1), capped, then 50-100 % of it so
    many failing deliveries do not come back at the same instant."""
    base = settings.CSADMIN_WEBHOOK_RETRY_BASE_SECONDS
    ceiling = min(settings.CSADMIN_WEBHOOK_RETRY_MAX_SECONDS, base * 2 ** (attempt - 1))
    return random.uniform(ceiling / 2, ceiling)


DELIVERY_FIELDS = [
    "status",
    "attempts",
    "next_attempt_at",
    "completed_at",
    "last_attempt_at",
    "last_status_code",
    "last_latency_ms",
    "last_response",
    "last_error",
]


def _apply(delivery: Delivery, outcome: Outcome, now) -> DeliveryAttempt:
    delivery.attempts += 1
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
    return DeliveryAttempt(
        delivery=delivery,
        number=delivery.attempts,
        at=now,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        response_excerpt=outcome.excerpt,
        error=outcome.error,
    )


@transaction.atomic
def record_outcomes(sent: list[tuple[Delivery, Outcome]]) -> None:
    """Log lines, new statuses and the subscription's failure count for deliveries sent in this
    order, in one transaction and a few statements whatever their number. A failure counts
    toward the subscription's limit and pauses it there; a success clears the count."""
    if not sent:
        return
    now = timezone.now()
    DeliveryAttempt.objects.bulk_create([_apply(d, o, now) for d, o in sent])
    _save_deliveries([d for d, _ in sent])
    counted = [(d, o) for d, o in sent if d.kind != TEST_KIND]  # a test counts for nothing
    if not counted:
        return
    subscription_id = counted[0][0].subscription_id
    last_success = max((i for i, (_, o) in enumerate(counted) if o.succeeded), default=-1)
    failures = len(counted) - 1 - last_success  # those after the last success
    if last_success >= 0:
        Subscription.objects.filter(pk=subscription_id, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
    if failures:
        _count_failures(subscription_id, failures, counted[-1][1], now)


def _save_deliveries(deliveries: list[Delivery]) -> None:
    """One parameterised UPDATE run for every row (psycopg pipelines them): Django's
    bulk_update builds a CASE per field and row, which cost more than the POSTs themselves."""
    meta = Delivery._meta
    fields = [meta.get_field(name) for name in DELIVERY_FIELDS]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    # Names from the model's own metadata, quoted; every value is a parameter.
    statement = (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s"
    )
    rows = [
        [f.get_db_prep_save(getattr(d, f.attname), connection) for f in fields] + [d.pk]
        for d in deliveries
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)


def record_outcome(delivery: Delivery, outcome: Outcome) -> Delivery:
    record_outcomes([(delivery, outcome)])
    return delivery


def _count_failures(subscription_id: int, failures: int, last: Outcome, now) -> None:
    subscription = (
        Subscription.objects.select_for_update()
        .select_related("tenant")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        return
    subscription.consecutive_failures += failures
    fields = ["consecutive_failures", "updated_at"]
    if subscription.active and subscription.consecutive_failures >= subscription.failure_limit:
        subscription.active = False
        subscription.paused_reason = (
            f"Paused by itself after {subscription.consecutive_failures} consecutive failed "
            f"deliveries; the last one at {now:%Y-%m-%d %H:%M:%S} UTC: {last.describe()}"
        )[:500]
        close_window(subscription)
        fields += ["active", "paused_reason", "windows"]
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


def pending(subscription_id: int, service_id: str):
    return Delivery.objects.filter(
        subscription_id=subscription_id,
        service_id=service_id,
        status=Delivery.Status.PENDING,
    ).order_by("id")


def drain_stream(subscription_id: int, service_id: str) -> int:
    """Make the stream's owed events deliveries and send its pending ones in order until one
    must wait; returns how many were attempted. A retry waits at the head of its stream: what
    follows it waits too."""
    with stream_lock(subscription_id, service_id) as held:
        if not held:
            # Another worker drains it, and may have read the stream before what this message
            # was sent for was committed: look again once it is done.
            kick([(subscription_id, service_id)], countdown=BUSY_RETRY_SECONDS)
            return 0
        subscription = _receiving(subscription_id)
        if subscription is None:
            return 0
        more = make_deliveries(subscription, service_id)
        attempted = _drain_locked(subscription_id, service_id)
    if more:
        # More was owed than one read takes: a new message goes on, after the streams waiting.
        kick([(subscription_id, service_id)])
    return attempted


def _receiving(subscription_id: int) -> Subscription | None:
    """The subscription while it is active and the plug-in enabled in its tenant (a disabled
    plug-in holds its deliveries)."""
    rows = Subscription.objects.select_related("tenant").filter(PLUGIN_ENABLED)
    return rows.filter(pk=subscription_id, active=True).first()


def _ready(delivery: Delivery) -> bool:
    return delivery.next_attempt_at is None or delivery.next_attempt_at <= timezone.now()


def _chunk(subscription_id: int, service_id: str, size: int = CHUNK) -> list[Delivery]:
    """The stream's next pending deliveries, with their subscription, while it is active: the
    subscription is read again with every chunk (paused or changed meanwhile?)."""
    rows = pending(subscription_id, service_id).filter(subscription__active=True)
    return list(rows.select_related("subscription__tenant")[:size])


def _drain_locked(subscription_id: int, service_id: str) -> int:
    attempted = 0
    while True:
        chunk = _chunk(subscription_id, service_id)
        if not chunk:
            return attempted
        sent = _send_chunk(chunk[0].subscription, chunk)
        record_outcomes(sent)
        attempted += len(sent)
        if not sent:
            return attempted  # the head is a retry, scheduled when it failed
        last = sent[-1][0]
        if last.status == Delivery.Status.PENDING:  # failed, to be retried: the stream waits
            schedule(subscription_id, service_id, last.next_attempt_at)
            return attempted
        if len(sent) == len(chunk) < CHUNK:
            # All sent, and the read found fewer than it asked for: only this worker, under
            # the stream's lock, makes new deliveries of the stream, so none are left.
            return attempted


def _send_chunk(subscription, chunk) -> list[tuple[Delivery, Outcome]]:
    """POST the chunk in order; stop at the first failure (to count it before going on), at a
    retry that is not due yet, or once CHUNK_SECONDS have passed (the rest is read again)."""
    sent: list[tuple[Delivery, Outcome]] = []
    refusal = target_refusal(subscription)
    until = time.monotonic() + CHUNK_SECONDS
    for delivery in chunk:
        if not _ready(delivery):
            break
        outcome = refusal or post(subscription, delivery)
        sent.append((delivery, outcome))
        if not outcome.succeeded or time.monotonic() > until:
            break
    return sent


def send_now(delivery_id: int) -> Delivery | None:
    """A test event: one attempt, whatever the subscription's state, outside any stream."""
    delivery = (
        Delivery.objects.select_related("subscription__tenant")
        .filter(pk=delivery_id, status=Delivery.Status.PENDING)
        .first()
    )
    if delivery is None:
        return None
    outcome = target_refusal(delivery.subscription) or post(delivery.subscription, delivery)
    return record_outcome(delivery, outcome)


def schedule(subscription_id: int, service_id: str, at) -> None:
    """Drain the stream again at `at`. Jobs that run in the calling process (tests) cannot
    wait: there the periodic sweep, run by the test with its own clock, sends retries."""
    if runs_inline():
        return
    try:
        dispatch.deliver_stream(subscription_id, service_id, eta=at)
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
