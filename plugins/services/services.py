"""Every write of the services plug-in. Each function is one transaction; the API, the pages,
the demo and (later) the maintenance jobs call these, so a rule lives in one place.

Concurrency: a write on a service first locks its row (SELECT ... FOR UPDATE), so two ends, or
an end and a state start, run one after the other and the second sees the first's result.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from csadmin.pluginlib import (
    ConflictError,
    DomainError,
    NotFoundError,
    ValidationFailed,
    events_recorded,
    name_problems,
    record_audit,
)
from csadmin.pluginlib.storable import echo
from plugins.services.attributes import ATTRIBUTES, resolve_events
from plugins.services.events import (
    CONTROL_CHARACTERS,
    NO_CONTROL_CHARACTERS,
    ParsedEvent,
    parse_event,
    reject_nul,
    require_object,
)
from plugins.services.models import (
    ACTIVE,
    BusinessAttribute,
    BusinessAttributeValue,
    Event,
    Service,
    State,
    Task,
)
from plugins.services.representation import event_document
from plugins.services.selectors import get_state, get_task, live_services

PLUGIN = "services"
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
STATE_COLUMNS = ("state_type", "est_duration", "disposition", "disposition_desc")
TASK_COLUMNS = ("task_type", "state_id", "est_duration", "disposition", "disposition_desc")
MAX_NESTED = 1000


class ServiceNotFoundForDelete(DomainError):
    """CS answers a delete of an unknown service with 400, not 404 (spec §1)."""

    status_code = 400
    exception_name = "NotFoundException"


# -- helpers ---------------------------------------------------------------------------------


def actor_name(actor) -> str:
    if actor is None:
        return "system"
    return (getattr(actor, "get_username", lambda: str(actor))() or "system")[:150]


def event_data(event: ParsedEvent, columns: Iterable[str]) -> dict:
    data = {k: v for k, v in event.fields.items() if k not in columns}
    data.update(event.attached)
    return data


def locked_service(tenant, service_id: str, *, counting: str | None = None) -> Service:
    """The live service, its row locked until the end of the transaction; 404 when unknown.
    counting="state" or "task" also advances last_state_id / last_task_id: one UPDATE that
    locks the row as SELECT ... FOR UPDATE would (a refusal after it rolls it back)."""
    from django.db import connection

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [tenant.pk, service_id, now]
    returning = connection.features.can_return_columns_from_insert
    sql = _lock_sql(
        counting if returning else None,
        connection.features.has_select_for_update,
        connection.vendor,
    )
    service = next(iter(Service.objects.raw(sql, params)), None)
    if service is None:
        raise NotFoundError(f"service {echo(service_id)} not found")
    if counting and not returning:  # SQLite before 3.35: no UPDATE ... RETURNING
        counter = f"last_{counting}_id"
        model = State if counting == "state" else Task
        highest = model.objects.filter(service=service).aggregate(n=Max(f"{counting}_id"))["n"]
        setattr(service, counter, max(getattr(service, counter), highest or 0) + 1)
        service.save(update_fields=[counter])
    return service


@functools.cache
def _lock_sql(counting: str | None, for_update: bool, vendor: str) -> str:
    """The lock of a live service, written once: it starts nearly every write, and building
    it through the ORM cost more than running it. Same rows as selectors.live_services.

    Counting: the next state or task number is one more than the greater of the service's
    counter and its highest stored number, so numbers written by an import (which leaves the
    counters alone: rewriting every imported service row cost more than the import itself)
    are never handed out again."""
    columns = ", ".join(f.column for f in Service._meta.concrete_fields)
    table = Service._meta.db_table
    live = "tenant_id = %s AND service_id = %s AND (expires_at IS NULL OR expires_at > %s)"
    # S608: the names come from the model; the values are parameters
    if counting:
        counter = f"last_{counting}_id"
        child = (State if counting == "state" else Task)._meta.db_table
        highest = (
            f"(SELECT COALESCE(MAX(c.{counting}_id), 0) FROM {child} c "  # noqa: S608
            f"WHERE c.service_id = {table}.id)"
        )
        greater = "GREATEST" if vendor == "postgresql" else "MAX"  # SQLite's scalar max
        return (
            f"UPDATE {table} SET {counter} = {greater}({counter}, {highest}) + 1 "  # noqa: S608
            f"WHERE {live} RETURNING {columns}"
        )
    lock = " FOR UPDATE" if for_update else ""
    return f"SELECT {columns} FROM {table} WHERE {live}{lock}"  # noqa: S608


def new_event(service, kind, at, actor, payload, state_id=None, task_id=None) -> Event:
    return Event(
        tenant_id=service.tenant_id,
        service=service,
        kind=kind,
        state_id=state_id,
        task_id=task_id,
        at=at,
        actor=actor_name(actor),
        payload=payload,
    )


def record_events(tenant, events: list[Event]) -> None:
    """Store new events and announce them to the plug-ins that listen (event delivery), inside
    the caller's transaction: a rolled-back call announces nothing."""
    if len(events) == 1:
        events[0].save()
    else:
        Event.objects.bulk_create(events)
    if events_recorded.has_listeners():
        events_recorded.send(
            sender=PLUGIN, tenant=tenant, events=[event_document(e) for e in events]
        )


def _apply_end(row, event: ParsedEvent, columns, at) -> None:
    row.completed_at = at
    row.completed_data = event_data(event, columns)
    if event.get("disposition") is not None:
        row.disposition = event.get("disposition")
    if event.get("disposition_desc") is not None:
        row.disposition_desc = event.get("disposition_desc")


def _close_tasks(service, tasks, at, actor, cause: str) -> list[Event]:
    """End these active tasks in one UPDATE; their end events say what ended them."""
    ids = [task.pk for task in tasks]
    if not ids:
        return []
    Task.objects.filter(pk__in=ids).update(completed_at=at, completed_data={"ended_by": cause})
    return [
        new_event(service, Event.Kind.TASK_END, at, actor, {"ended_by": cause}, task_id=t.task_id)
        for t in tasks
    ]


# -- services --------------------------------------------------------------------------------


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
    tasks = []
    for i, item in enumerate(task_bodies):
        item = require_object(item, f"tasks[{i}]")
        index = item.get("state_index")
        if index is not None and (
            isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(states)
        ):
            raise ValidationFailed.from_errors(
                {
                    f"tasks[{i}].state_index": [
                        f"must be an index of states (0 to {len(states) - 1})"
                    ]
                }
            )
        rest = {k: v for k, v in item.items() if k != "state_index"}
        tasks.append((index, parse_event(rest, prefix=f"tasks[{i}].", required=("task_type",))))
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
    state_rows = [_build_state(service, n, e, at) for n, e in enumerate(states, start=1)]
    task_rows = [
        _build_task(service, n, e, None if index is None else index + 1, at)
        for n, (index, e) in enumerate(tasks, start=1)
    ]
    State.objects.bulk_create(state_rows)
    Task.objects.bulk_create(task_rows)
    events += [
        new_event(service, Event.Kind.STATE_START, at, actor, e.payload(), state_id=n)
        for n, e in enumerate(states, start=1)
    ]
    events += [
        new_event(service, Event.Kind.TASK_START, at, actor, e.payload(), task_id=n)
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
    _apply_end(service, event, SERVICE_COLUMNS, at)
    service.save(
        update_fields=["completed_at", "completed_data", "disposition", "disposition_desc"]
    )
    events = [new_event(service, Event.Kind.SERVICE_END, at, actor, event.payload())]
    states = list(State.objects.filter(ACTIVE, service=service).only("id", "state_id"))
    State.objects.filter(pk__in=[s.pk for s in states]).update(
        completed_at=at, completed_data={"ended_by": "service.end"}
    )
    events += [
        new_event(
            service,
            Event.Kind.STATE_END,
            at,
            actor,
            {"ended_by": "service.end"},
            state_id=s.state_id,
        )
        for s in states
    ]
    tasks = list(Task.objects.filter(ACTIVE, service=service).only("id", "task_id"))
    events += _close_tasks(service, tasks, at, actor, "service.end")
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


def check_extension(name: str, value) -> None:
    """A deprecated extension PUT (spec §4, §5): the name follows the rule of names (§2), the
    value is a JSON object, as every body is."""
    errors = {}
    if problems := name_problems(name):
        errors["name"] = problems
    if not isinstance(value, dict):
        errors["body"] = ["must be a JSON object"]
    if errors:
        raise ValidationFailed.from_errors(errors)
    reject_nul({name: value})


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


# -- states ----------------------------------------------------------------------------------


def _build_state(service, number: int, event: ParsedEvent, at) -> State:
    return State(
        service=service,
        state_id=number,
        state_type=event.get("state_type", ""),
        started_at=at,
        est_duration=event.get("est_duration"),
        disposition=event.get("disposition", ""),
        disposition_desc=event.get("disposition_desc", ""),
        started_data=event_data(event, STATE_COLUMNS),
    )


def _active_service(tenant, service_id: str, doing: str, counting: str | None = None) -> Service:
    service = locked_service(tenant, service_id, counting=counting)
    if not service.is_active:
        raise ValidationFailed.from_errors(
            {"service_id": [f"service {echo(service_id)} is ended: cannot {doing}"]}
        )
    return service


@transaction.atomic(savepoint=False)
def state_start(*, tenant, service_id: str, body, actor) -> State:
    event = parse_event(body, required=("state_type",))
    resolve_events(tenant, [("", event)])
    service = _active_service(tenant, service_id, "start a state", counting="state")
    at = timezone.now()
    state = _build_state(service, service.last_state_id, event, at)
    state.save()
    record_events(
        tenant,
        [
            new_event(
                service, Event.Kind.STATE_START, at, actor, event.payload(), state_id=state.state_id
            )
        ],
    )
    return state


def _end_state(service, state: State, event: ParsedEvent, at, actor) -> list[Event]:
    if not state.is_active:
        raise ValidationFailed.from_errors(
            {
                "state_id": [
                    f"state {state.state_id} of service {service.service_id} is already ended"
                ]
            }
        )
    _apply_end(state, event, STATE_COLUMNS, at)
    state.save(update_fields=["completed_at", "completed_data", "disposition", "disposition_desc"])
    tasks = list(
        Task.objects.filter(ACTIVE, service=service, state_id=state.state_id).only("id", "task_id")
    )
    return _close_tasks(service, tasks, at, actor, "state.end")


@transaction.atomic(savepoint=False)
def state_end(*, tenant, service_id: str, state_id: int, body, actor) -> State:
    """End a state and its active tasks."""
    event = parse_event(body)
    resolve_events(tenant, [("", event)])
    service = locked_service(tenant, service_id)
    state = get_state(service, state_id)
    at = timezone.now()
    events = [
        new_event(service, Event.Kind.STATE_END, at, actor, event.payload(), state_id=state_id)
    ]
    events += _end_state(service, state, event, at, actor)
    record_events(tenant, events)
    return state


@transaction.atomic(savepoint=False)
def state_transition(*, tenant, service_id: str, body, actor) -> State:
    """End `from` and start `to` atomically; the common fields belong to both events."""
    body = require_object(body)
    source = require_object(body.get("from"), "from")
    target = require_object(body.get("to"), "to")
    from_id = source.get("state_id")
    if isinstance(from_id, bool) or not isinstance(from_id, int):
        raise ValidationFailed.from_errors({"from.state_id": ["is required, an integer"]})
    common = parse_event({k: v for k, v in body.items() if k not in ("from", "to")})
    end_event = parse_event({k: v for k, v in source.items() if k != "state_id"}, prefix="from.")
    start_event = parse_event(target, prefix="to.", required=("state_type",))
    resolve_events(tenant, [("", common), ("from.", end_event), ("to.", start_event)])
    end_event = _merged(common, end_event)
    start_event = _merged(common, start_event)
    service = _active_service(tenant, service_id, "transition a state", counting="state")
    source_state = State.objects.filter(service=service, state_id=from_id).first()
    if source_state is None:
        raise ValidationFailed.from_errors(
            {"from.state_id": [f"service {service_id} has no state {from_id}"]}
        )
    at = timezone.now()
    events = _end_state(service, source_state, end_event, at, actor)
    state = _build_state(service, service.last_state_id, start_event, at)
    state.save()
    payload = {**common.payload(), "from": source, "to": target}
    events.append(
        new_event(service, Event.Kind.STATE_TRANSITION, at, actor, payload, state_id=state.state_id)
    )
    record_events(tenant, events)
    return state


def _merged(common: ParsedEvent, own: ParsedEvent) -> ParsedEvent:
    return ParsedEvent(
        fields={**common.fields, **own.fields},
        attached={**common.attached, **own.attached},
    )


@transaction.atomic(savepoint=False)
def state_set_extension(*, tenant, service_id: str, state_id: int, name: str, value, actor):
    check_extension(name, value)
    service = locked_service(tenant, service_id)
    state = get_state(service, state_id)
    state.extensions = {**state.extensions, name: value}
    state.save(update_fields=["extensions"])
    return state


# -- tasks -----------------------------------------------------------------------------------


def _build_task(service, number: int, event: ParsedEvent, state_id, at) -> Task:
    return Task(
        service=service,
        task_id=number,
        state_id=state_id,
        task_type=event.get("task_type", ""),
        started_at=at,
        est_duration=event.get("est_duration"),
        disposition=event.get("disposition", ""),
        disposition_desc=event.get("disposition_desc", ""),
        started_data=event_data(event, TASK_COLUMNS),
    )


@transaction.atomic(savepoint=False)
def task_start(*, tenant, service_id: str, body, actor) -> Task:
    body = require_object(body)
    state_id = body.get("state_id")
    if state_id is not None and (isinstance(state_id, bool) or not isinstance(state_id, int)):
        raise ValidationFailed.from_errors({"state_id": ["must be an integer"]})
    event = parse_event({k: v for k, v in body.items() if k != "state_id"}, required=("task_type",))
    resolve_events(tenant, [("", event)])
    service = _active_service(tenant, service_id, "start a task", counting="task")
    if state_id is not None:
        state = get_state(service, state_id)
        if not state.is_active:
            raise ValidationFailed.from_errors(
                {"state_id": [f"state {state_id} is ended: cannot start a task on it"]}
            )
    at = timezone.now()
    task = _build_task(service, service.last_task_id, event, state_id, at)
    task.save()
    payload = {**event.payload(), **({"state_id": state_id} if state_id is not None else {})}
    record_events(
        tenant,
        [new_event(service, Event.Kind.TASK_START, at, actor, payload, task_id=task.task_id)],
    )
    return task


@transaction.atomic(savepoint=False)
def task_end(*, tenant, service_id: str, task_id: int, body, actor) -> Task:
    event = parse_event(body)
    resolve_events(tenant, [("", event)])
    service = locked_service(tenant, service_id)
    task = get_task(service, task_id)
    if not task.is_active:
        raise ValidationFailed.from_errors(
            {"task_id": [f"task {task_id} of service {service_id} is already ended"]}
        )
    at = timezone.now()
    _apply_end(task, event, TASK_COLUMNS, at)
    task.save(update_fields=["completed_at", "completed_data", "disposition", "disposition_desc"])
    record_events(
        tenant,
        [new_event(service, Event.Kind.TASK_END, at, actor, event.payload(), task_id=task_id)],
    )
    return task


@transaction.atomic(savepoint=False)
def task_set_extension(*, tenant, service_id: str, task_id: int, name: str, value, actor):
    check_extension(name, value)
    service = locked_service(tenant, service_id)
    task = get_task(service, task_id)
    task.extensions = {**task.extensions, name: value}
    task.save(update_fields=["extensions"])
    return task


# -- business attributes ---------------------------------------------------------------------


def _attribute(tenant, name: str) -> BusinessAttribute:
    if name not in ATTRIBUTES:
        raise NotFoundError(f"business attribute {echo(name)} not found")
    display_name, description = ATTRIBUTES[name]
    attribute, _ = BusinessAttribute.objects.get_or_create(
        tenant=tenant,
        name=name,
        defaults={"display_name": display_name, "description": description},
    )
    return attribute


def _snapshot(value: BusinessAttributeValue) -> dict:
    return {
        "id": value.pk,
        "name": value.name,
        "display_name": value.display_name,
        "description": value.description,
    }


def _check_value_fields(name: str, display_name: str, description: str) -> None:
    reject_nul({"name": name, "display_name": display_name, "description": description})
    errors = {}
    if not name.strip():
        errors["name"] = ["is required"]
    elif len(name) > 255:
        errors["name"] = ["must be at most 255 characters"]
    elif name.strip().isdigit():
        errors["name"] = ["must not be a number (numbers are value ids)"]
    elif CONTROL_CHARACTERS.search(name):
        errors["name"] = [NO_CONTROL_CHARACTERS]
    if len(display_name) > 255:
        errors["display_name"] = ["must be at most 255 characters"]
    if len(description) > 1000:
        errors["description"] = ["must be at most 1000 characters"]
    if errors:
        raise ValidationFailed.from_errors(errors)


@transaction.atomic
def business_value_add(
    *, tenant, attribute: str, name: str, display_name: str = "", description: str = "", actor
) -> BusinessAttributeValue:
    name = name.strip()
    _check_value_fields(name, display_name, description)
    row = _attribute(tenant, attribute)
    try:
        with transaction.atomic():
            value = BusinessAttributeValue.objects.create(
                attribute=row, name=name, display_name=display_name, description=description
            )
    except IntegrityError:
        raise ConflictError(
            f"name: {attribute} already has a value {name}", errors={"name": ["already exists"]}
        ) from None
    record_audit(
        tenant=tenant,
        actor=actor,
        plugin=PLUGIN,
        action="create",
        object_type="business attribute value",
        object_id=f"{attribute}/{value.pk}",
        after=_snapshot(value),
    )
    return value


def _value(tenant, value_id: int) -> BusinessAttributeValue:
    value = (
        BusinessAttributeValue.objects.select_related("attribute")
        .filter(attribute__tenant=tenant, pk=value_id)
        .first()
    )
    if value is None:
        raise NotFoundError(f"business attribute value {value_id} not found")
    return value


@transaction.atomic
def business_value_update(
    *, tenant, value_id: int, name: str, display_name: str, description: str, actor
) -> BusinessAttributeValue:
    """Rename or describe a value. Services keep the name they were given (as CS does)."""
    name = name.strip()
    _check_value_fields(name, display_name, description)
    value = _value(tenant, value_id)
    before = _snapshot(value)
    value.name, value.display_name, value.description = name, display_name, description
    try:
        with transaction.atomic():
            value.save()
    except IntegrityError:
        raise ConflictError(
            f"name: {value.attribute.name} already has a value {name}",
            errors={"name": ["already exists"]},
        ) from None
    record_audit(
        tenant=tenant,
        actor=actor,
        plugin=PLUGIN,
        action="update",
        object_type="business attribute value",
        object_id=f"{value.attribute.name}/{value.pk}",
        before=before,
        after=_snapshot(value),
    )
    return value


@transaction.atomic
def business_value_remove(*, tenant, value_id: int, actor) -> None:
    value = _value(tenant, value_id)
    before = _snapshot(value)
    value.delete()
    record_audit(
        tenant=tenant,
        actor=actor,
        plugin=PLUGIN,
        action="delete",
        object_type="business attribute value",
        object_id=f"{value.attribute.name}/{before['id']}",
        before=before,
    )


# -- for the maintenance plug-in: batched purge, and the bulk import of exported rows ---------
# Added for plugins/maintenance. The purge deletes one batch of ids per short transaction; the
# import validates rows with the API's own rules (parse_event, business attribute values) and
# inserts a batch set-based: COPY on PostgreSQL, bulk_create elsewhere. Re-importing a row that
# is already there (a service by its service_id, a state or task by its number) adds nothing.

from plugins.services.events import (  # noqa: E402 (imported beside the section using them)
    ATTRIBUTE_FIELDS,
    DEFAULT_TEXT_LIMIT,
    LIMITS,
    MAX_DURATION,
    has_nul,
    utc_timestamp,
)

IMPORT_SERVICE_FIELDS = (
    "service_type",
    "customer_id",
    "contact_key",
    "est_duration",
    "disposition",
    "disposition_desc",
    "expiration_time",
)
IMPORT_CHILD_FIELDS = ("est_duration", "disposition", "disposition_desc")
MAX_SERVICE_ID_LENGTH = 64


# On PostgreSQL a batch is four statements with the ids as one array parameter; the
# service rows go first (RETURNING only the tenant's own), the foreign keys are deferred.
# The ids come from a tenant-filtered selection; the tenant is checked again on each row, as
# `tenant_id + 0` so the planner always goes by primary key: right after a large import the
# statistics still see the tenant as tiny, and a plain `tenant_id = %s` then sent the DELETE
# through the tenant index, reading the whole tenant for each batch (3x slower).
PURGE_SERVICES_SQL = (
    "DELETE FROM services_service WHERE id = ANY(%s) AND tenant_id + 0 = %s RETURNING id"
)
PURGE_CHILDREN_SQL = {
    "events": "DELETE FROM services_event WHERE service_id = ANY(%s)",
    "tasks": "DELETE FROM services_task WHERE service_id = ANY(%s)",
    "states": "DELETE FROM services_state WHERE service_id = ANY(%s)",
}


def purge_batch(tenant, ids) -> dict[str, int]:
    """Delete one batch of services of `tenant` with their events, tasks and states in one
    short transaction; answer how many of each went. Ids of another tenant are ignored."""
    from django.db import connection

    ids = list(ids)
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(PURGE_SERVICES_SQL, [ids, tenant.pk])
            own = [row[0] for row in cursor.fetchall()]
            counts = {"services": len(own)}
            for name, sql in PURGE_CHILDREN_SQL.items():
                cursor.execute(sql, [own])
                counts[name] = cursor.rowcount
        return counts
    with transaction.atomic():
        own = list(Service.objects.filter(tenant=tenant, pk__in=ids).values_list("pk", flat=True))
        return delete_service_rows(own)


class RowProblems(Exception):
    """One import row broke rules: `problems` is a list of (field, reason)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))
        self.problems = problems


def _problems_of(error: ValidationFailed) -> list[tuple[str, str]]:
    return [
        (field, reason) for field, reasons in (error.errors or {}).items() for reason in reasons
    ]


def _timestamp(row: dict, name: str, required: bool, problems: list):
    from plugins.services.events import parse_timestamp

    value = row.get(name)
    if value in (None, ""):
        if required:
            problems.append((name, "is required"))
        return None
    parsed = parse_timestamp(value) if isinstance(value, str) else None
    if parsed is None:
        problems.append((name, "must be an ISO-8601 timestamp, e.g. 2026-11-29T10:15:00.000Z"))
    return parsed


def _json_object_field(row: dict, name: str, problems: list, *, nullable: bool):
    value = row.get(name)
    if value is None:
        return None if nullable else {}
    if not isinstance(value, dict):
        problems.append((name, "must be a JSON object"))
        return None
    if has_nul(value):
        problems.append((name, "must not contain the NUL character"))
        return None
    return value


def _positive_int(row: dict, name: str, problems: list, *, required: bool):
    value = row.get(name)
    if value is None:
        if required:
            problems.append((name, "is required"))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append((name, "must be a positive integer"))
        return None
    return value


def _import_event(row: dict, fields, required: tuple[str, ...], known, problems: list):
    """The API's own rules on the event fields of a row, and the attribute values by name."""
    from plugins.services.attributes import resolve
    from plugins.services.events import ATTRIBUTE_FIELDS

    try:
        event = parse_event({k: row.get(k) for k in fields if k in row}, required=required)
    except ValidationFailed as error:
        problems.extend(_problems_of(error))
        return None
    for name in [n for n in event.fields if n in ATTRIBUTE_FIELDS]:
        resolved = resolve(event.fields[name], ATTRIBUTE_FIELDS[name], known)
        if resolved is None:
            problems.append(
                (
                    name,
                    f"{event.fields[name]!s} is not a value of business attribute "
                    f"{ATTRIBUTE_FIELDS[name]}",
                )
            )
        else:
            event.fields[name] = resolved
    return event


def _timing_fields(row: dict, problems: list) -> dict:
    started = _timestamp(row, "started", True, problems)
    completed = _timestamp(row, "completed", False, problems)
    if started and completed and completed < started:
        problems.append(("completed", "must not be before started"))
    return {
        "started_at": started,
        "completed_at": completed,
        "started_data": _json_object_field(row, "started_data", problems, nullable=False),
        "completed_data": _json_object_field(row, "completed_data", problems, nullable=True),
        "extensions": _json_object_field(row, "extensions", problems, nullable=False),
    }


def import_known_values(tenant) -> dict:
    """The tenant's business attribute values, read once per import batch."""
    from plugins.services.attributes import known_values
    from plugins.services.events import ATTRIBUTE_FIELDS

    return known_values(tenant, set(ATTRIBUTE_FIELDS.values()))


def import_service_row(tenant, row, known) -> dict:
    """The column values of a Service from one exported row (plain values: building model
    objects would cost more than the insert), or RowProblems naming every broken rule."""
    return _plain_service(tenant, row, known) or _checked_service_row(tenant, row, known)


def _checked_service_row(tenant, row, known) -> dict:
    if not isinstance(row, dict):
        raise RowProblems([("row", "must be a JSON object")])
    problems: list[tuple[str, str]] = []
    service_id = row.get("service_id")
    if not isinstance(service_id, str) or not service_id.strip():
        problems.append(("service_id", "is required"))
    elif len(service_id) > MAX_SERVICE_ID_LENGTH:
        problems.append(("service_id", f"must be at most {MAX_SERVICE_ID_LENGTH} characters"))
    elif has_nul(service_id):
        problems.append(("service_id", "must not contain the NUL character"))
    event = _import_event(row, IMPORT_SERVICE_FIELDS, ("service_type",), known, problems)
    timing = _timing_fields(row, problems)
    if problems:
        raise RowProblems(problems)
    return {
        "tenant_id": tenant.pk,
        "service_id": service_id,
        "service_type": event.get("service_type", ""),
        "customer_id": event.get("customer_id") or None,
        "contact_key": event.get("contact_key", ""),
        "expires_at": event.expires_at,
        "est_duration": event.get("est_duration"),
        "disposition": event.get("disposition", ""),
        "disposition_desc": event.get("disposition_desc", ""),
        "last_state_id": 0,
        "last_task_id": 0,
        **timing,
    }


def _import_child(row, known, kind: str):
    if not isinstance(row, dict):
        raise RowProblems([("row", "must be a JSON object")])
    problems: list[tuple[str, str]] = []
    if not isinstance(row.get("service_id"), str) or not row["service_id"]:
        problems.append(("service_id", "is required"))
    elif has_nul(row["service_id"]):
        problems.append(("service_id", "must not contain the NUL character"))
    number = _positive_int(row, f"{kind}_id", problems, required=True)
    state_id = _positive_int(row, "state_id", problems, required=False) if kind == "task" else None
    type_field = f"{kind}_type"
    event = _import_event(row, (type_field, *IMPORT_CHILD_FIELDS), (type_field,), known, problems)
    timing = _timing_fields(row, problems)
    if problems:
        raise RowProblems(problems)
    values = {
        f"{kind}_id": number,
        type_field: event.get(type_field, ""),
        "est_duration": event.get("est_duration"),
        "disposition": event.get("disposition", ""),
        "disposition_desc": event.get("disposition_desc", ""),
        **timing,
    }
    if kind == "task":
        values["state_id"] = state_id
    return row["service_id"], values


def import_state_row(row, known) -> tuple[str, dict]:
    """(service_id, State field values) from one exported row, or RowProblems."""
    return _plain_child(row, known, "state") or _import_child(row, known, "state")


def import_task_row(row, known) -> tuple[str, dict]:
    """(service_id, Task field values) from one exported row, or RowProblems."""
    return _plain_child(row, known, "task") or _import_child(row, known, "task")


# -- the plain row in one pass ----------------------------------------------------------------
# Nearly every imported row is as the exporter wrote it: UTC timestamps, value names the tenant
# knows, no NUL anywhere. For such a row the functions below answer the same values as the full
# checks above in one pass, without their per-field calls, problem lists and ParsedEvent (they
# were half the import's time). Anything else answers None and goes through the full checks,
# which then name its problems: so these may refuse a good row, never accept another value.


def _plain_name(value, known: dict, attribute: str) -> bool:
    """A value name as resolve() keeps it unchanged: the tenant has it, or has no values."""
    if type(value) is not str or value == "" or len(value) > DEFAULT_TEXT_LIMIT:
        return False
    entry = known.get(attribute)
    if entry is None:  # any name, as parse_event takes it
        return CONTROL_CHARACTERS.search(value) is None
    return value in entry["by_name"]


def _plain_text(value, limit: int) -> bool:
    return value is None or (type(value) is str and len(value) <= limit)


def _plain_duration(value) -> bool:
    return value is None or (type(value) is int and 0 <= value <= MAX_DURATION)


def _plain_instant(value):
    """A timestamp as the exporter writes it (UTC), or None."""
    return utc_timestamp(value) if type(value) is str else None


def _plain_timing(row: dict) -> dict | None:
    """_timing_fields of a plain row, or None."""
    started = _plain_instant(row.get("started"))
    completed = row.get("completed")
    if completed == "":
        completed = None
    elif completed is not None:
        completed = _plain_instant(completed)
        if completed is None:
            return None
    if started is None or (completed is not None and completed < started):
        return None
    started_data, completed_data = row.get("started_data"), row.get("completed_data")
    extensions = row.get("extensions")
    for value in (started_data, completed_data, extensions):
        if value is not None and type(value) is not dict:
            return None
    return {
        "started_at": started,
        "completed_at": completed,
        "started_data": {} if started_data is None else started_data,
        "completed_data": completed_data,
        "extensions": {} if extensions is None else extensions,
    }


def _plain_outcome(row: dict, known: dict) -> dict | None:
    """est_duration, disposition and disposition_desc of a plain row, or None."""
    duration, disposition = row.get("est_duration"), row.get("disposition")
    description = row.get("disposition_desc")
    if not _plain_duration(duration) or not _plain_text(description, LIMITS["disposition_desc"]):
        return None
    if disposition is not None and not _plain_name(disposition, known, "Disposition"):
        return None
    return {
        "est_duration": duration,
        "disposition": disposition or "",
        "disposition_desc": description or "",
    }


def _plain_service(tenant, row, known) -> dict | None:
    """import_service_row of a plain row, or None."""
    if type(row) is not dict or has_nul(row):
        return None
    service_id, service_type = row.get("service_id"), row.get("service_type")
    customer_id, contact_key = row.get("customer_id"), row.get("contact_key")
    expiration = row.get("expiration_time")
    expires_at = None if expiration is None else _plain_instant(expiration)
    if (
        type(service_id) is not str
        or not service_id.strip()
        or len(service_id) > MAX_SERVICE_ID_LENGTH
        or not _plain_name(service_type, known, ATTRIBUTE_FIELDS["service_type"])
        or not _plain_text(customer_id, DEFAULT_TEXT_LIMIT)
        or not _plain_text(contact_key, DEFAULT_TEXT_LIMIT)
        or (expiration is not None and expires_at is None)
    ):
        return None
    outcome, timing = _plain_outcome(row, known), _plain_timing(row)
    if outcome is None or timing is None:
        return None
    return {
        "tenant_id": tenant.pk,
        "service_id": service_id,
        "service_type": service_type,
        "customer_id": customer_id or None,
        "contact_key": contact_key or "",
        "expires_at": expires_at,
        **outcome,
        "last_state_id": 0,
        "last_task_id": 0,
        **timing,
    }


def _plain_child(row, known, kind: str) -> tuple[str, dict] | None:
    """_import_child of a plain row, or None."""
    if type(row) is not dict or has_nul(row):
        return None
    number_field, type_field = f"{kind}_id", f"{kind}_type"
    service_id, number = row.get("service_id"), row.get(number_field)
    kind_type, state_id = row.get(type_field), row.get("state_id")
    if (
        type(service_id) is not str
        or not service_id
        or type(number) is not int
        or number < 1
        or not _plain_name(kind_type, known, ATTRIBUTE_FIELDS[type_field])
        or (kind == "task" and state_id is not None and (type(state_id) is not int or state_id < 1))
    ):
        return None
    outcome, timing = _plain_outcome(row, known), _plain_timing(row)
    if outcome is None or timing is None:
        return None
    values = {number_field: number, type_field: kind_type, **outcome, **timing}
    if kind == "task":
        values["state_id"] = state_id
    return service_id, values


def _copy_rows(model, rows: list[dict]) -> None:
    """COPY the rows (column values by attribute name) into the model's table (PostgreSQL,
    psycopg 3): the fastest insert there is. In binary: the server takes timestamps and numbers
    as they are stored rather than parsing their text."""
    import operator

    from django.db import connection, models

    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    values_of = operator.itemgetter(*(f.attname for f in fields))  # one C call per row
    json_at = [n for n, f in enumerate(fields) if isinstance(f, models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    # Each column's type by name (varchar(64) is a varchar); the jsonb fields are written as
    # given, as bytea would be: _jsonb_field() makes them.
    types = [
        "bytea" if n in json_at else f.db_type(connection).split("(")[0]
        for n, f in enumerate(fields)
    ]
    sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, _bytes_in_c(cursor.cursor).copy(sql) as copy:
        copy.set_types(types)
        for row in rows:
            values = list(values_of(row))
            for n in json_at:
                values[n] = _jsonb_field(values[n])
            copy.write_row(values)


JSONB_EMPTY = b"\x01{}"


def _bytes_in_c(cursor):
    """The cursor, its bytea columns written by the bytes dumper (in C): psycopg's dumper for
    the bytea type itself is its DB-API Binary one, in Python (a call per value)."""
    from psycopg.adapt import PyFormat

    cursor.adapters.register_dumper(bytes, cursor.adapters.get_dumper(bytes, PyFormat.BINARY))
    return cursor


def _jsonb_field(value, dumps=json.dumps) -> bytes | None:
    """A jsonb field of a binary COPY: its format version (1) and the JSON text. Built here
    rather than by psycopg's jsonb dumper (a Python call per value); most rows carry empty
    objects, which need no serializing."""
    if value is None:
        return None
    return JSONB_EMPTY if value == {} else b"\x01" + dumps(value).encode()


def _insert(model, rows: list[dict]) -> None:
    from django.db import connection

    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy_rows(model, rows)
    else:
        model.objects.bulk_create([model(**row) for row in rows], batch_size=500)


def import_services_batch(tenant, services: list[dict]) -> int:
    """Insert the services (from import_service_row) whose service_id the tenant does not have
    yet, the first of each id within the batch; one short transaction; answer how many."""
    from plugins.services.selectors import existing_service_ids

    with transaction.atomic():
        existing = existing_service_ids(tenant, {row["service_id"] for row in services})
        fresh, seen = [], set(existing)
        for row in services:
            if row["service_id"] not in seen:
                seen.add(row["service_id"])
                fresh.append(row)
        _insert(Service, fresh)
    return len(fresh)


def refresh_service_statistics() -> None:
    """Call after importing a file of services. PostgreSQL's planner still counts the tenant
    as nearly empty and would look the children's service ids up through the tenant index,
    filtering every service of the tenant for each batch (slower with every batch); fresh
    statistics let it use the (tenant, service_id) index."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE services_service")


# On PostgreSQL the children's bookkeeping runs as two plain statements with the ids as one
# array parameter: the ORM's IN lists of 2,000 placeholders cost more than the COPY itself.
SERVICE_ROW_IDS_SQL = (
    "SELECT service_id, id FROM services_service WHERE tenant_id = %s AND service_id = ANY(%s)"
)
CHILD_NUMBERS_SQL = "SELECT service_id, {number} FROM {table} WHERE service_id = ANY(%s)"


def _children_bookkeeping_pg(tenant, model, kind: str):
    """(row ids of service ids, present (service pk, number) pairs)."""
    from django.db import connection

    number, table = f"{kind}_id", model._meta.db_table

    def row_ids(service_ids) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(SERVICE_ROW_IDS_SQL, [tenant.pk, list(service_ids)])
            return dict(cursor.fetchall())

    def present(pks) -> set:
        with connection.cursor() as cursor:
            cursor.execute(CHILD_NUMBERS_SQL.format(number=number, table=table), [list(pks)])
            return set(cursor.fetchall())

    return row_ids, present


def _children_bookkeeping_orm(tenant, model, kind: str):
    from plugins.services.selectors import service_row_ids

    number = f"{kind}_id"

    def row_ids(service_ids) -> dict[str, int]:
        return service_row_ids(tenant, service_ids)

    def present(pks) -> set:
        return set(model.objects.filter(service_id__in=list(pks)).values_list("service_id", number))

    return row_ids, present


def _import_children(tenant, model, kind: str, rows: list[tuple[int, str, dict]]):
    """Insert states or tasks whose service exists in the tenant and whose number it does not
    have yet; answer (inserted, [(line, service_id) of rows whose service is unknown])."""
    from django.db import connection

    bookkeeping = (
        _children_bookkeeping_pg if connection.vendor == "postgresql" else _children_bookkeeping_orm
    )
    row_ids, present_numbers = bookkeeping(tenant, model, kind)
    number = f"{kind}_id"
    with transaction.atomic():
        pks = row_ids({service_id for _, service_id, _ in rows})
        present = present_numbers(pks.values())
        fresh, unknown = [], []
        for line, service_id, values in rows:
            pk = pks.get(service_id)
            if pk is None:
                unknown.append((line, service_id))
                continue
            key = (pk, values[number])
            if key not in present:
                present.add(key)
                values["service_id"] = pk  # the row's own dict, made by its check
                fresh.append(values)
        # The services' counters stay as they are: the next number the API hands out is past
        # the highest stored one (locked_service).
        _insert(model, fresh)
    return len(fresh), unknown


def import_states_batch(tenant, rows: list[tuple[int, str, dict]]):
    """rows: (line, service_id, values from import_state_row) -> (inserted, unknown services)."""
    return _import_children(tenant, State, "state", rows)


def import_tasks_batch(tenant, rows: list[tuple[int, str, dict]]):
    """rows: (line, service_id, values from import_task_row) -> (inserted, unknown services)."""
    return _import_children(tenant, Task, "task", rows)
