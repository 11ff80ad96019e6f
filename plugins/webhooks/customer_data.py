"""Event subscriptions' part of one customer's data (csadmin.pluginlib.CustomerData): the
deliveries made about the customer's services, with their attempts. Found through the
services the customer has now (an anonymous service associated later is the customer's too)
and through the customer named in the delivered event (deliveries are kept after a purge of
their service). Erased before the services, which is how they are found."""

from __future__ import annotations

import json
from functools import partial

from django.db import connection
from django.db.models import Q

from csadmin.pluginlib import CustomerData
from plugins.services.selectors import customer_services
from plugins.webhooks.models import Delivery, DeliveryAttempt

DELIVERIES_FILE = "deliveries.ndjson"
EXPORT_CHUNK = 1000


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _tenant_deliveries(tenant):
    return Delivery.objects.filter(subscription__tenant=tenant)


def _named_in_event(customer_id: str) -> Q:
    return Q(event__customer_id=customer_id)


def customer_deliveries(tenant, customer_id: str):
    """Every delivery about the customer (one query with the services' ids as a subquery)."""
    service_ids = customer_services(tenant, customer_id).values("service_id")
    return _tenant_deliveries(tenant).filter(
        Q(service_id__in=service_ids) | _named_in_event(customer_id)
    )


def delivery_line(delivery: Delivery) -> dict:
    """Where and when it went and how it ended: never the subscription's secret."""
    return {
        "delivery_id": str(delivery.delivery_id),
        "subscription": delivery.subscription.name,
        "target_url": delivery.subscription.target_url,
        "kind": delivery.kind,
        "event_id": delivery.event_id,
        "service_id": delivery.service_id or None,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": _iso(delivery.created_at),
        "last_attempt_at": _iso(delivery.last_attempt_at),
        "last_status_code": delivery.last_status_code,
        "completed_at": _iso(delivery.completed_at),
    }


def export_deliveries(tenant, customer_id: str, archive) -> dict[str, int]:
    rows = (
        customer_deliveries(tenant, customer_id)
        .select_related("subscription")
        .defer("subscription__secret", "event", "last_response")
        .order_by("id")
    )
    count = 0
    with archive.member(DELIVERIES_FILE) as out:
        for delivery in rows.iterator(chunk_size=EXPORT_CHUNK):
            out.write(json.dumps(delivery_line(delivery), separators=(",", ":")) + "\n")
            count += 1
    return {"deliveries": count}


def _id_list(ids: list[int]) -> tuple[str, list]:
    """`= ANY(%s)` with one array parameter on PostgreSQL, `IN (%s, ...)` elsewhere."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [ids]
    return "IN (" + ", ".join(["%s"] * len(ids)) + ")", list(ids)


def _delete(ids: list[int]) -> dict[str, int]:
    """Two set-based DELETEs (the ORM would load every delivery to cascade to its attempts)."""
    among, params = _id_list(ids)
    attempts, deliveries = DeliveryAttempt._meta.db_table, Delivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {attempts} WHERE delivery_id {among}", params)  # noqa: S608
        cursor.execute(f"DELETE FROM {deliveries} WHERE id {among}", params)  # noqa: S608
        return {"deliveries": cursor.rowcount}


def erase_deliveries(tenant, customer_id: str, batch: int):
    """Batches of the customer's deliveries by keyset on their ids: each batch one query
    (the customer's services as a subquery, not a list of ids sent along), so the work is
    one pass over the tenant's deliveries whatever the customer's history."""
    rows = customer_deliveries(tenant, customer_id).order_by("pk").values_list("pk", flat=True)
    last = 0
    while ids := list(rows.filter(pk__gt=last)[:batch]):
        last = ids[-1]
        yield partial(_delete, ids)


def remaining_deliveries(tenant, customer_id: str) -> int:
    return customer_deliveries(tenant, customer_id).count()


parts = (
    CustomerData(
        name="deliveries",
        order=40,
        export=export_deliveries,
        erase=erase_deliveries,
        remaining=remaining_deliveries,
        unit="deliveries",
    ),
)
