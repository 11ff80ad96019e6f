"""The writes of a service as a whole (spec §4): start (alone or with its first states and
tasks), end, associate, expiry, extension, delete. Each function is one transaction; the API, the
pages, the demo and the maintenance jobs call these, so a rule lives in one place."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from csadmin.pluginlib import (
    DomainError,
    ValidationFailed,
)
from csadmin.pluginlib.storable import echo
from plugins.services.attributes import resolve_events
from plugins.services.events import ParsedEvent, parse_event, reject_nul, require_object
from plugins.services.models import ACTIVE, Event, Service, State, Task
from plugins.services.selectors import live_services
from plugins.services.services.common import (
    apply_end,
    check_extension,
    event_data,
    locked_service,
    new_event,
    record_events,
)
from plugins.services.services.states_tasks import END_FIELDS, STATE, TASK, close_active

# Fields kept in columns of the resource; every other field and the attached data go into the
# event's `started` / `completed` object.
SERVICE_COLUMNS = (
    "service_type",
    "customer_id",
    "contact_key",
    "est_duration",
    "disposition",
    "disposition_desc",
    "ttl",
    "expiration_time",
)
MAX_NESTED = 1000


class ServiceNotFoundForDelete(DomainError):
    """CS answers a delete of an unknown service with 400, not 404 (spec §1)."""

    status_code = 400
    exception_name = "NotFoundException"


def _build_service(tenant, event: ParsedEvent, at) -> Service:
    return Service(
        tenant=tenant,
        service_id=uuid.uuid4().hex,
        service_type=event.get("service_type", ""),
        customer_id=event.get("customer_id") or None,
        contact_key=event.get("contact_key", ""),
        started_at=at,
        expires_at=event.expires_at,
        est_duration=event.get("est_duration"),
        disposition=event.get("disposition", ""),
        disposition_desc=event.get("disposition_desc", ""),
        started_data=event_data(event, SERVICE_COLUMNS),
    )


@transaction.atomic(savepoint=False)
def service_start(*, tenant, body, actor) -> Service:
    event = parse_event(body, required=("service_type",))
    resolve_events(tenant, [("", event)])
    at = timezone.now()
    service = _build_service(tenant, event, at)
    service.save()
    record_events(
        tenant, [new_event(service, Event.Kind.SERVICE_START, at, actor, event.payload())]
    )
    return service


def _nested_list(body: dict, key: str) -> list:
    value = body.get(key, [])
    if not isinstance(value, list):
        raise ValidationFailed.from_errors({key: ["must be a JSON array"]})
    if len(value) > MAX_NESTED:
        raise ValidationFailed.from_errors({key: [f"must hold at most {MAX_NESTED} items"]})
    return value


def _composite_task(i: int, item, states: int) -> tuple[int | None, ParsedEvent]:
    """(state_index, start event) of the composite start's task number i."""
    item = require_object(item, f"tasks[{i}]")
    index = item.get("state_index")
    if index is not None and (
        isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < states
    ):
        raise ValidationFailed.from_errors(
            {f"tasks[{i}].state_index": [f"must be an index of states (0 to {states - 1})"]}
        )
    rest = {k: v for k, v in item.items() if k != "state_index"}
    return index, parse_event(rest, prefix=f"tasks[{i}].", required=("task_type",))


@transaction.atomic(savepoint=False)
def service_start_composite(*, tenant, body, actor) -> tuple[Service, list[int], list[int]]:
    """A service with its first states and tasks, all or nothing. A task names its state by
    `state_index` (0-based position in `states`)."""
    body = require_object(body)
    state_bodies = _nested_list(body, "states")
    task_bodies = _nested_list(body, "tasks")
    top = {k: v for k, v in body.items() if k not in ("states", "tasks")}
    service_event = parse_event(top, required=("service_type",))
    states = [
        parse_event(item, prefix=f"states[{i}].", required=("state_type",))
        for i, item in enumerate(state_bodies)
    ]
    tasks = [_composite_task(i, item, len(states)) for i, item in enumerate(task_bodies)]
    resolve_events(
        tenant,
        [("", service_event)]
        + [(f"states[{i}].", e) for i, e in enumerate(states)]
        + [(f"tasks[{i}].", e) for i, (_, e) in enumerate(tasks)],
    )
    at = timezone.now()
    service = _build_service(tenant, service_event, at)
    service.last_state_id = len(states)
    service.last_task_id = len(tasks)
    service.save()
    events = [new_event(service, Event.Kind.SERVICE_START, at, actor, service_event.payload())]
    state_rows = [STATE.build(service, n, e, at) for n, e in enumerate(states, start=1)]
    task_rows = [
        TASK.build(service, n, e, at, state_id=None if index is None else index + 1)
        for n, (index, e) in enumerate(tasks, start=1)
    ]
    State.objects.bulk_create(state_rows)
    Task.objects.bulk_create(task_rows)
    events += [
        STATE.event(service, STATE.start_kind, at, actor, e.payload(), n)
        for n, e in enumerate(states, start=1)
    ]
    events += [
        TASK.event(service, TASK.start_kind, at, actor, e.payload(), n)
        for n, (_, e) in enumerate(tasks, start=1)
    ]
    record_events(tenant, events)
    return service, [s.state_id for s in state_rows], [t.task_id for t in task_rows]


@transaction.atomic(savepoint=False)
def service_end(*, tenant, service_id: str, body, actor) -> Service:
    """End the service and its active states and tasks. Ending it twice is 400."""
    event = parse_event(body)
    resolve_events(tenant, [("", event)])
    service = locked_service(tenant, service_id)
    if not service.is_active:
        raise ValidationFailed.from_errors(
            {"service_id": [f"service {service_id} is already ended"]}
        )
    at = timezone.now()
    apply_end(service, event, SERVICE_COLUMNS, at)
    service.save(update_fields=END_FIELDS)
    events = [new_event(service, Event.Kind.SERVICE_END, at, actor, event.payload())]
    for part in (STATE, TASK):  # its active states, then its active tasks
        active = part.model.objects.filter(ACTIVE, service=service).only("id", part.number)
        events += close_active(part, service, list(active), at, actor, "service.end")
    record_events(tenant, events)
    return service


@transaction.atomic(savepoint=False)
def service_associate(*, tenant, service_id: str, customer_id: str, actor) -> Service:
    reject_nul({"customer_id": customer_id})
    if not customer_id or len(customer_id) > 255:
        raise ValidationFailed.from_errors({"customer_id": ["must be 1 to 255 characters"]})
    service = locked_service(tenant, service_id)
    service.customer_id = customer_id
    service.save(update_fields=["customer_id"])
    return service


@transaction.atomic(savepoint=False)
def service_set_expiry(*, tenant, service_id: str, body, actor) -> Service:
    """`{"ttl": s}` or `{"expiration_time": "..."}`; ttl wins when both are given."""
    body = require_object(body)
    if "ttl" not in body and "expiration_time" not in body:
        raise ValidationFailed.from_errors({"ttl": ["give ttl (seconds) or expiration_time"]})
    event = parse_event({k: body[k] for k in ("ttl", "expiration_time") if k in body})
    service = locked_service(tenant, service_id)
    service.expires_at = event.expires_at
    service.save(update_fields=["expires_at"])
    return service


@transaction.atomic(savepoint=False)
def service_set_extension(*, tenant, service_id: str, name: str, value, actor) -> Service:
    check_extension(name, value)
    service = locked_service(tenant, service_id)
    service.extensions = {**service.extensions, name: value}
    service.save(update_fields=["extensions"])
    return service


@transaction.atomic(savepoint=False)
def service_delete(*, tenant, service_id: str, actor) -> None:
    service = live_services(tenant).filter(service_id=service_id).only("id").first()
    if service is None:
        raise ServiceNotFoundForDelete(f"There are no service found for : {echo(service_id)}")
    delete_service_rows([service.pk])


def delete_service_rows(ids: list[int]) -> dict[str, int]:
    """Remove services with their events, tasks and states: four set-based DELETEs by service
    id (children first, the foreign keys are DO_NOTHING). Returns how many of each went."""
    ids = list(ids)
    if not ids:
        return {"services": 0, "states": 0, "tasks": 0, "events": 0}
    with transaction.atomic():
        events = Event.objects.filter(service_id__in=ids).delete()[0]
        tasks = Task.objects.filter(service_id__in=ids).delete()[0]
        states = State.objects.filter(service_id__in=ids).delete()[0]
        services = Service.objects.filter(pk__in=ids).delete()[0]
    return {"services": services, "states": states, "tasks": tasks, "events": events}
