"""The JSON shape of services, states and tasks (spec §4, §5), built as plain dicts: lists of
thousands of services are serialized here, and plain dicts are several times faster than
serializer classes (the OpenAPI shapes live in api/serializers.py)."""

from __future__ import annotations

from plugins.services.events import duration_ms, iso
from plugins.services.selectors import NO_NESTED, Nested


def _timing(row) -> dict:
    body = {"started": {"timestamp": iso(row.started_at), **(row.started_data or {})}}
    if row.completed_at is not None:
        body["completed"] = {"timestamp": iso(row.completed_at), **(row.completed_data or {})}
        body["duration"] = duration_ms(row.started_at, row.completed_at)
    return body


def _common(row) -> dict:
    body = {
        "est_duration": row.est_duration,
        "disposition": row.disposition or None,
        "disposition_desc": row.disposition_desc or None,
        **_timing(row),
    }
    if row.extensions:
        body["extensions"] = row.extensions
    return body


def state_dict(state) -> dict:
    return {"state_id": state.state_id, "state_type": state.state_type, **_common(state)}


def full_service_dict(service, states, tasks) -> dict:
    """A service with all its states and tasks, as the maintenance stream's full content
    writes it (spec §6): the service's representation and its four nested lists."""
    body = service_dict(service)
    body["active_states"] = [state_dict(s) for s in states if s.completed_at is None]
    body["completed_states"] = [state_dict(s) for s in states if s.completed_at is not None]
    body["active_tasks"] = [task_dict(t) for t in tasks if t.completed_at is None]
    body["completed_tasks"] = [task_dict(t) for t in tasks if t.completed_at is not None]
    return body


def task_dict(task) -> dict:
    return {
        "task_id": task.task_id,
        "task_type": task.task_type,
        "state_id": task.state_id,
        **_common(task),
    }


def service_dict(service, nested: Nested = NO_NESTED) -> dict:
    body = {
        "service_id": service.service_id,
        "service_type": service.service_type,
        "customer_id": service.customer_id,
        "contact_key": service.contact_key or None,
        **_common(service),
    }
    if service.expires_at is not None:
        body["expiration_time"] = iso(service.expires_at)
    if nested.states:
        states = service.nested_states  # loaded by selectors.load_nested, filtered by the flags
        if nested.active_states:
            body["active_states"] = [state_dict(s) for s in states if s.completed_at is None]
        if nested.completed_states:
            body["completed_states"] = [state_dict(s) for s in states if s.completed_at]
    if nested.tasks:
        tasks = service.nested_tasks
        if nested.active_tasks:
            body["active_tasks"] = [task_dict(t) for t in tasks if t.completed_at is None]
        if nested.completed_tasks:
            body["completed_tasks"] = [task_dict(t) for t in tasks if t.completed_at]
    return body


def event_document(event) -> dict:
    """A recorded event as other plug-ins receive it (event delivery): what happened, to which
    service, state or task, when, and the event's body as it was sent."""
    service = event.service
    return {
        "event_id": event.pk,
        "kind": event.kind,
        "timestamp": iso(event.at),
        "service_id": service.service_id,
        "service_type": service.service_type,
        "customer_id": service.customer_id,
        "contact_key": service.contact_key or None,
        "state_id": event.state_id,
        "task_id": event.task_id,
        "actor": event.actor,
        "data": event.payload,
    }
