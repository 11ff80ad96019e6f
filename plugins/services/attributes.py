"""The seven business attributes of the spec and how an event's value is checked against them."""

from __future__ import annotations

import threading
import time

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from csadmin.pluginlib import ValidationFailed
from plugins.services.events import ATTRIBUTE_FIELDS, ParsedEvent
from plugins.services.models import BusinessAttributeValue

# name -> (display name, description)
ATTRIBUTES = {
    "Service.type": ("Service type", "The kind of customer journey a service is."),
    "State.type": ("State type", "The kind of step a state is within a service."),
    "Task.type": ("Task type", "The kind of work a task is."),
    "Application.type": ("Application type", "The kind of application that sent the event."),
    "Resource.type": ("Resource type", "The kind of resource (agent, IVR...) involved."),
    "Media.type": ("Media type", "The media of the interaction (voice, chat, email...)."),
    "Disposition": ("Disposition", "How a service, state or task ended."),
}


def known_values(tenant, attribute_names) -> dict[str, dict]:
    """{attribute: {"by_name": {name: id}, "by_id": {id: name}}} for attributes with values."""
    found: dict[str, dict] = {}
    rows = BusinessAttributeValue.objects.filter(
        attribute__tenant=tenant, attribute__name__in=list(attribute_names)
    ).values_list("attribute__name", "id", "name")
    for attribute, value_id, name in rows:
        entry = found.setdefault(attribute, {"by_name": {}, "by_id": {}})
        entry["by_name"][name] = value_id
        entry["by_id"][value_id] = name
    return found


def resolve(value, attribute: str, known: dict[str, dict]) -> str | None:
    """The value's name, or None when the tenant has values for the attribute and this is none
    of them. Without values any name is accepted (an id is then kept as its text)."""
    entry = known.get(attribute)
    if entry is None:
        return str(value)
    if isinstance(value, str) and value in entry["by_name"]:
        return value
    as_id = value if isinstance(value, int) else (int(value) if value.isdigit() else None)
    return entry["by_id"].get(as_id)


# Every write checks its attribute values: a tenant's values are kept per process rather than
# read once per write. A name (or id) the cache does not know is re-read before it is refused,
# so a value added in any process is accepted at once; a value removed or renamed elsewhere
# stays accepted here for at most CACHE_SECONDS (in this process, changes clear the cache).
CACHE_SECONDS = 5.0
_cache: dict[int, tuple[float, dict[str, dict]]] = {}
_cache_lock = threading.Lock()


def cached_values(tenant, *, fresh: bool = False) -> dict[str, dict]:
    """known_values of all the tenant's attributes, from the process cache unless stale."""
    now = time.monotonic()
    entry = _cache.get(tenant.pk)
    if not fresh and entry is not None and now - entry[0] < CACHE_SECONDS:
        return entry[1]
    known = known_values(tenant, ATTRIBUTES)
    with _cache_lock:
        _cache[tenant.pk] = (now, known)
    return known


@receiver([post_save, post_delete], sender=BusinessAttributeValue)
def forget_values(**kwargs) -> None:
    """A value changed in this process: forget every cached tenant (changes are rare)."""
    with _cache_lock:
        _cache.clear()


def _resolve_all(events, known) -> dict[str, list[str]]:
    """Resolve in place what `known` allows; answer the refusals (nothing changed then)."""
    resolved, errors = [], {}
    for prefix, event in events:
        for name in [n for n in event.fields if n in ATTRIBUTE_FIELDS]:
            attribute = ATTRIBUTE_FIELDS[name]
            value = resolve(event.fields[name], attribute, known)
            if value is None:
                errors[prefix + name] = [
                    f"{event.fields[name]!s} is not a value of business attribute {attribute}"
                ]
            else:
                resolved.append((event, name, value))
    if not errors:
        for event, name, value in resolved:
            event.fields[name] = value
    return errors


def resolve_events(tenant, events: list[tuple[str, ParsedEvent]]) -> None:
    """Replace, in place, every attribute value of these events by its name: no query while
    the tenant's values are cached, one to re-read them before refusing a value."""
    if not any(name in ATTRIBUTE_FIELDS for _, event in events for name in event.fields):
        return
    errors = _resolve_all(events, cached_values(tenant))
    if errors:
        errors = _resolve_all(events, cached_values(tenant, fresh=True))
    if errors:
        raise ValidationFailed.from_errors(errors)
