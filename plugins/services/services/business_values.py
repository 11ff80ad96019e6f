"""The writes of business attribute values (spec §2): add, rename or describe, remove; each is
audited. Services keep the value names they were given (as CS does)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from csadmin.pluginlib import (
    ConflictError,
    NotFoundError,
    ValidationFailed,
    record_audit,
)
from csadmin.pluginlib.storable import echo
from plugins.services.attributes import ATTRIBUTES
from plugins.services.events import CONTROL_CHARACTERS, NO_CONTROL_CHARACTERS, reject_nul
from plugins.services.models import BusinessAttribute, BusinessAttributeValue
from plugins.services.selectors import business_value
from plugins.services.services.common import PLUGIN


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


@transaction.atomic
def business_value_update(
    *, tenant, value_id: int, name: str, display_name: str, description: str, actor
) -> BusinessAttributeValue:
    """Rename or describe a value. Services keep the name they were given (as CS does)."""
    name = name.strip()
    _check_value_fields(name, display_name, description)
    value = business_value(tenant, value_id)
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
    value = business_value(tenant, value_id)
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
