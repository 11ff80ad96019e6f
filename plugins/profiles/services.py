"""Every write of the profiles plug-in: one transaction each; schema and key changes audited
and refused in production mode. The API, the pages and the import call these."""

from __future__ import annotations

import uuid
from collections import defaultdict

from django.db import IntegrityError, transaction

from csadmin.pluginlib import (
    ConflictError,
    NotFoundError,
    Refused,
    ValidationFailed,
    record_audit,
    require_maintenance_mode,
)
from csadmin.pluginlib.storable import echo
from plugins.profiles import selectors
from plugins.profiles.keys import identity_rows, record_key_hashes, record_key_rows, value_hash
from plugins.profiles.models import (
    Customer,
    ExtensionRecord,
    ExtensionSchema,
    IdentificationKey,
    IdentityKey,
    ProfileSchema,
    RecordKey,
)
from plugins.profiles.record_rules import check_values, first_problem, validate_values
from plugins.profiles.schema_rules import (
    Errors,
    name_problems,
    parse_flag,
    unique_items,
    validate_extension_schema,
    validate_profile_schema,
)

PLUGIN = "profiles"
CUSTOMER_ID_MAX = 64
BATCH = 2000


def _audit(tenant, actor, action, object_type, object_id, before=None, after=None):
    record_audit(
        tenant=tenant,
        actor=actor,
        plugin=PLUGIN,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )


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
            _rebuild_key_index(key)
        _audit(
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
            _audit(
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
        RecordKey.objects.filter(schema=schema).delete()
        for start in range(0, records.count(), BATCH):
            batch = list(records[start : start + BATCH])
            RecordKey.objects.bulk_create([k for r in batch for k in record_key_rows(schema, r)])
        for key in schema.keys.all():
            _rebuild_key_index(key)
        _audit(
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
    seen, broken, rule = set(), 0, None
    items = unique_items(schema.unique, schema.attributes)
    for record in records.iterator(chunk_size=BATCH):
        # hashed in the new schema's form: a new attribute's default may be part of a key
        values = validate_values(record.values, schema.attributes)
        for item, digest in record_key_hashes(schema, values):
            if (record.customer_id, item, digest) in seen:
                broken += 1
                rule = rule or (
                    "a customer holds more than one record of a single-valued extension"
                    if item == RecordKey.SINGLE_ITEM
                    else f"unique {', '.join(items[item])}"
                )
            seen.add((record.customer_id, item, digest))
    if broken:
        raise ValidationFailed(
            f"{broken} existing records would break the new schema: {rule}",
            errors={"unique": [f"{broken} existing records break the rule: {rule}"]},
        )


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
        _audit(
            tenant,
            actor,
            "extension_schema.delete",
            "extension_schema",
            document["name"],
            before={**document, "records": records},
        )
    return records


# -- identification keys --------------------------------------------------------------------


def identification_key_create(*, tenant, body, actor) -> IdentificationKey:
    require_maintenance_mode(tenant)
    if not isinstance(body, dict):
        raise ValidationFailed.from_errors({"body": ["must be a JSON object"]})
    errors = Errors()
    for unknown in sorted(set(body) - {"name", "source", "attributes", "unique"}):
        errors.add(unknown, "is not a field of an identification key")
    for problem in name_problems(body.get("name")):
        errors.add("name", problem)
    unique = parse_flag(body.get("unique", False), "unique", errors)
    source = body.get("source", "profile")
    extension, source_attributes = _key_source(tenant, source, errors)
    names = _key_attributes(body.get("attributes"), extension, source_attributes, errors)
    errors.raise_if_any()
    try:
        with transaction.atomic():
            key = IdentificationKey.objects.create(
                tenant=tenant,
                name=body["name"],
                name_lower=body["name"].lower(),
                extension=extension,
                attributes=names,
                unique=unique,
            )
            _rebuild_key_index(key)
            _audit(
                tenant,
                actor,
                "identification_key.create",
                "identification_key",
                key.name,
                after=selectors.key_document(key),
            )
    except IntegrityError:
        raise ValidationFailed.from_errors(
            {"name": [f"an identification key named {body['name']} exists (names ignore case)"]}
        ) from None
    return key


def _key_source(tenant, source, errors: Errors):
    if not isinstance(source, str) or not source:
        errors.add("source", 'must be "profile" or the name of an extension schema')
        return None, []
    if source.lower() == "profile":
        schema = selectors.profile_schema(tenant)
        return None, schema.attributes if schema else []
    extension = selectors.find_extension_schema(tenant, source)
    if extension is None:
        errors.add("source", f"names {echo(source)}, which is not an extension schema")
        return None, []
    return extension, extension.attributes


def _key_attributes(raw, extension, source_attributes, errors: Errors) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(n, str) for n in raw):
        errors.add("attributes", "must be a non-empty list of attribute names")
        return []
    by_lower = {attribute["name"].lower(): attribute["name"] for attribute in source_attributes}
    names = []
    for index, name in enumerate(raw):
        if "." in name:
            prefix, _, name = name.partition(".")
            if extension is None or prefix.lower() != extension.name_lower:
                errors.add(f"attributes[{index}]", "all attributes of a key come from its source")
                continue
        if name.lower() not in by_lower:
            source = extension.name if extension else "the profile schema"
            errors.add(f"attributes[{index}]", f"{echo(name)} is not an attribute of {source}")
            continue
        names.append(by_lower[name.lower()])
    if len(set(names)) != len(names):
        errors.add("attributes", "names an attribute twice")
    return names


def identification_key_delete(*, tenant, name: str, actor) -> None:
    require_maintenance_mode(tenant)
    with transaction.atomic():
        key = selectors.identification_key(tenant, name)
        document = selectors.key_document(key)
        IdentityKey.objects.filter(key=key).delete()
        key.delete()
        _audit(
            tenant,
            actor,
            "identification_key.delete",
            "identification_key",
            document["name"],
            before=document,
        )


def _rebuild_key_index(key: IdentificationKey) -> None:
    """Recompute one key's identity rows for every customer of its tenant, in batches."""
    IdentityKey.objects.filter(key=key).delete()
    customers = Customer.objects.filter(tenant_id=key.tenant_id).order_by("pk")
    last = 0
    while True:
        batch = list(customers.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        last = batch[-1].pk
        records = defaultdict(list)  # customer pk -> that customer's records of the source
        if key.extension_id:
            for record in ExtensionRecord.objects.filter(
                schema_id=key.extension_id, customer__in=batch
            ):
                records[record.customer_id].append(record)
        rows = [
            row
            for customer in batch
            for row in identity_rows([key], customer, {key.extension_id: records[customer.pk]})
        ]
        _insert_identity(rows)


def _insert_identity(rows: list[IdentityKey]) -> None:
    try:
        with transaction.atomic():
            IdentityKey.objects.bulk_create(rows, batch_size=BATCH)
    except IntegrityError:
        keys = {row.key_id for row in rows if row.unique_scope}
        names = ", ".join(
            IdentificationKey.objects.filter(pk__in=keys).values_list("name", flat=True)
        )
        message, errors = identity_conflict_rule(names)
        raise ConflictError(message, errors=errors) from None


def identity_conflict_rule(names: str):
    """(message, errors) of a customer whose values of unique identification key(s) `names`
    another customer holds (the API's answer; the bulk import reports the same)."""
    return (
        f"identification key {names} is unique: another customer holds the same values",
        {"unique": [f"identification key {names}: values held by another customer"]},
    )


# -- customers ------------------------------------------------------------------------------


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
            _write_records(customer, extension, values)
        _refresh_identity(customer)
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
            _write_records(customer, extension, values)
        _refresh_identity(customer)
    return customer


def customer_delete(*, tenant, customer_id: str, actor) -> None:
    """Delete a customer with its extension records (services keep their customer_id)."""
    with transaction.atomic():
        customer = selectors.customer(tenant, customer_id, for_update=True)
        IdentityKey.objects.filter(customer=customer).delete()
        RecordKey.objects.filter(customer=customer).delete()
        ExtensionRecord.objects.filter(customer=customer).delete()
        customer.delete()


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
            _parse_extension(
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
            _write_records(customer, extension, values)
        _refresh_identity(customer)
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
        record = ExtensionRecord.objects.create(
            tenant=tenant, customer=customer, schema=schema, values=clean
        )
        _insert_record_keys(schema, [record])
        _refresh_identity(customer)
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
        _refresh_identity(customer)
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
        _refresh_identity(customer)
    return record


def extension_record_delete_by_unique(*, tenant, customer_id: str, extension: str, body, actor):
    with transaction.atomic():
        # the customer's row lock serializes its writers, so identity rows stay exact
        customer = selectors.customer(tenant, customer_id, for_update=True)
        schema = selectors.extension_schema(tenant, extension, for_records=True)
        record = _record_by_unique(customer, schema, body)
        record.delete()
        _refresh_identity(customer)


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
        _refresh_identity(customer)


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


def checked_customer_id(body) -> str | None:
    """The body's customer_id as the API takes it; None when absent (one is generated)."""
    raw = body.get("customer_id") if isinstance(body, dict) else None
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw.strip() or len(raw) > CUSTOMER_ID_MAX:
        raise ValidationFailed.from_errors(
            {"customer_id": [f"must be a text of 1 to {CUSTOMER_ID_MAX} characters"]}
        )
    if any(ch in raw for ch in "/?#%\\") or raw != raw.strip() or not raw.isprintable():
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
    core_names = {attribute["name"].lower() for attribute in core_attributes}
    core_raw, extensions, errors = {}, [], Errors()
    for name, value in body.items():
        if name == "customer_id":
            continue
        if name.lower() in core_names:
            core_raw[name] = value
        else:
            parsed = _parse_extension(
                find_schema(name),
                name,
                value,
                errors,
                unknown_is_attribute=True,
                from_text=records_from_text,
            )
            if parsed is not None:
                extensions.append(parsed)
    core = check_values(core_raw, core_attributes, path="", errors=errors, from_text=from_text)
    errors.raise_if_any()
    return core, extensions


def _parse_extension(
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
    items = [] if value is None else value if isinstance(value, list) else [value]
    if schema.type != ExtensionSchema.Type.MULTI and len(items) > 1:
        errors.add(schema.name, f"is {schema.type}: give one record, not a list")
        return None
    values = [
        check_values(
            item,
            schema.attributes,
            path=f"{schema.name}[{i}]" if isinstance(value, list) else schema.name,
            errors=errors,
            from_text=from_text,
        )
        for i, item in enumerate(items)
    ]
    return schema, values


def _write_records(customer, schema, values_list: list[dict]) -> None:
    """Replace the customer's records of `schema` with `values_list`."""
    ExtensionRecord.objects.filter(customer=customer, schema=schema).delete()
    records = ExtensionRecord.objects.bulk_create(
        [
            ExtensionRecord(
                tenant_id=customer.tenant_id, customer=customer, schema=schema, values=values
            )
            for values in values_list
        ]
    )
    if records and records[0].pk is None:  # backends that do not return ids
        records = list(ExtensionRecord.objects.filter(customer=customer, schema=schema))
    _insert_record_keys(schema, records)


def _insert_record_keys(schema, records) -> None:
    rows = [row for record in records for row in record_key_rows(schema, record)]
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
    return rows[0].item if rows else RecordKey.SINGLE_ITEM


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


def _refresh_identity(customer) -> None:
    """Rewrite the customer's identity rows for every key of the tenant."""
    IdentityKey.objects.filter(customer=customer).delete()
    keys = list(IdentificationKey.objects.filter(tenant_id=customer.tenant_id))
    if not keys:
        return
    records = defaultdict(list)
    extension_ids = {key.extension_id for key in keys if key.extension_id}
    if extension_ids:
        for record in ExtensionRecord.objects.filter(
            customer=customer, schema_id__in=extension_ids
        ):
            records[record.schema_id].append(record)
    _insert_identity(identity_rows(keys, customer, records))
