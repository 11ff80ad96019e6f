"""Every read of the profiles plug-in, in a fixed number of queries per call."""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.db.models import Count, Q

from csadmin.pluginlib import NotFoundError, ValidationFailed
from csadmin.pluginlib.storable import echo
from plugins.profiles.keys import value_hash
from plugins.profiles.models import (
    Customer,
    ExtensionRecord,
    ExtensionSchema,
    IdentificationKey,
    IdentityKey,
    ProfileSchema,
)
from plugins.profiles.values import BadValue, coerce


def storable(text) -> bool:
    """Whether a looked-up name or id can be in the database at all (PostgreSQL refuses NUL
    in text, so asking for one would be an error instead of "not found")."""
    return isinstance(text, str) and "\x00" not in text


def profile_schema(tenant, *, for_records: bool = False) -> ProfileSchema | None:
    """`for_records`: the caller writes customers by it (see held_for_records)."""
    rows = ProfileSchema.objects.filter(tenant=tenant).order_by("pk")[:1]
    return next(iter(held_for_records(rows) if for_records else rows), None)


def extension_schemas(tenant):
    return ExtensionSchema.objects.filter(tenant=tenant)


def extension_schemas_with_counts(tenant):
    """Schemas with how many records each holds (one query)."""
    return extension_schemas(tenant).annotate(record_count=Count("records")).order_by("name_lower")


def extension_schema(
    tenant, name: str, *, for_update: bool = False, for_records: bool = False
) -> ExtensionSchema:
    """A schema by name, looked up ignoring case; 404 when absent. `for_records`: the caller
    writes records by it (see held_for_records)."""
    if not storable(name):
        raise NotFoundError("There is no extension schema by that name")
    rows = ExtensionSchema.objects.filter(tenant=tenant, name_lower=str(name).lower())
    if for_update:
        rows = rows.select_for_update()  # stronger than the records' hold
    elif for_records:
        rows = held_for_records(rows)
    schema = next(iter(rows), None)
    if schema is None:
        raise NotFoundError(f"There is no extension schema named {echo(name)}")
    return schema


def record_count(schema) -> int:
    return ExtensionRecord.objects.filter(schema=schema).count()


def customer_record(tenant, customer_id: str, extension: str, record_id: int) -> ExtensionRecord:
    """One extension record of a customer of `tenant`; NotFoundError when it has none such."""
    row = customer(tenant, customer_id)
    schema = extension_schema(tenant, extension)
    record = ExtensionRecord.objects.filter(pk=record_id, customer=row, schema=schema).first()
    if record is None:
        raise NotFoundError(f"{schema.name} record {record_id} of {echo(customer_id)} not found")
    return record


def customer_record_count(customer_row: Customer) -> int:
    """How many extension records a customer holds (what its deletion removes with it)."""
    return ExtensionRecord.objects.filter(customer=customer_row).count()


def schema_document(schema: ExtensionSchema) -> dict:
    """An extension schema as the API answers it."""
    return {
        "name": schema.name,
        "type": schema.type,
        "attributes": schema.attributes,
        "unique": schema.unique,
    }


def identification_keys(tenant):
    return IdentificationKey.objects.filter(tenant=tenant).select_related("extension")


def identification_key(tenant, name: str) -> IdentificationKey:
    if not storable(name):
        raise NotFoundError("There is no identification key by that name")
    key = identification_keys(tenant).filter(name_lower=str(name).lower()).first()
    if key is None:
        raise NotFoundError(f"There is no identification key named {echo(name)}")
    return key


def key_document(key: IdentificationKey) -> dict:
    return {
        "name": key.name,
        "source": key.source,
        "attributes": list(key.attributes),
        "unique": key.unique,
    }


def customer(tenant, customer_id: str, *, for_update: bool = False) -> Customer:
    if not storable(customer_id):
        raise NotFoundError("There is no customer with that id")
    rows = Customer.objects.filter(tenant=tenant, customer_id=customer_id)
    if for_update:
        # NO KEY UPDATE: serializes the customer's writers, yet lets a schema replace insert
        # identity rows that reference it (FOR KEY SHARE) while a writer waits for that schema;
        # FOR UPDATE would close that circle into a deadlock.
        rows = rows.select_for_update(no_key=True)
    found = rows.first()
    if found is None:
        raise NotFoundError(f"There is no customer {echo(customer_id)}")
    return found


def requested_extensions(tenant, raw: str | None) -> list[ExtensionSchema]:
    """The schemas an `extensions=a,b` (or `*`) parameter names; 400 for unknown names."""
    if not raw:
        return []
    schemas = list(extension_schemas(tenant))
    if raw.strip() == "*":
        return schemas
    by_lower = {schema.name_lower: schema for schema in schemas}
    wanted, unknown = [], []
    for name in (part.strip() for part in raw.split(",")):
        if not name:
            continue
        if name.lower() in by_lower:
            wanted.append(by_lower[name.lower()])
        else:
            unknown.append(name)
    if unknown:
        raise ValidationFailed.from_errors(
            {"extensions": [f"{', '.join(unknown)}: no such extension schema"]}
        )
    return wanted


def customer_documents(customers: list, schemas: list, *, include_profile: bool = True):
    """Customers as the API answers them, with the named extensions (one query for all)."""
    records = defaultdict(list)
    if schemas and customers:
        rows = ExtensionRecord.objects.filter(
            customer__in=[c.pk for c in customers], schema__in=[s.pk for s in schemas]
        ).order_by("pk")
        for customer, schema, values in rows.values_list("customer_id", "schema_id", "values"):
            records[(customer, schema)].append(values)
    documents = []
    for item in customers:
        document = {"customer_id": item.customer_id}
        if include_profile:
            document.update(item.attributes)
        for schema in schemas:
            found = records.get((item.pk, schema.pk), [])
            if schema.type == ExtensionSchema.Type.MULTI:
                document[schema.name] = found
            elif found:
                document[schema.name] = found[0]
        documents.append(document)
    return documents


def customer_extensions(customer_row: Customer) -> list[tuple[ExtensionSchema, list]]:
    """Every extension schema of the tenant with the customer's records (two queries)."""
    schemas = list(ExtensionSchema.objects.filter(tenant_id=customer_row.tenant_id))
    records = defaultdict(list)
    for record in ExtensionRecord.objects.filter(customer=customer_row).order_by("pk"):
        records[record.schema_id].append(record)
    return [(schema, records.get(schema.pk, [])) for schema in schemas]


# -- identify -------------------------------------------------------------------------------


def identify(tenant, params: dict[str, str], id_key: str | None):
    """Customers matching the given attribute values through one identification key.

    Without id_key: keys are tried from the oldest; one whose attributes are all given wins,
    else the one with most leading attributes given (ties: the oldest). The lookup is one
    index probe on IdentityKey (key, depth, value_hash)."""
    keys = list(identification_keys(tenant))
    if id_key:
        chosen = [key for key in keys if key.name_lower == id_key.lower()]
        if not chosen:
            raise NotFoundError(f"There is no identification key named {id_key}")
        key = chosen[0]
        depth, values = _leading_values(key, params)
        if depth == 0:
            raise ValidationFailed.from_errors(
                {
                    _param_name(key, key.attributes[0]): [
                        f"is required by identification key {key.name}"
                    ]
                }
            )
    else:
        key, depth, values = _best_key(keys, params)
    digest = value_hash(values)
    matches = IdentityKey.objects.filter(key=key, depth=depth, value_hash=digest)
    return Customer.objects.filter(tenant=tenant, pk__in=matches.values("customer_id"))


def _param_name(key: IdentificationKey, attribute: str) -> str:
    return f"{key.extension.name}.{attribute}" if key.extension_id else attribute


def _attribute_of(key: IdentificationKey, name: str, profile_attributes: dict) -> dict:
    source = key.extension.attributes if key.extension_id else profile_attributes
    for attribute in source:
        if attribute["name"] == name:
            return attribute
    return {"name": name, "type": "string"}


def _leading_values(key: IdentificationKey, params: dict[str, str]) -> tuple[int, list]:
    """How many leading attributes of `key` the parameters give, and their typed values."""
    lowered = {name.lower(): value for name, value in params.items()}
    profile = None
    values = []
    for name in key.attributes:
        raw = lowered.get(_param_name(key, name).lower())
        if raw is None:
            break
        if profile is None:
            schema = ProfileSchema.objects.filter(tenant_id=key.tenant_id).first()
            profile = schema.attributes if schema else []
        try:
            values.append(coerce(raw, _attribute_of(key, name, profile), from_text=True))
        except BadValue as bad:
            raise ValidationFailed.from_errors({_param_name(key, name): [str(bad)]}) from None
    return len(values), values


def _best_key(keys: list, params: dict[str, str]):
    lowered = {name.lower() for name in params}
    best, best_depth = None, 0
    for key in keys:
        given = 0
        for name in key.attributes:
            if _param_name(key, name).lower() not in lowered:
                break
            given += 1
        if given == len(key.attributes):
            best, best_depth = key, given
            break
        if given > best_depth:
            best, best_depth = key, given
    if best is None:
        raise ValidationFailed.from_errors(
            {
                "query": [
                    "no identification key's first attribute is given; "
                    "name the attributes of a key (or its id_key)"
                ]
            }
        )
    depth, values = _leading_values(best, params)
    return best, depth, values


def search_customers(tenant, *, text: str = "", attribute: str = ""):
    """The customers page's filter on core attribute values (contains, ignoring case)."""
    rows = Customer.objects.filter(tenant=tenant)
    text = text.replace("\x00", "")
    if text:
        condition = Q(customer_id__icontains=text)
        schema = profile_schema(tenant)
        names = [a["name"] for a in (schema.attributes if schema else []) if a["type"] == "string"]
        if attribute:
            names = [name for name in names if name == attribute]
            condition = Q()
        for name in names:
            condition |= Q(**{f"attributes__{name}__icontains": text})
        rows = rows.filter(condition)
    return rows


def find_extension_schema(tenant, name, *, for_records: bool = False) -> ExtensionSchema | None:
    """A schema by name ignoring case, or None (for bodies that name extensions)."""
    if not storable(name):
        return None
    rows = ExtensionSchema.objects.filter(tenant=tenant, name_lower=name.lower())
    return next(iter(held_for_records(rows) if for_records else rows), None)


def held_for_records(rows) -> list:
    """The schema rows, read and locked FOR KEY SHARE in one statement until the transaction
    ends: a writer of records (or customers) then validates against the schema that stays in
    force while it writes.
    A replace or delete (FOR UPDATE) waits for the writers, or they wait for it and read its
    result; writers of records do not block one another. SQLite serializes writers anyway."""
    if connection.vendor != "postgresql":
        return list(rows)
    sql, params = rows.query.sql_with_params()
    return list(rows.model.objects.raw(f"{sql} FOR KEY SHARE", params))
