"""Demo data: services of customers C000001..C000050 (active and completed, with states, tasks
and attached data), anonymous services with contact keys, a few expired ones, and business
attribute values. Idempotent: the business values are get-or-create, and the services are made
only when the tenant has no demo service yet (their contact keys start with DEMO_KEY)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from plugins.services import services
from plugins.services.models import (
    BusinessAttribute,
    Event,
    Service,
    State,
    Task,
)

DEMO_KEY = "+1-555-01"
VALUES = {
    "Service.type": ["Sales", "Support", "Billing", "Delivery"],
    "State.type": ["IVR", "Queue", "Talk", "Wrap-up"],
    "Task.type": ["Call", "Callback", "Email", "Survey"],
    "Application.type": ["IVR", "Web", "Mobile", "Desktop"],
    "Media.type": ["voice", "chat", "email"],
    "Resource.type": ["Agent", "Bot"],
    "Disposition": ["Resolved", "Escalated", "Abandoned"],
}


def load_demo(*, tenant, actor) -> str:
    added = _values(tenant, actor)
    if Service.objects.filter(tenant=tenant, contact_key__startswith=DEMO_KEY).exists():
        return f"{added} business values added; services already there"
    made = _customer_services(tenant, actor) + _anonymous_services(tenant, actor)
    return f"{added} business values added, {made} services"


def _values(tenant, actor) -> int:
    added = 0
    for attribute, names in VALUES.items():
        row = BusinessAttribute.objects.filter(tenant=tenant, name=attribute).first()
        existing = set(row.values.values_list("name", flat=True)) if row else set()
        for name in names:
            if name not in existing:
                services.business_value_add(
                    tenant=tenant, attribute=attribute, name=name, display_name=name, actor=actor
                )
                added += 1
    return added


def _place(service, started: dt.datetime, completed: dt.datetime | None = None) -> None:
    """Spread a just-made demo service over time: its states one after another, each task
    inside its state, and every event at the moment of what it records."""
    span = (completed or timezone.now()) - started
    Service.objects.filter(pk=service.pk).update(started_at=started, completed_at=completed)
    states = {s.state_id: s for s in State.objects.filter(service=service)}
    count = max(len(states), 1)
    times: dict[tuple[str, int | None], dt.datetime | None] = {
        ("service.start", None): started,
        ("service.end", None): completed,
    }
    for number, state in states.items():
        state.started_at = started + span * (number - 1) / count
        if state.completed_at:
            state.completed_at = started + span * number / count
        state.save(update_fields=["started_at", "completed_at"])
        times[("state.start", number)] = times[("state.transition", number)] = state.started_at
        times[("state.end", number)] = state.completed_at
    for task in Task.objects.filter(service=service):
        state = states.get(task.state_id)
        window_start = state.started_at if state else started + span / 5
        window_end = (state.completed_at if state else None) or started + span * 4 / 5
        task.started_at = window_start + span / 20
        if task.completed_at:
            task.completed_at = max(window_end, task.started_at)
        task.save(update_fields=["started_at", "completed_at"])
        times[("task.start", task.task_id)] = task.started_at
        times[("task.end", task.task_id)] = task.completed_at
    for event in Event.objects.filter(service=service):
        number = event.task_id if event.kind.startswith("task.") else event.state_id
        moment = times.get((event.kind, number))
        if moment is not None:
            event.at = moment
            event.save(update_fields=["at"])


def _journey(tenant, actor, *, customer_id, contact_key, number: int, completed: bool):
    kinds = VALUES["Service.type"]
    service, _, _ = services.service_start_composite(
        tenant=tenant,
        body={
            "service_type": kinds[number % len(kinds)],
            "customer_id": customer_id,
            "contact_key": contact_key,
            "application_type": "IVR",
            "media_type": "voice" if number % 3 else "chat",
            "session_id": f"demo-{number:05d}",
            "est_duration": 300,
            "order": {
                "id": f"ORD-{1000 + number}",
                "items": number % 4 + 1,
                "total": 19.9 * (number % 5 + 1),
            },
            "states": [
                {"state_type": "IVR", "menu": "main"},
                {"state_type": "Queue", "skill": "fr"},
            ],
            "tasks": [
                {"task_type": "Call", "state_index": 1, "note": "customer called back"},
                {"task_type": "Email", "subject": "Confirmation"},
            ],
        },
        actor=actor,
    )
    sid = service.service_id
    services.state_end(
        tenant=tenant, service_id=sid, state_id=1, body={"disposition": "Resolved"}, actor=actor
    )
    services.state_transition(
        tenant=tenant,
        service_id=sid,
        body={"from": {"state_id": 2}, "to": {"state_type": "Talk"}, "agent": f"agent{number % 7}"},
        actor=actor,
    )
    services.task_start(
        tenant=tenant, service_id=sid, body={"task_type": "Survey", "state_id": 3}, actor=actor
    )
    started = timezone.now() - dt.timedelta(days=number % 20, hours=number % 9, minutes=30)
    if completed:
        services.service_end(
            tenant=tenant,
            service_id=sid,
            body={"disposition": "Resolved", "disposition_desc": "Done on first contact"},
            actor=actor,
        )
        _place(service, started, started + dt.timedelta(minutes=5 + number % 25))
    else:
        _place(service, timezone.now() - dt.timedelta(minutes=10 + number % 50))
    return service


def _customer_services(tenant, actor) -> int:
    made = 0
    for number in range(1, 51):
        customer_id = f"C{number:06d}"
        for completed in (True, number % 3 == 0):
            _journey(
                tenant,
                actor,
                customer_id=customer_id,
                contact_key=f"{DEMO_KEY}{number:02d}",
                number=number + (100 if completed else 0),
                completed=completed,
            )
            made += 1
    return made


def _anonymous_services(tenant, actor) -> int:
    made = 0
    for number in range(5):
        _journey(
            tenant,
            actor,
            customer_id=None,
            contact_key=f"{DEMO_KEY}9{number}",
            number=200 + number,
            completed=number == 4,
        )
        made += 1
    for number in range(3):  # expired: invisible to every read, waiting for the purge
        service = _journey(
            tenant,
            actor,
            customer_id=f"C{number + 1:06d}",
            contact_key=f"{DEMO_KEY}8{number}",
            number=300 + number,
            completed=True,
        )
        Service.objects.filter(pk=service.pk).update(
            expires_at=timezone.now() - dt.timedelta(days=1)
        )
        made += 1
    return made
