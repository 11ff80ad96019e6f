"""The writes of the profile schema and the extension schemas (spec §2): define, replace,
delete. Audited and refused in production mode; a change that existing customers or
records would break is refused with a count and the first broken rule."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Count

from csadmin.pluginlib import ValidationFailed, require_maintenance_mode
from plugins.profiles import selectors
from plugins.profiles.keys import record_key_hashes, record_key_rows
from plugins.profiles.models import (
    Customer,
    ExtensionRecord,
    ExtensionSchema,
    IdentificationKey,
    ProfileSchema,
    RecordKey,
)
from plugins.profiles.record_rules import first_problem, validate_values
from plugins.profiles.schema_rules import (
    unique_items,
    validate_extension_schema,
    validate_profile_schema,
)
from plugins.profiles.services.common import BATCH, audit
from plugins.profiles.services.identity import rebuild_key_index

# -- profile schema -------------------------------------------------------------------------


def profile_schema_set(*, tenant, body, actor, from_text: bool = False) -> ProfileSchema:
    """Define or replace the core attributes. Refused when existing customers would break it
    or an identification key names an attribute it drops."""
    require_maintenance_mode(tenant)
    attributes = validate_profile_schema(body, from_text=from_text)
    with transaction.atomic():
        current = ProfileSchema.objects.select_for_update().filter(tenant=tenant).first()
        before = {"attributes": current.attributes} if current else None
        names = {attribute["name"] for attribute in attributes}
        _refuse_keys_losing_attributes(
            IdentificationKey.objects.filter(tenant=tenant, extension=None), names
        )
        customers = Customer.objects.filter(tenant=tenant).order_by("pk")
        _refuse_breaking_rows(customers, "attributes", attributes, "customers")
        schema = current or ProfileSchema(tenant=tenant)
        schema.attributes = attributes
        schema.save()
        _renormalize(customers, "attributes", attributes)
        for key in IdentificationKey.objects.filter(tenant=tenant, extension=None):
            rebuild_key_index(key)
        audit(
            tenant,
            actor,
            "profile_schema.set",
            "profile_schema",
            "profile",
            before,
            {"attributes": attributes},
        )
    return schema


def _refuse_keys_losing_attributes(keys, names: set[str]) -> None:
    for key in keys:
        missing = [name for name in key.attributes if name not in names]
        if missing:
            raise ValidationFailed.from_errors(
                {"attributes": [f"identification key {key.name} uses {', '.join(missing)}"]}
            )


def _refuse_breaking_rows(queryset, field: str, attributes: list, what: str) -> None:
    """400 naming how many rows would break the new attributes and the first broken rule."""
    broken, first = 0, None
    for values in queryset.values_list(field, flat=True).iterator(chunk_size=BATCH):
        problem = first_problem(values, attributes)
        if problem:
            broken += 1
            first = first or problem
    if broken:
        raise ValidationFailed(
            f"{broken} existing {what} would break the new schema: {first}",
            errors={"attributes": [f"{broken} existing {what} break the rule: {first}"]},
        )


def _renormalize(queryset, field: str, attributes: list) -> None:
    """Rewrite stored values in the new schema's form (defaults of new attributes applied)."""
    changed = []
    for row in queryset.iterator(chunk_size=BATCH):
        values = validate_values(getattr(row, field), attributes)
        if values != getattr(row, field):
            setattr(row, field, values)
            changed.append(row)
        if len(changed) >= BATCH:
            type(row).objects.bulk_update(changed, [field])
            changed = []
    if changed:
        type(changed[0]).objects.bulk_update(changed, [field])


# -- extension schemas ----------------------------------------------------------------------


def extension_schema_create(*, tenant, body, actor, from_text: bool = False) -> ExtensionSchema:
    require_maintenance_mode(tenant)
    data = validate_extension_schema(body, from_text=from_text)
    try:
        with transaction.atomic():
            schema = ExtensionSchema.objects.create(
                tenant=tenant,
                name=data["name"],
                name_lower=data["name"].lower(),
                type=data["type"],
                attributes=data["attributes"],
                unique=data["unique"],
            )
            audit(
                tenant,
                actor,
                "extension_schema.create",
                "extension_schema",
                schema.name,
                after=data,
            )
    except IntegrityError:
        raise ValidationFailed.from_errors(
            {"name": [f"an extension schema named {data['name']} exists (names ignore case)"]}
        ) from None
    return schema


def extension_schema_replace(
    *, tenant, name: str, body, actor, from_text: bool = False
) -> ExtensionSchema:
    """Replace a schema in place; refused with a count and the rule when records would break."""
    require_maintenance_mode(tenant)
    if isinstance(body, dict) and "name" not in body:
        body = {**body, "name": name}
    data = validate_extension_schema(body, from_text=from_text)
    with transaction.atomic():
        schema = selectors.extension_schema(tenant, name, for_update=True)
        if data["name"].lower() != schema.name_lower:
            raise ValidationFailed.from_errors(
                {"name": [f"must be {schema.name}: a schema is not renamed by replacing it"]}
            )
        before = selectors.schema_document(schema)
        names = {attribute["name"] for attribute in data["attributes"]}
        _refuse_keys_losing_attributes(schema.keys.all(), names)
        records = ExtensionRecord.objects.filter(schema=schema).order_by("pk")
        _refuse_breaking_rows(records, "values", data["attributes"], "records")
        schema.name = data["name"]
        schema.type = data["type"]
        schema.attributes = data["attributes"]
        schema.unique = data["unique"]
        _refuse_breaking_keys(schema, records)
        schema.save()
        _renormalize(records, "values", data["attributes"])
        # the type may have changed (multi-valued <-> not): the records' flag follows it
        records.exclude(one_per_customer=not schema.is_multi).update(
            one_per_customer=not schema.is_multi
        )
        RecordKey.objects.filter(schema=schema).delete()
        for start in range(0, records.count() if schema.is_multi else 0, BATCH):
            batch = list(records[start : start + BATCH])
            RecordKey.objects.bulk_create([k for r in batch for k in record_key_rows(schema, r)])
        for key in schema.keys.all():
            rebuild_key_index(key)
        audit(
            tenant,
            actor,
            "extension_schema.replace",
            "extension_schema",
            schema.name,
            before,
            selectors.schema_document(schema),
        )
    return schema


def _refuse_breaking_keys(schema, records) -> None:
    """Count records whose unique keys (or the one-record rule) would collide."""
    if schema.is_multi:
        broken, rule = _breaking_unique_items(schema, records)
    else:
        broken, rule = _breaking_one_record(records)
    if broken:
        raise ValidationFailed(
            f"{broken} existing records would break the new schema: {rule}",
            errors={"unique": [f"{broken} existing records break the rule: {rule}"]},
        )


def _breaking_unique_items(schema, records) -> tuple[int, str | None]:
    seen, broken, rule = set(), 0, None
    items = unique_items(schema.unique, schema.attributes)
    for record in records.iterator(chunk_size=BATCH):
        # hashed in the new schema's form: a new attribute's default may be part of a key
        values = validate_values(record.values, schema.attributes)
        for item, digest in record_key_hashes(schema, values):
            if (record.customer_id, item, digest) in seen:
                broken += 1
                rule = rule or f"unique {', '.join(items[item])}"
            seen.add((record.customer_id, item, digest))
    return broken, rule


def _breaking_one_record(records) -> tuple[int, str | None]:
    """The records beyond each customer's first: the flag's constraint would refuse them."""
    counts = records.order_by().values("customer_id").annotate(n=Count("pk")).filter(n__gt=1)
    broken = sum(row["n"] - 1 for row in counts)
    return broken, "a customer holds more than one record of a single-valued extension"


def extension_schema_delete(*, tenant, name: str, actor) -> int:
    """Delete a schema with its records; refused while an identification key uses it."""
    require_maintenance_mode(tenant)
    with transaction.atomic():
        schema = selectors.extension_schema(tenant, name, for_update=True)
        users = list(schema.keys.values_list("name", flat=True))
        if users:
            raise ValidationFailed.from_errors(
                {"name": [f"identification key {users[0]} uses {schema.name}; delete it first"]}
            )
        records = ExtensionRecord.objects.filter(schema=schema).count()
        document = selectors.schema_document(schema)
        RecordKey.objects.filter(schema=schema).delete()
        ExtensionRecord.objects.filter(schema=schema).delete()
        schema.delete()
        audit(
            tenant,
            actor,
            "extension_schema.delete",
            "extension_schema",
            document["name"],
            before={**document, "records": records},
        )
    return records
