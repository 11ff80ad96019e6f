"""Deliveries are written with the events they carry, in the same transaction (an outbox): an
event that was stored is owed to every matching subscription, even when the broker is down at
that moment. The workers are told after the commit, and a periodic sweep finds anything they
were not told about."""

from __future__ import annotations

import functools
import logging

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from csadmin.access.freshness import Memo, bump_now_and_on_commit, generation
from csadmin.tenancy.models import DisabledPlugin
from plugins.webhooks.ids import new_delivery_id
from plugins.webhooks.models import Delivery, Subscription

log = logging.getLogger(__name__)
PLUGIN = "webhooks"


def matches(subscription: Subscription, event: dict) -> bool:
    """Does this subscription ask for this event (its kind and its filters)?"""
    if event["kind"] not in subscription.kinds:
        return False
    if subscription.service_types and event.get("service_type") not in subscription.service_types:
        return False
    customer = event.get("customer_id")
    if subscription.customers == Subscription.Customers.ANONYMOUS and customer:
        return False
    if subscription.customers == Subscription.Customers.IDENTIFIED and not customer:
        return False
    return not subscription.customer_id or customer == subscription.customer_id


# What decides whether an event goes to a subscription; a change to any of these (or to the
# plug-in's state in a tenant) must reach every process at once.
MATCHING_FIELDS = ("id", "kinds", "service_types", "customers", "customer_id")
_receivers = Memo()  # tenant id -> its active subscriptions (their matching fields only)


def receiving_subscriptions(tenant):
    """The tenant's active subscriptions, none when the plug-in is disabled there (one query)."""
    disabled = DisabledPlugin.objects.filter(tenant=OuterRef("tenant"), plugin=PLUGIN)
    return Subscription.objects.filter(tenant=tenant, active=True).filter(~Exists(disabled))


def receivers(tenant) -> tuple[Subscription, ...]:
    """The tenant's active subscriptions as this process last read them, while the shared
    configuration generation says nothing changed (most tenants have none: an API write then
    costs no query here)."""
    current = generation()
    found = _receivers.get(tenant.pk, current)
    if found is None:
        found = tuple(receiving_subscriptions(tenant).only(*MATCHING_FIELDS))
        _receivers.put(tenant.pk, found, current)
    return found


def subscription_changed(sender, instance=None, update_fields=None, using=None, **kwargs):
    """Signal receiver: a change that can alter who receives what replaces the generation (a
    failure count going up or down does not)."""
    if update_fields is not None and not set(update_fields) & {"active", *MATCHING_FIELDS}:
        return
    bump_now_and_on_commit(sender, using)


def queue_deliveries(sender, *, tenant, events: list[dict], **kwargs) -> list[tuple[int, dict]]:
    """Receiver of events_recorded: one pending delivery per (matching subscription, event)."""
    subscriptions = receivers(tenant)
    if not subscriptions:
        return []
    owed = [
        (subscription.pk, event)
        for event in events
        for subscription in subscriptions
        if matches(subscription, event)
    ]
    if owed:
        insert_deliveries(owed)
        streams = {(subscription_id, event["service_id"]) for subscription_id, event in owed}
        transaction.on_commit(lambda: kick(streams))
    return owed


# The fields a new delivery sets; the others start empty (NULL).
NEW_DELIVERY_FIELDS = (
    "subscription",
    "delivery_id",
    "event_id",
    "kind",
    "service_id",
    "event",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
    "last_response",
    "last_error",
)


def insert_deliveries(owed: list[tuple[int, dict]]) -> None:
    """One INSERT of the pending deliveries, written once: it runs inside every API call that
    records an event a subscription wants, where the ORM's bulk_create cost more than the
    statement itself."""
    fields, statement = _insert_statement(connection.vendor, len(owed))
    now = timezone.now()
    values = []
    for subscription_id, event in owed:
        row = (
            subscription_id,
            new_delivery_id(),
            event["event_id"],
            event["kind"],
            event["service_id"],
            event,
            PENDING,
            0,
            now,
            now,
            "",
            "",
        )
        values += [f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(statement, values)


PENDING = Delivery.Status.PENDING.value


@functools.cache
def _insert_statement(vendor: str, rows: int) -> tuple[list, str]:
    meta = Delivery._meta
    fields = [meta.get_field(name) for name in NEW_DELIVERY_FIELDS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES {', '.join([placeholders] * rows)}"
    )
    return fields, statement


def kick(streams) -> None:
    """Ask a worker to drain these streams. A broker that is down only delays them: the
    periodic sweep sends what is due. One message per stream is enough until a worker starts
    on it (every API call would otherwise send one), so a flag in Redis says one is on its
    way."""
    from plugins.webhooks.tasks import deliver_stream_task

    flags = _flags()
    for subscription_id, service_id in streams:
        try:
            if flags is not None and not flags.set(
                _flag(subscription_id, service_id), 1, nx=True, ex=FLAG_SECONDS
            ):
                continue  # a message for this stream waits in the queue: it will see ours
            deliver_stream_task.delay(subscription_id, service_id)
        except Exception:  # the broker's errors vary by transport; the sweep covers them all
            log.warning("could not queue deliveries of subscription %s", subscription_id)


def clear_kick(subscription_id: int, service_id: str) -> None:
    """A worker starts on the stream: what is committed from now on needs a new message."""
    flags = _flags()
    if flags is None:
        return
    try:
        flags.delete(_flag(subscription_id, service_id))
    except Exception:  # the flag expires by itself
        log.warning("could not clear the message flag of subscription %s", subscription_id)


# A lost message (broker restarted) leaves its flag: it expires, and the sweep sends meanwhile.
FLAG_SECONDS = 60
_redis = None


def _flags():
    """Redis for the flags, when jobs go through Redis; None otherwise (every kick is sent)."""
    global _redis
    from django.conf import settings

    from csadmin.celery import app

    if not settings.REDIS_URL or app.conf.task_always_eager:
        return None
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    return _redis


def _flag(subscription_id: int, service_id: str) -> str:
    return f"csadmin:webhooks:queued:{subscription_id}:{service_id}"
