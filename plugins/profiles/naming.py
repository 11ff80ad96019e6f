"""A customer's name: the profile schema's name-like core attributes (string attributes whose
name ends in "Name": FirstName, LastName...), in the schema's order, joined by spaces. Pages
title a customer by it, with the id beside; a customer without one is titled by the id."""

from __future__ import annotations

import re

from plugins.profiles.models import Customer, ProfileSchema

NAME_LIKE = re.compile(r"name$", re.IGNORECASE)


def name_attributes(schema_attributes: list[dict]) -> list[str]:
    return [
        attribute["name"]
        for attribute in schema_attributes
        if attribute.get("type") == "string" and NAME_LIKE.search(attribute["name"])
    ]


def name_of(values: dict, names: list[str]) -> str:
    """The name in these attribute values ("" when none of the name attributes is filled)."""
    parts = [values.get(name) for name in names]
    return " ".join(str(part).strip() for part in parts if isinstance(part, str) and part.strip())


def tenant_name_attributes(tenant) -> list[str]:
    schema = ProfileSchema.objects.filter(tenant=tenant).only("attributes").first()
    return name_attributes(schema.attributes) if schema else []


def customer_names(tenant, customer_ids: list[str]) -> dict[str, str]:
    """{id: name} of the tenant's customers among `customer_ids`, in two queries."""
    names = tenant_name_attributes(tenant)
    if not names:
        return {}
    rows = Customer.objects.filter(tenant=tenant, customer_id__in=customer_ids).values_list(
        "customer_id", "attributes"
    )
    found = {customer_id: name_of(values or {}, names) for customer_id, values in rows}
    return {customer_id: name for customer_id, name in found.items() if name}
