"""Every read of event subscriptions and their deliveries."""

from __future__ import annotations

import uuid

from django.db.models import Count, OuterRef, Q, Subquery

from csadmin.pluginlib import NotFoundError
from plugins.webhooks.models import Delivery, DeliveryAttempt, Subscription


def subscriptions(tenant):
    """The tenant's subscriptions by name; a list never shows the secret, so it is not opened."""
    return Subscription.objects.filter(tenant=tenant).defer("secret").order_by("name", "id")


def get_subscription(tenant, subscription_id, *, for_update: bool = False) -> Subscription:
    rows = Subscription.objects.filter(tenant=tenant).select_related("tenant")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    try:
        found = rows.filter(pk=int(subscription_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFoundError(f"subscription {subscription_id} not found")
    return found


def deliveries(subscription):
    """Newest first: the delivery log."""
    return Delivery.objects.filter(subscription=subscription).order_by("-id")


def get_delivery(subscription, delivery_id) -> Delivery:
    try:
        key = uuid.UUID(str(delivery_id))
    except ValueError:
        raise NotFoundError(f"delivery {delivery_id} not found") from None
    found = Delivery.objects.filter(subscription=subscription, delivery_id=key).first()
    if found is None:
        raise NotFoundError(f"delivery {delivery_id} not found")
    return found


def attempts(delivery):
    return DeliveryAttempt.objects.filter(delivery=delivery).order_by("number")


def pending_count(subscription) -> int:
    return Delivery.objects.filter(
        subscription=subscription, status=Delivery.Status.PENDING
    ).count()


def subscription_document(subscription: Subscription) -> dict:
    """The subscription as the API shows it: everything but the secret."""
    return {
        "id": subscription.pk,
        "name": subscription.name,
        "target_url": subscription.target_url,
        "kinds": list(subscription.kinds),
        "service_types": list(subscription.service_types),
        "customers": subscription.customers,
        "customer_id": subscription.customer_id,
        "active": subscription.active,
        "paused_reason": subscription.paused_reason or None,
        "failure_limit": subscription.failure_limit,
        "consecutive_failures": subscription.consecutive_failures,
        "created_by": subscription.created_by,
        "created_at": _iso(subscription.created_at),
        "updated_at": _iso(subscription.updated_at),
    }


def delivery_document(delivery: Delivery, log=None) -> dict:
    body = {
        "delivery_id": str(delivery.delivery_id),
        "event_id": delivery.event_id,
        "kind": delivery.kind,
        "service_id": delivery.service_id or None,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": _iso(delivery.created_at),
        "next_attempt_at": _iso(delivery.next_attempt_at)
        if delivery.status == Delivery.Status.PENDING
        else None,
        "completed_at": _iso(delivery.completed_at),
        "last_attempt_at": _iso(delivery.last_attempt_at),
        "last_status_code": delivery.last_status_code,
        "last_latency_ms": delivery.last_latency_ms,
        "last_response": delivery.last_response or None,
        "last_error": delivery.last_error or None,
        "redelivery_of": str(delivery.redelivery_of) if delivery.redelivery_of else None,
    }
    if log is not None:
        body["event"] = delivery.event
        body["log"] = [
            {
                "attempt": a.number,
                "at": _iso(a.at),
                "status_code": a.status_code,
                "latency_ms": a.latency_ms,
                "response": a.response_excerpt or None,
                "error": a.error or None,
            }
            for a in log
        ]
    return body


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


# -- reads of the pages ------------------------------------------------------------------------


def subscriptions_with_last_delivery(tenant):
    """The list page's rows: each subscription with its newest delivery's time, status and HTTP
    code, read through the (subscription, -id) index, so the list costs one query."""
    newest = Delivery.objects.filter(subscription=OuterRef("pk")).order_by("-id")
    return subscriptions(tenant).annotate(
        last_delivery_at=Subquery(newest.values("created_at")[:1]),
        last_delivery_status=Subquery(newest.values("status")[:1]),
        last_delivery_code=Subquery(newest.values("last_status_code")[:1]),
    )


def delivery_count(subscription) -> int:
    return Delivery.objects.filter(subscription=subscription).count()


def subscription_health(tenant) -> dict[str, int]:
    """How many subscriptions are paused, and how many active ones are failing (their last
    delivery failed): one aggregate query."""
    return Subscription.objects.filter(tenant=tenant).aggregate(
        total=Count("id"),
        paused=Count("id", filter=Q(active=False)),
        failing=Count("id", filter=Q(active=True, consecutive_failures__gt=0)),
    )
