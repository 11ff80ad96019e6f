"""The seven business attributes of the spec and how an event's value is checked against them."""

from __future__ import annotations

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


def resolve_events(tenant, events: list[tuple[str, ParsedEvent]]) -> None:
    """Replace, in place, every attribute value of these events by its name; one query."""
    wanted = {
        ATTRIBUTE_FIELDS[name]
        for _, event in events
        for name in event.fields
        if name in ATTRIBUTE_FIELDS
    }
    if not wanted:
        return
    known = known_values(tenant, wanted)
    errors: dict[str, list[str]] = {}
    for prefix, event in events:
        for name in [n for n in event.fields if n in ATTRIBUTE_FIELDS]:
            attribute = ATTRIBUTE_FIELDS[name]
            resolved = resolve(event.fields[name], attribute, known)
            if resolved is None:
                errors[prefix + name] = [
                    f"{event.fields[name]!s} is not a value of business attribute {attribute}"
                ]
            else:
                event.fields[name] = resolved
    if errors:
        raise ValidationFailed.from_errors(errors)
