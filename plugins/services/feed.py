"""The event feed this plug-in provides to others (csadmin.pluginlib.feeds): its recorded
events, read in id order, as event delivery's workers need them."""

from __future__ import annotations

from django.db.models import Max

from plugins.services.models import Event
from plugins.services.representation import event_document


class ServiceEventFeed:
    def latest_id(self) -> int:
        return Event.objects.aggregate(latest=Max("id"))["latest"] or 0

    def of_service(self, tenant, service_id, *, after_id, kinds, limit) -> list[dict]:
        # Through the service's row (tenant, service_id is unique), then its (service, id) index.
        rows = Event.objects.filter(
            tenant=tenant, service__service_id=service_id, id__gt=after_id, kind__in=kinds
        )
        return _documents(rows, limit)

    def of_tenant(self, tenant, *, after_id, through_id, kinds, limit) -> list[dict]:
        rows = Event.objects.filter(tenant=tenant, id__gt=after_id, kind__in=kinds)
        if through_id is not None:
            rows = rows.filter(id__lte=through_id)
        return _documents(rows, limit)


def _documents(rows, limit: int) -> list[dict]:
    return [event_document(e) for e in rows.select_related("service").order_by("id")[:limit]]
