"""Writing a wave of checked customer rows (loading.py): a few statements whatever its size.
New customers, records, key rows and identity rows go in as plain dicts of column values
(model objects would cost more than the insert itself), by COPY on PostgreSQL (copying.py) and
bulk_create elsewhere; known customers are updated in one statement, their replaced records
deleted one extension at a time.

A row is loading's: its `customer_id`, its `target` (the stored customer, None for a new one),
its checked `core` values and `extensions` ([(schema, [record values])])."""

from __future__ import annotations

import uuid

from django.utils import timezone

from plugins.profiles.bulk import copying
from plugins.profiles.keys import record_key_hashes
from plugins.profiles.models import Customer, ExtensionRecord, IdentityKey, RecordKey


def write_rows(tenant, rows: list, identities: dict) -> None:
    """The rows' customers, new and known, then their records and identity rows
    (`identities`: id(row) -> the row's identity rows, their customer set here)."""
    if not rows:
        return
    now = timezone.now()
    fresh = [row for row in rows if row.target is None]
    known = [row for row in rows if row.target is not None]
    created = [
        {
            "tenant_id": tenant.pk,
            "customer_id": row.customer_id or uuid.uuid4().hex,
            "attributes": row.core,
            "created_at": now,
            "updated_at": now,
        }
        for row in fresh
    ]
    _insert(Customer, created)
    pks = {id(row): customer["id"] for row, customer in zip(fresh, created, strict=True)}
    for row in known:
        row.target.attributes, row.target.updated_at = row.core, now
        pks[id(row)] = row.target.pk
    if known:
        updated = [row.target for row in known]
        Customer.objects.bulk_update(updated, ["attributes", "updated_at"], batch_size=1000)
        _drop_replaced_records(known)
        IdentityKey.objects.filter(customer__in=[c.pk for c in updated]).delete()
    _insert_records(tenant, rows, pks)
    identity = [
        {
            "tenant_id": tenant.pk,
            "key_id": item.key_id,
            "customer_id": pks[id(row)],
            "depth": item.depth,
            "value_hash": item.value_hash,
            "unique_scope": item.unique_scope,
        }
        for row in rows
        for item in identities[id(row)]
    ]
    _insert(IdentityKey, identity, with_ids=False)


def _drop_replaced_records(rows: list) -> None:
    """The stored records of the extensions each row gives: one delete per extension."""
    by_schema: dict = {}
    for row in rows:
        for schema, _values in row.extensions:
            by_schema.setdefault(schema, []).append(row.target.pk)
    for schema, customers in by_schema.items():
        if schema.is_multi:  # only multi-valued records have key rows
            RecordKey.objects.filter(schema_id=schema.pk, customer_id__in=customers).delete()
        ExtensionRecord.objects.filter(schema_id=schema.pk, customer_id__in=customers).delete()


def _insert_records(tenant, rows: list, pks: dict) -> None:
    """The rows' extension records, then their unique-item key rows (RecordKey): none for a
    single-valued or classifier record, whose flag is its one-record rule."""
    records, schemas = [], []
    for row in rows:
        for schema, values_list in row.extensions:
            for values in values_list:
                records.append(
                    {
                        "tenant_id": tenant.pk,
                        "customer_id": pks[id(row)],
                        "schema_id": schema.pk,
                        "values": values,
                        "one_per_customer": not schema.is_multi,
                    }
                )
                schemas.append(schema)
    _insert(ExtensionRecord, records)
    keys = [
        {
            "tenant_id": tenant.pk,
            "schema_id": schema.pk,
            "customer_id": record["customer_id"],
            "record_id": record["id"],
            "item": item,
            "key_hash": key_hash,
        }
        for schema, record in zip(schemas, records, strict=True)
        for item, key_hash in record_key_hashes(schema, record["values"])
    ]
    _insert(RecordKey, keys, with_ids=False)


def _insert(model, rows: list[dict], *, with_ids: bool = True) -> None:
    """Insert rows (column values by attribute name); with `with_ids` each row gets its
    "id" (other rows refer to it)."""
    if not rows:
        return
    if copying.copies():
        if with_ids:
            for row, pk in zip(rows, copying.next_ids(model, len(rows)), strict=True):
                row["id"] = pk
        copying.copy_rows(model, rows, with_ids=with_ids)
        return
    objects = model.objects.bulk_create([model(**row) for row in rows], batch_size=1000)
    if with_ids:
        for row, item in zip(rows, objects, strict=True):
            row["id"] = item.pk
