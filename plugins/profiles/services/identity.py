"""The identity index: each customer's rows under the tenant's identification keys, rebuilt
for a whole key or refreshed for one customer; a unique key held twice is refused with the
rule the API and the bulk import both answer."""

from __future__ import annotations

from collections import defaultdict

from django.db import IntegrityError, transaction

from csadmin.pluginlib import ConflictError
from plugins.profiles.keys import identity_rows
from plugins.profiles.models import Customer, ExtensionRecord, IdentificationKey, IdentityKey
from plugins.profiles.services.common import BATCH


def rebuild_key_index(key: IdentificationKey) -> None:
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


def refresh_identity(customer) -> None:
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
