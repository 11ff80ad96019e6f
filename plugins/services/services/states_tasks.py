"""The writes of states and tasks (spec §5), written once: a state and a task are built, started,
ended and given an extension alike. Where the contract makes them differ it says so here: a task
may name its state (which must be active), ending a state ends its active tasks, and only a
state can be transitioned."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from csadmin.pluginlib import ValidationFailed
from plugins.services.attributes import resolve_events
from plugins.services.events import ParsedEvent, parse_event, require_object
from plugins.services.models import ACTIVE, Event, State, Task
from plugins.services.selectors import get_state, get_task
from plugins.services.services.common import (
    active_service,
    apply_end,
    check_extension,
    event_data,
    locked_service,
    new_event,
    record_events,
)

# Fields kept in columns of the row; every other field and the attached data go into the
# event's `started` / `completed` object.
STATE_COLUMNS = ("state_type", "est_duration", "disposition", "disposition_desc")
TASK_COLUMNS = ("task_type", "state_id", "est_duration", "disposition", "disposition_desc")
END_FIELDS = ["completed_at", "completed_data", "disposition", "disposition_desc"]


@dataclass(frozen=True)
class Part:
    """A state or a task: what tells one from the other where they are written alike."""

    name: str  # "state" or "task"
    model: type[State] | type[Task]
    columns: tuple[str, ...]
    start_kind: str
    end_kind: str
    get: Callable  # (service, number) -> the row, 404 when unknown

    @property
    def number(self) -> str:
        """The field of its number within the service: state_id or task_id."""
        return f"{self.name}_id"

    def build(self, service, number: int, event: ParsedEvent, at, **extra):
        """A new row, started at `at` by `event`; `extra`: a task's state_id."""
        type_field = f"{self.name}_type"
        return self.model(
            service=service,
            **{self.number: number, type_field: event.get(type_field, "")},
            **extra,
            started_at=at,
            est_duration=event.get("est_duration"),
            disposition=event.get("disposition", ""),
            disposition_desc=event.get("disposition_desc", ""),
            started_data=event_data(event, self.columns),
        )

    def event(self, service, kind: str, at, actor, payload: dict, number: int) -> Event:
        return new_event(service, kind, at, actor, payload, **{self.number: number})


STATE = Part("state", State, STATE_COLUMNS, Event.Kind.STATE_START, Event.Kind.STATE_END, get_state)
TASK = Part("task", Task, TASK_COLUMNS, Event.Kind.TASK_START, Event.Kind.TASK_END, get_task)


def close_active(part: Part, service, rows, at, actor, cause: str) -> list[Event]:
    """End these active rows in one UPDATE; their end events say what ended them."""
    ids = [row.pk for row in rows]
    if not ids:
        return []
    part.model.objects.filter(pk__in=ids).update(
        completed_at=at, completed_data={"ended_by": cause}
    )
    number = part.number
    return [
        part.event(service, part.end_kind, at, actor, {"ended_by": cause}, getattr(row, number))
        for row in rows
    ]


def _start(part: Part, *, tenant, service_id: str, event: ParsedEvent, actor, state_id=None):
    """Start a state or a task on an active service; a task may name its state (`state_id`),
    which must be active too."""
    resolve_events(tenant, [("", event)])
    service = active_service(tenant, service_id, f"start a {part.name}", counting=part.name)
    if state_id is not None:
        state = get_state(service, state_id)
        if not state.is_active:
            raise ValidationFailed.from_errors(
                {"state_id": [f"state {state_id} is ended: cannot start a task on it"]}
            )
    at = timezone.now()
    extra = {"state_id": state_id} if part is TASK else {}
    row = part.build(service, getattr(service, f"last_{part.name}_id"), event, at, **extra)
    row.save()
    payload = {**event.payload(), **({"state_id": state_id} if state_id is not None else {})}
    number = getattr(row, part.number)
    record_events(tenant, [part.event(service, part.start_kind, at, actor, payload, number)])
    return row


def _end_row(part: Part, service, row, event: ParsedEvent, at, actor) -> list[Event]:
    """End one row; ending a state ends its active tasks, whose end events are answered."""
    number = getattr(row, part.number)
    if not row.is_active:
        raise ValidationFailed.from_errors(
            {
                part.number: [
                    f"{part.name} {number} of service {service.service_id} is already ended"
                ]
            }
        )
    apply_end(row, event, part.columns, at)
    row.save(update_fields=END_FIELDS)
    if part is not STATE:
        return []
    tasks = Task.objects.filter(ACTIVE, service=service, state_id=number).only("id", "task_id")
    return close_active(TASK, service, list(tasks), at, actor, "state.end")


def _end(part: Part, *, tenant, service_id: str, number: int, body, actor):
    event = parse_event(body)
    resolve_events(tenant, [("", event)])
    service = locked_service(tenant, service_id)
    row = part.get(service, number)
    at = timezone.now()
    events = [part.event(service, part.end_kind, at, actor, event.payload(), number)]
    events += _end_row(part, service, row, event, at, actor)
    record_events(tenant, events)
    return row


def _set_extension(part: Part, *, tenant, service_id: str, number: int, name: str, value):
    check_extension(name, value)
    service = locked_service(tenant, service_id)
    row = part.get(service, number)
    row.extensions = {**row.extensions, name: value}
    row.save(update_fields=["extensions"])
    return row


# -- states ----------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def state_start(*, tenant, service_id: str, body, actor) -> State:
    event = parse_event(body, required=("state_type",))
    return _start(STATE, tenant=tenant, service_id=service_id, event=event, actor=actor)


@transaction.atomic(savepoint=False)
def state_end(*, tenant, service_id: str, state_id: int, body, actor) -> State:
    """End a state and its active tasks."""
    return _end(
        STATE, tenant=tenant, service_id=service_id, number=state_id, body=body, actor=actor
    )


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
    service = active_service(tenant, service_id, "transition a state", counting="state")
    source_state = State.objects.filter(service=service, state_id=from_id).first()
    if source_state is None:
        raise ValidationFailed.from_errors(
            {"from.state_id": [f"service {service_id} has no state {from_id}"]}
        )
    at = timezone.now()
    events = _end_row(STATE, service, source_state, end_event, at, actor)
    state = STATE.build(service, service.last_state_id, start_event, at)
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
    return _set_extension(
        STATE, tenant=tenant, service_id=service_id, number=state_id, name=name, value=value
    )


# -- tasks -----------------------------------------------------------------------------------


@transaction.atomic(savepoint=False)
def task_start(*, tenant, service_id: str, body, actor) -> Task:
    body = require_object(body)
    state_id = body.get("state_id")
    if state_id is not None and (isinstance(state_id, bool) or not isinstance(state_id, int)):
        raise ValidationFailed.from_errors({"state_id": ["must be an integer"]})
    event = parse_event({k: v for k, v in body.items() if k != "state_id"}, required=("task_type",))
    return _start(
        TASK, tenant=tenant, service_id=service_id, event=event, actor=actor, state_id=state_id
    )


@transaction.atomic(savepoint=False)
def task_end(*, tenant, service_id: str, task_id: int, body, actor) -> Task:
    return _end(TASK, tenant=tenant, service_id=service_id, number=task_id, body=body, actor=actor)


@transaction.atomic(savepoint=False)
def task_set_extension(*, tenant, service_id: str, task_id: int, name: str, value, actor):
    return _set_extension(
        TASK, tenant=tenant, service_id=service_id, number=task_id, name=name, value=value
    )
