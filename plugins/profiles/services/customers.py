"""The writes of customers (spec §3): create, replace, delete; the one check of a customer
body (the API, the pages and the bulk import) and of its customer_id."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from csadmin.pluginlib import ConflictError, Refused, ValidationFailed
from plugins.profiles import selectors
from plugins.profiles.models import Customer, ExtensionRecord, IdentityKey, RecordKey
from plugins.profiles.record_rules import attribute_rules, check_by_rules
from plugins.profiles.schema_rules import Errors
from plugins.profiles.services.identity import refresh_identity
from plugins.profiles.services.records import parse_extension, write_records

CUSTOMER_ID_MAX = 64
_ID_REFUSED = frozenset("/?#%\\")  # a customer_id is a path segment of the API


def customer_create(*, tenant, body, actor, from_text: bool = False) -> Customer:
    """A customer from a body of core attributes and extensions; the id is generated when
    absent. Refused (403) while the tenant has no profile schema."""
    with transaction.atomic():  # the schemas stay held until the customer and records are in
        schema = selectors.profile_schema(tenant, for_records=True)
        if schema is None:
            raise Refused("There is no profile schema yet: define it before creating customers.")
        core, extensions = _split_body(tenant, body, schema.attributes, from_text)
        customer_id = _customer_id(body)
        try:
            with transaction.atomic():
                customer = Customer.objects.create(
                    tenant=tenant, customer_id=customer_id, attributes=core
                )
        except IntegrityError:
            raise ConflictError(
                f"customer_id: a customer {customer_id} exists",
                errors={"customer_id": [f"a customer {customer_id} exists"]},
            ) from None
        for extension, values in extensions:
            write_records(customer, extension, values)
        refresh_identity(customer)
    return customer


def customer_replace(*, tenant, customer_id: str, body, actor, from_text: bool = False) -> Customer:
    """Replace the core attributes; the extensions present in the body replace theirs."""
    with transaction.atomic():
        schema = selectors.profile_schema(tenant, for_records=True)
        customer = selectors.customer(tenant, customer_id, for_update=True)
        if isinstance(body, dict) and body.get("customer_id", customer_id) != customer_id:
            raise ValidationFailed.from_errors({"customer_id": ["must match the path"]})
        core, extensions = _split_body(tenant, body, schema.attributes if schema else [], from_text)
        customer.attributes = core
        customer.save(update_fields=["attributes", "updated_at"])
        for extension, values in extensions:
            write_records(customer, extension, values)
        refresh_identity(customer)
    return customer


def customer_delete(*, tenant, customer_id: str, actor) -> None:
    """Delete a customer with its extension records (services keep their customer_id)."""
    with transaction.atomic():
        customer = selectors.customer(tenant, customer_id, for_update=True)
        IdentityKey.objects.filter(customer=customer).delete()
        RecordKey.objects.filter(customer=customer).delete()
        ExtensionRecord.objects.filter(customer=customer).delete()
        customer.delete()


def checked_customer_id(body) -> str | None:
    """The body's customer_id as the API takes it; None when absent (one is generated)."""
    raw = body.get("customer_id") if isinstance(body, dict) else None
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip() or len(raw) > CUSTOMER_ID_MAX:
        raise ValidationFailed.from_errors(
            {"customer_id": [f"must be a text of 1 to {CUSTOMER_ID_MAX} characters"]}
        )
    if not _ID_REFUSED.isdisjoint(raw) or raw != raw.strip() or not raw.isprintable():
        raise ValidationFailed.from_errors(
            {
                "customer_id": [
                    "must not contain spaces at its ends, / ? # % \\ or control characters"
                ]
            }
        )
    return raw


def _customer_id(body) -> str:
    return checked_customer_id(body) or uuid.uuid4().hex


def _split_body(tenant, body, core_attributes: list, from_text: bool = False):
    """Core values and (extension, [values]) pairs of a customer body, checked together."""

    def find_schema(name):
        return selectors.find_extension_schema(tenant, name, for_records=True)

    return check_customer_body(body, core_attributes, find_schema, from_text=from_text)


def check_customer_body(
    body, core_attributes: list, find_schema, *, from_text: bool = False, records_from_text=None
):
    """The one check of a customer body (POST and PUT /profiles, the pages, the bulk import):
    its checked core values and (extension schema, [record values]) pairs, or ValidationFailed
    naming every broken rule. `find_schema(name)` answers the extension schema of that name
    (any case) or None; `records_from_text` (default `from_text`) reads record values from
    their text forms too (a CSV's core cells are text, its records JSON)."""
    if not isinstance(body, dict):
        raise ValidationFailed.from_errors({"body": ["must be a JSON object"]})
    if records_from_text is None:
        records_from_text = from_text
    core_rules = attribute_rules(core_attributes)
    core_names = core_rules.checks  # by lower-case name
    core_raw, extensions, errors = {}, [], Errors()
    for name, value in body.items():
        if name == "customer_id":
            continue
        if name.lower() in core_names:
            core_raw[name] = value
        else:
            parsed = parse_extension(
                find_schema(name),
                name,
                value,
                errors,
                unknown_is_attribute=True,
                from_text=records_from_text,
            )
            if parsed is not None:
                extensions.append(parsed)
    core = check_by_rules(core_raw, core_rules, path="", errors=errors, from_text=from_text)
    errors.raise_if_any()
    return core, extensions
