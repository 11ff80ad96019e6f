"""The writes of a customer's extension records (spec §3): set, add, update, delete, by id or
by their unique attributes; the check of one extension of a body; the record keys that make
a unique item race-free, and the record flag that makes a single-valued extension so."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import IntegrityError, transaction

from csadmin.pluginlib import ConflictError, NotFoundError, ValidationFailed
from csadmin.pluginlib.storable import echo
from plugins.profiles import selectors
from plugins.profiles.keys import record_key_rows, value_hash
from plugins.profiles.models import Customer, ExtensionRecord, ExtensionSchema, RecordKey
from plugins.profiles.record_rules import check_values, validate_values
from plugins.profiles.schema_rules import Errors, unique_items
from plugins.profiles.services.identity import refresh_identity


def extension_records_set(
    *, tenant, customer_id: str, body, actor, from_text: bool = False
) -> Customer:
    """Replace the records of each extension named in the body."""
    if not isinstance(body, dict) or not body:
        raise ValidationFailed.from_errors({"body": ["must be a non-empty JSON object"]})
    with transaction.atomic():
        customer = selectors.customer(tenant, customer_id, for_update=True)
        errors = Errors()
        parsed = [
            parse_extension(
                selectors.find_extension_schema(tenant, name, for_records=True),
                name,
                value,
                errors,
                from_text=from_text,
            )
            for name, value in body.items()
        ]
        errors.raise_if_any()
        for extension, values in parsed:
            write_records(customer, extension, values)
        refresh_identity(customer)
    return customer


def extension_record_add(
    *, tenant, customer_id: str, extension: str, values, actor, from_text: bool = False
):
    """Add one record; its unique keys are checked by the database (a concurrent writer of the
    same key loses with a 400)."""
    with transaction.atomic():
        # the customer's row lock serializes its writers, so identity rows stay exact
        customer = selectors.customer(tenant, customer_id, for_update=True)
        schema = selectors.extension_schema(tenant, extension, for_records=True)
        clean = validate_values(values, schema.attributes, path=schema.name, from_text=from_text)
        with _one_record_rule(schema):
            record = ExtensionRecord.objects.create(
                tenant=tenant,
                customer=customer,
                schema=schema,
                values=clean,
                one_per_customer=not schema.is_multi,
            )
        _insert_record_keys(schema, [record])
        refresh_identity(customer)
    return record


def extension_record_update(
    *, tenant, customer_id: str, extension: str, record_id: int, values, actor, from_text=False
):
    """Replace one record's values (the pages' edit of a row)."""
    with transaction.atomic():
        # the customer's row lock serializes its writers, so identity rows stay exact
        customer = selectors.customer(tenant, customer_id, for_update=True)
        schema = selectors.extension_schema(tenant, extension, for_records=True)
        record = ExtensionRecord.objects.filter(
            pk=record_id, customer=customer, schema=schema
        ).first()
        if record is None:
            raise NotFoundError(
                f"{schema.name} record {record_id} of {echo(customer_id)} not found"
            )
        record.values = validate_values(
            values, schema.attributes, path=schema.name, from_text=from_text
        )
        record.save(update_fields=["values"])
        RecordKey.objects.filter(record=record).delete()
        _insert_record_keys(schema, [record])
        refresh_identity(customer)
    return record


def extension_record_update_by_unique(*, tenant, customer_id: str, extension: str, body, actor):
    """Update the multi-valued record that the body's unique attributes find."""
    with transaction.atomic():
        # the customer's row lock serializes its writers, so identity rows stay exact
        customer = selectors.customer(tenant, customer_id, for_update=True)
        schema = selectors.extension_schema(tenant, extension, for_records=True)
        record = _record_by_unique(customer, schema, body)
        merged = {**record.values, **body}
        record.values = validate_values(merged, schema.attributes, path=schema.name)
        record.save(update_fields=["values"])
        RecordKey.objects.filter(record=record).delete()
        _insert_record_keys(schema, [record])
        refresh_identity(customer)
    return record


def extension_record_delete_by_unique(*, tenant, customer_id: str, extension: str, body, actor):
    with transaction.atomic():
        # the customer's row lock serializes its writers, so identity rows stay exact
        customer = selectors.customer(tenant, customer_id, for_update=True)
        schema = selectors.extension_schema(tenant, extension, for_records=True)
        record = _record_by_unique(customer, schema, body)
        record.delete()
        refresh_identity(customer)


def extension_record_delete(*, tenant, customer_id: str, extension: str, record_id: int, actor):
    with transaction.atomic():
        # the customer's row lock serializes its writers, so identity rows stay exact
        customer = selectors.customer(tenant, customer_id, for_update=True)
        schema = selectors.extension_schema(tenant, extension, for_records=True)
        deleted, _ = ExtensionRecord.objects.filter(
            pk=record_id, customer=customer, schema=schema
        ).delete()
        if not deleted:
            raise NotFoundError(
                f"{schema.name} record {record_id} of {echo(customer_id)} not found"
            )
        refresh_identity(customer)


def _record_by_unique(customer, schema, body) -> ExtensionRecord:
    if schema.type != ExtensionSchema.Type.MULTI:
        raise ValidationFailed.from_errors(
            {
                "extension": [
                    f"{schema.name} is {schema.type}: only multi-valued records are "
                    "found by their unique attributes"
                ]
            }
        )
    if not isinstance(body, dict):
        raise ValidationFailed.from_errors({"body": ["must be a JSON object"]})
    if not unique_items(schema.unique, schema.attributes):
        raise ValidationFailed.from_errors({"extension": [f"{schema.name} has no unique item"]})
    probe = validate_values(
        {k: v for k, v in body.items()},
        [{**a, "mandatory": False, "default": None} for a in schema.attributes],
        path=schema.name,
    )
    given = [
        (index, value_hash([probe[name] for name in names]))
        for index, names in enumerate(unique_items(schema.unique, schema.attributes))
        if all(name in probe for name in names)
    ]
    if not given:
        items = " or ".join("+".join(n) for n in unique_items(schema.unique, schema.attributes))
        raise ValidationFailed.from_errors({"body": [f"must give the unique attributes {items}"]})
    for index, digest in given:
        key = (
            RecordKey.objects.filter(customer=customer, schema=schema, item=index, key_hash=digest)
            .select_related("record")
            .first()
        )
        if key is not None:
            return key.record
    raise NotFoundError(
        f"no {schema.name} record of {customer.customer_id} has these unique values"
    )


def parse_extension(
    schema, name, value, errors: Errors, unknown_is_attribute=False, from_text=False
):
    """(schema, [checked record values]) of one extension of a body; None when `schema` (the
    extension schema `name` names) is None or the records break its type."""
    if schema is None:
        errors.add(
            str(name),
            "is neither an attribute of the profile schema nor an extension schema"
            if unknown_is_attribute
            else "is not an extension schema",
        )
        return None
    if not isinstance(value, list):  # one record (or none), named without an index
        if value is None:
            return schema, []
        one = check_values(
            value, schema.attributes, path=schema.name, errors=errors, from_text=from_text
        )
        return schema, [one]
    if schema.type != ExtensionSchema.Type.MULTI and len(value) > 1:
        errors.add(schema.name, f"is {schema.type}: give one record, not a list")
        return None
    values = [
        check_values(
            item,
            schema.attributes,
            path=f"{schema.name}[{i}]",
            errors=errors,
            from_text=from_text,
        )
        for i, item in enumerate(value)
    ]
    return schema, values


def write_records(customer, schema, values_list: list[dict]) -> None:
    """Replace the customer's records of `schema` with `values_list`."""
    ExtensionRecord.objects.filter(customer=customer, schema=schema).delete()
    with _one_record_rule(schema):
        records = ExtensionRecord.objects.bulk_create(
            [
                ExtensionRecord(
                    tenant_id=customer.tenant_id,
                    customer=customer,
                    schema=schema,
                    values=values,
                    one_per_customer=not schema.is_multi,
                )
                for values in values_list
            ]
        )
    if records and records[0].pk is None:  # backends that do not return ids
        records = list(ExtensionRecord.objects.filter(customer=customer, schema=schema))
    _insert_record_keys(schema, records)


@contextmanager
def _one_record_rule(schema):
    """Around a record insert: a second record of a single-valued or classifier extension for
    a customer is refused by the database (extrecord_one_per_customer, race-free), answered
    as the API answers a duplicate (ConflictException). Multi-valued records need no
    savepoint here: their rules are their key rows'."""
    if schema.is_multi:
        yield
        return
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        message, errors = duplicate_record_rule(schema, RecordKey.SINGLE_ITEM)
        raise ConflictError(message, errors=errors) from None


def _insert_record_keys(schema, records) -> None:
    rows = [row for record in records for row in record_key_rows(schema, record)]
    if not rows:
        return  # nothing to check, and no savepoint to pay for
    seen = {}
    items = unique_items(schema.unique, schema.attributes)
    for row in rows:
        if (row.customer_id, row.item, row.key_hash) in seen:
            message, errors = _duplicate_message(schema, items, row.item)
            raise ConflictError(message, errors=errors)
        seen[(row.customer_id, row.item, row.key_hash)] = row
    try:
        with transaction.atomic():
            RecordKey.objects.bulk_create(rows)
    except IntegrityError:
        item = _colliding_item(rows)
        message, errors = _duplicate_message(schema, items, item)
        raise ConflictError(message, errors=errors) from None


def _colliding_item(rows) -> int:
    for row in rows:
        if (
            RecordKey.objects.filter(
                customer_id=row.customer_id,
                schema_id=row.schema_id,
                item=row.item,
                key_hash=row.key_hash,
            )
            .exclude(record_id=row.record_id)
            .exists()
        ):
            return row.item
    return rows[0].item


def duplicate_record_rule(schema, item: int):
    """(message, errors) of two records of a customer equal on unique item `item` (the rule
    the API answers with; the bulk import reports the same)."""
    return _duplicate_message(schema, unique_items(schema.unique, schema.attributes), item)


def _duplicate_message(schema, items, item):
    if item == RecordKey.SINGLE_ITEM:
        rule = f"{schema.name} is {schema.type}: a customer holds at most one record"
        return rule, {schema.name: [rule]}
    names = ", ".join(items[item])
    rule = f"unique {names}: the customer already holds a {schema.name} record with these values"
    return f"{schema.name}: {rule}", {f"{schema.name}.{items[item][0]}": [rule]}
