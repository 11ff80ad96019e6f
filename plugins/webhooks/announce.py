"""Telling the workers: an API call that records events a subscription wants names their
streams to a worker after its commit, and writes nothing (the stored events are the outbox, see
owed.py). A periodic sweep finds whatever the workers were not told about."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import transaction

from csadmin.pluginlib.access import Memo, bump_now_and_on_commit, circuit, generation
from csadmin.pluginlib.jobs import runs_inline
from plugins.webhooks import dispatch
from plugins.webhooks.models import Subscription
from plugins.webhooks.owed import PLUGIN_ENABLED, matches

log = logging.getLogger(__name__)


# What decides whether an event goes to a subscription; a change to any of these (or to the
# plug-in's state in a tenant) must reach every process at once.
MATCHING_FIELDS = ("id", "kinds", "service_types", "customers", "customer_id")
_receivers = Memo()  # tenant id -> its active subscriptions (their matching fields only)


def receiving_subscriptions(tenant):
    """The tenant's active subscriptions, none when the plug-in is disabled there (one query)."""
    return Subscription.objects.filter(PLUGIN_ENABLED, tenant=tenant, active=True)


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


def announce(sender, *, tenant, events: list[dict], **kwargs) -> set[tuple[int, str]]:
    """Receiver of events_recorded: after the commit, a worker is told of the streams
    (subscription, service) that now owe these events. No query unless the tenant's
    subscriptions changed since this process last read them."""
    subscriptions = receivers(tenant)
    streams = {
        (subscription.pk, event["service_id"])
        for event in events
        for subscription in subscriptions
        if matches(subscription, event)
    }
    if streams:
        transaction.on_commit(lambda: kick(streams))
    return streams


def kick(streams, countdown: float | None = None, *, deduplicate: bool = True) -> None:
    """Ask a worker to drain these streams (in `countdown` seconds). A broker that is down or
    frozen only delays them: the periodic sweep finds what is owed. One message per stream is
    enough until a worker starts on it (every API call would otherwise send one), so a flag in
    Redis says one is on its way. The flag only spares messages, it never hides a stream: the
    sweep sends whatever flags say (`deduplicate=False`). After a Redis failure nothing is
    tried while the Redis circuit is open (csadmin.pluginlib.access.circuit): the call is not
    held up."""
    flags = _flags()
    redis_circuit = circuit(settings.REDIS_URL) if flags is not None else None
    for subscription_id, service_id in streams:
        if redis_circuit is not None and not redis_circuit.allows():
            log.warning(
                "Redis unreachable: deliveries of subscription %s wait for the sweep",
                subscription_id,
            )
            return
        try:
            if flags is not None:
                key = _flag(subscription_id, service_id)
                fresh = flags.set(key, 1, nx=deduplicate, ex=FLAG_SECONDS)
                if deduplicate and not fresh:
                    continue  # a message for this stream waits in the queue: it will see ours
            # No publish retries: on a frozen broker each would wait its socket timeout again.
            dispatch.deliver_stream(subscription_id, service_id, countdown=countdown, retry=False)
        except Exception as error:  # the broker's errors vary by transport; the sweep covers
            log.warning("could not queue deliveries of subscription %s", subscription_id)
            if redis_circuit is not None:
                redis_circuit.failed(error)
        else:
            if redis_circuit is not None:
                redis_circuit.succeeded()


def clear_kick(subscription_id: int, service_id: str) -> None:
    """A worker starts on the stream: what is committed from now on needs a new message."""
    flags = _flags()
    if flags is None:
        return
    try:
        flags.delete(_flag(subscription_id, service_id))
    except Exception:  # the flag expires by itself
        log.warning("could not clear the message flag of subscription %s", subscription_id)


# A flag without its message (a lost message, or a SET that reached a frozen Redis after its
# client gave up) expires; the sweep sends meanwhile, whatever the flag says.
FLAG_SECONDS = 60
_redis = None


def _flags():
    """Redis for the flags, when jobs go through Redis; None otherwise (every kick is sent)."""
    global _redis

    if not settings.REDIS_URL or runs_inline():
        return None
    if _redis is None:
        timeout = settings.CSADMIN_REDIS_TIMEOUT
        _redis = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=timeout, socket_connect_timeout=timeout
        )
    return _redis


def _flag(subscription_id: int, service_id: str) -> str:
    return f"csadmin:webhooks:queued:{subscription_id}:{service_id}"
