"""What a subscription is owed: the events it asks for (kinds and filters) recorded while it was
active. The events table is the outbox: a stored event is owed even when no worker heard of it.
Workers turn owed events into deliveries, a stream (subscription, service) at a time, so the API
call that records an event writes nothing more for its subscribers."""

from __future__ import annotations

from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from csadmin.pluginlib import event_feed
from csadmin.pluginlib.tenancy import DisabledPlugin
from plugins.webhooks.models import Delivery, Subscription

PLUGIN = "webhooks"
# Subscriptions of the tenants where the plug-in is enabled (a disabled one holds everything).
PLUGIN_ENABLED = ~Exists(DisabledPlugin.objects.filter(tenant=OuterRef("tenant"), plugin=PLUGIN))

# Events of one stream made deliveries by one message (a new message goes on with the rest).
STREAM_READ = 1000
# Events the sweep reads per subscription and run; it goes on from there at the next run.
SWEEP_READ = 20_000
# Closed windows kept; older ones are forgotten (their events are long delivered or given up).
KEPT_WINDOWS = 50


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


# -- windows: the event ids recorded while active ------------------------------------------------


def start_sweeping(subscription: Subscription) -> None:
    """A new subscription: the sweep starts at the latest event. The caller saves."""
    subscription.swept_through = subscription.sweep_horizon = event_feed().latest_id()


def open_window(subscription: Subscription) -> None:
    """From now on (the latest event id), until it is closed. The caller saves."""
    windows = subscription.windows
    if windows and windows[-1][1] is None:
        return
    subscription.windows = [*windows[-KEPT_WINDOWS:], [event_feed().latest_id(), None]]


def close_window(subscription: Subscription) -> None:
    """Owed up to now (the latest event id), nothing after. The caller saves."""
    windows = subscription.windows
    if windows and windows[-1][1] is None:
        subscription.windows = [*windows[:-1], [windows[-1][0], event_feed().latest_id()]]


def forget_through(subscription: Subscription, event_id: int) -> None:
    """Owe nothing up to this event any more (its delivery left the log). Never past the sweep:
    what it has not looked at yet stays owed. The caller saves."""
    cut = min(event_id, subscription.swept_through)
    subscription.windows = [list(window) for window in _windows_after(subscription, cut)]


def in_window(subscription: Subscription, event_id: int) -> bool:
    return any(
        after < event_id and (through is None or event_id <= through)
        for after, through in subscription.windows
    )


def _windows_after(subscription: Subscription, event_id: int) -> list[tuple[int, int | None]]:
    """The parts of the windows above `event_id`, in order."""
    return [
        (max(after, event_id), through)
        for after, through in subscription.windows
        if through is None or through > event_id
    ]


# -- streams: owed events become deliveries ----------------------------------------------------


def high_water(subscription_id: int, service_id: str) -> int:
    """The last event of the stream already made a delivery (0 for none)."""
    found = Delivery.objects.filter(
        subscription_id=subscription_id, service_id=service_id, redelivery_of__isnull=True
    ).aggregate(last=Max("event_id"))["last"]
    return found or 0


def owed_events(subscription: Subscription, service_id: str) -> tuple[list[dict], bool]:
    """The stream's owed events that are not deliveries yet, in order, read in one query over
    the windows (a pause's events are never read); and whether there may be more than this
    read took."""
    ranges = _windows_after(subscription, high_water(subscription.pk, service_id))
    events = event_feed().of_service(
        subscription.tenant, service_id, ranges=ranges, kinds=subscription.kinds, limit=STREAM_READ
    )
    return [e for e in events if matches(subscription, e)], len(events) >= STREAM_READ


def owes(subscription: Subscription, event: dict) -> bool:
    return in_window(subscription, event["event_id"]) and matches(subscription, event)


def make_deliveries(subscription: Subscription, service_id: str) -> bool:
    """Turn the stream's owed events into pending deliveries; returns whether more may be owed
    (a read took its limit and made some: the next read starts past them). Run by the stream's
    one worker; the unique (subscription, event) key keeps any other run harmless."""
    events, more = owed_events(subscription, service_id)
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(
                subscription=subscription,
                event_id=event["event_id"],
                kind=event["kind"],
                service_id=service_id,
                event=event,
                next_attempt_at=now,
            )
            for event in events
        ],
        ignore_conflicts=True,
    )
    return more and bool(events)


# -- the sweep: owed events no worker was told about ---------------------------------------------


def all_unannounced_streams() -> set[tuple[int, str]]:
    """unannounced_streams of every receiving subscription (a paused one keeps its sweep marks:
    the sweep goes on from there once it is resumed)."""
    streams = set()
    receiving = Subscription.objects.filter(PLUGIN_ENABLED, active=True).select_related("tenant")
    for subscription in receiving:
        if _windows_after(subscription, subscription.swept_through):
            streams |= {(subscription.pk, s) for s in unannounced_streams(subscription)}
    return streams


def unannounced_streams(subscription: Subscription) -> list[str]:
    """Services with owed events above their stream's last delivery (their message was lost,
    or the broker was down), looking at the events recorded since the last sweep; moves the
    subscription's sweep marks on, but never past an owed event that is not a delivery yet:
    the next run looks at it again, and sends again, until a worker has made it one."""
    events = _unswept_events(subscription)
    owed_of_stream: dict[str, list[int]] = {}
    for event in events:
        if owes(subscription, event):
            owed_of_stream.setdefault(event["service_id"], []).append(event["event_id"])
    done = high_waters(subscription.pk, list(owed_of_stream))
    undelivered = {
        service_id: next(i for i in ids if i > done.get(service_id, 0))
        for service_id, ids in owed_of_stream.items()
        if ids[-1] > done.get(service_id, 0)
    }
    hold = min(undelivered.values(), default=None)
    _move_sweep_marks(subscription, events, before=hold)
    return list(undelivered)


def _unswept_events(subscription: Subscription) -> list[dict]:
    events: list[dict] = []
    for after, through in _windows_after(subscription, subscription.swept_through):
        events += event_feed().of_tenant(
            subscription.tenant,
            after_id=after,
            through_id=through,
            kinds=subscription.kinds,
            limit=SWEEP_READ - len(events),
        )
        if len(events) >= SWEEP_READ:
            break
    return events


def high_waters(subscription_id: int, service_ids: list[str]) -> dict[str, int]:
    """high_water of many streams, a few hundred per query."""
    found: dict[str, int] = {}
    for start in range(0, len(service_ids), 500):
        rows = (
            Delivery.objects.filter(
                subscription_id=subscription_id,
                service_id__in=service_ids[start : start + 500],
                redelivery_of__isnull=True,
            )
            .values("service_id")
            .annotate(last=Max("event_id"))
            .values_list("service_id", "last")
        )
        found.update(rows)
    return found


def _move_sweep_marks(subscription: Subscription, events: list[dict], before: int | None) -> None:
    """Up to the horizon of the previous run (or as far as this run read, when it stopped at
    its limit): a call that held a lower id has had a whole sweep period to commit. And below
    `before`, the first owed event no delivery covers yet: only a delivery row proves that a
    message reached a worker (a message can be lost, a flag can outlive it)."""
    through = subscription.sweep_horizon
    if len(events) >= SWEEP_READ:
        through = min(through, events[-1]["event_id"])
    if before is not None:
        through = min(through, before - 1)
    Subscription.objects.filter(pk=subscription.pk).update(
        swept_through=max(subscription.swept_through, through),
        sweep_horizon=event_feed().latest_id(),
    )
