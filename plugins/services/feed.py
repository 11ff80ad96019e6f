"""The event feed this plug-in provides to others (csadmin.pluginlib.feeds): its recorded
events, read in id order, as event delivery's workers need them."""

from __future__ import annotations

from django.db.models import Max, Q, Subquery

from plugins.services.models import Event, Service
from plugins.services.representation import event_document
from plugins.services.selectors import service_types_in_use

HEAD_KEYS = ("event_id", "kind", "service_id", "service_type", "customer_id")


class ServiceEventFeed:
    def service_types(self, tenant) -> list[str]:
        return service_types_in_use(tenant)

    def latest_id(self) -> int:
        return Event.objects.aggregate(latest=Max("id"))["latest"] or 0

    def of_service(self, tenant, service_id, *, ranges, kinds, limit) -> list[dict]:
        if not ranges:
            return []
        within = Q()
        for after_id, through_id in ranges:
            part = Q(id__gt=after_id)
            if through_id is not None:
                part &= Q(id__lte=through_id)
            within |= part
        # The tenant's service row first (tenant and service_id are unique), then its events by
        # the (service, id) index: a join, or a filter on the tenant too, leaves the planner free
        # to walk all the tenant's events.
        service = Service.objects.filter(tenant=tenant, service_id=service_id).values("id")[:1]
        rows = Event.objects.filter(within, service=Subquery(service), kind__in=kinds)
        return _documents(rows, limit)

    def of_tenant(self, tenant, *, after_id, through_id, kinds, limit) -> list[dict]:
        rows = Event.objects.filter(tenant=tenant, id__gt=after_id, kind__in=kinds)
        if through_id is not None:
            rows = rows.filter(id__lte=through_id)
        # Heads only: the bodies (attached data) are what costs to read, and nobody needs them.
        heads = rows.order_by("id").values_list(
            "id", "kind", "service__service_id", "service__service_type", "service__customer_id"
        )
        return [dict(zip(HEAD_KEYS, row, strict=True)) for row in heads[:limit]]


def _documents(rows, limit: int) -> list[dict]:
    return [event_document(e) for e in rows.select_related("service").order_by("id")[:limit]]
