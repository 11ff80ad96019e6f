"""The services plug-in's part of one customer's data (csadmin.pluginlib.CustomerData): the
customer's services with their states and tasks, and their recorded events. Exported as the
maintenance stream's full content writes services; erased by the purge's own batches."""

from __future__ import annotations

import json
from functools import partial

from csadmin.pluginlib import CustomerData
from plugins.services.bulk import export, id_batches, purge_batch
from plugins.services.models import Event
from plugins.services.representation import event_document
from plugins.services.selectors import customer_services

SERVICES_FILE = "services.ndjson"
EVENTS_FILE = "events.ndjson"
EVENTS_CHUNK = 2000


def _compact(item) -> str:
    return json.dumps(item, separators=(",", ":"))


def export_services(tenant, customer_id: str, archive) -> dict[str, int]:
    """services.ndjson (one full service a line) and events.ndjson (every recorded event of
    those services, in the order recorded)."""
    selection = customer_services(tenant, customer_id).order_by("pk")
    counts = {"services": 0, "events": 0}
    with archive.member(SERVICES_FILE) as out:
        for text in export.full_service_texts(selection):
            out.write(text + "\n")
            counts["services"] += 1
    events = (
        Event.objects.filter(tenant=tenant, service__in=selection.values("pk"))
        .select_related("service")
        .order_by("id")
    )
    with archive.member(EVENTS_FILE) as out:
        for event in events.iterator(chunk_size=EVENTS_CHUNK):
            out.write(_compact(event_document(event)) + "\n")
            counts["events"] += 1
    return counts


def erase_services(tenant, customer_id: str, batch: int):
    """One work per batch of the customer's services: the purge's batch (services with their
    states, tasks and events, one short transaction each)."""
    for ids in id_batches(customer_services(tenant, customer_id), batch=batch):
        yield partial(purge_batch, tenant, ids)


def remaining_services(tenant, customer_id: str) -> int:
    return customer_services(tenant, customer_id).count()


parts = (
    CustomerData(
        name="services",
        order=50,
        export=export_services,
        erase=erase_services,
        remaining=remaining_services,
        unit="services",
    ),
)
