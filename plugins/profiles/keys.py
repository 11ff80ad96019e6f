"""The derived key rows: unique-item hashes of records and identification-key hashes of
customers. Pure functions; the services write what these return."""

from __future__ import annotations

import hashlib
import json

from plugins.profiles.models import ExtensionSchema, IdentityKey, RecordKey
from plugins.profiles.schema_rules import unique_items


def value_hash(values: list) -> str:
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def record_key_hashes(schema: ExtensionSchema, values: dict) -> list[tuple[int, str]]:
    """(item index, hash) of each unique item of a record; an item whose attributes are all
    empty makes no key (as SQL's NULLs do not collide). None for a single-valued or classifier
    record: its one-record rule is its own row's (ExtensionRecord.one_per_customer)."""
    if not schema.is_multi:
        return []
    found = []
    for index, names in enumerate(unique_items(schema.unique, schema.attributes)):
        parts = [values.get(name) for name in names]
        if any(part is not None for part in parts):
            found.append((index, value_hash(parts)))
    return found


def record_key_rows(schema: ExtensionSchema, record) -> list[RecordKey]:
    return [
        RecordKey(
            tenant_id=record.tenant_id,
            schema_id=schema.pk,
            customer_id=record.customer_id,
            record_id=record.pk,
            item=item,
            key_hash=key_hash,
        )
        for item, key_hash in record_key_hashes(schema, record.values)
    ]


def leading_hashes(values: list) -> list[tuple[int, str]]:
    """(depth, hash) of each leading run of present values: depth 1 is the first value."""
    found = []
    for depth in range(1, len(values) + 1):
        if values[depth - 1] is None:
            break
        found.append((depth, value_hash(values[:depth])))
    return found


def identity_rows(keys, customer, records_by_schema: dict[int, list]) -> list[IdentityKey]:
    """Every identity row of one customer for `keys` (profile or extension sourced)."""
    rows, seen = [], set()
    for key in keys:
        if key.extension_id is None:
            sources = [customer.attributes]
        else:
            sources = [record.values for record in records_by_schema.get(key.extension_id, [])]
        for values in sources:
            parts = [values.get(name) for name in key.attributes]
            for depth, digest in leading_hashes(parts):
                if (key.pk, depth, digest) in seen:
                    continue
                seen.add((key.pk, depth, digest))
                rows.append(
                    IdentityKey(
                        tenant_id=customer.tenant_id,
                        key_id=key.pk,
                        customer_id=customer.pk,
                        depth=depth,
                        value_hash=digest,
                        unique_scope=key.unique and depth == len(key.attributes),
                    )
                )
    return rows
