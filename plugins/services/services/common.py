"""What every write of services, states and tasks shares: the lock of a service (and the next
state or task number), the event rows and their announcement, the end of a row, the check of an
extension.

Concurrency: a write on a service first locks its row (SELECT ... FOR UPDATE), so two ends, or
an end and a state start, run one after the other and the second sees the first's result.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from csadmin.pluginlib import (
    NotFoundError,
    ValidationFailed,
    events_recorded,
    name_problems,
)
from csadmin.pluginlib.storable import echo
from plugins.services.events import ParsedEvent, reject_nul
from plugins.services.models import Event, Service, State, Task
from plugins.services.representation import event_document

PLUGIN = "services"


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


def apply_end(row, event: ParsedEvent, columns, at) -> None:
    row.completed_at = at
    row.completed_data = event_data(event, columns)
    if event.get("disposition") is not None:
        row.disposition = event.get("disposition")
    if event.get("disposition_desc") is not None:
        row.disposition_desc = event.get("disposition_desc")


def active_service(tenant, service_id: str, doing: str, counting: str | None = None) -> Service:
    service = locked_service(tenant, service_id, counting=counting)
    if not service.is_active:
        raise ValidationFailed.from_errors(
            {"service_id": [f"service {echo(service_id)} is ended: cannot {doing}"]}
        )
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
