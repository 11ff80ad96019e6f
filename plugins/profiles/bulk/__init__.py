"""The profiles plug-in's face for bulk work (the maintenance plug-in's customer import and
export, spec §8): the API never takes these paths. Maintenance uses customers through this
module only.

- the import: each row checked by the very check of `POST /profiles` (rows.py), loaded a batch
  per transaction, set-based, in mode create / merge / replace, matched by customer id or an
  identification key (loading.py), written by COPY on PostgreSQL (writing.py, copying.py);
- the export: customers in customer-id order, by keyset, as the API answers them (export.py),
  as compact JSON put together by PostgreSQL there (documents_sql.py);
- what both read: the profile schema's attributes and the extensions a parameter names.
"""

from plugins.profiles.bulk.export import (
    customer_count,
    customer_document_chunks,
    customer_json_chunks,
)
from plugins.profiles.bulk.loading import (
    COUNTS,
    MATCH_BY_ID,
    MODES,
    BatchResult,
    CustomerImport,
    Prepared,
    check_match,
    import_customers_batch,
)
from plugins.profiles.bulk.rows import NO_PROFILE_SCHEMA, RowProblems
from plugins.profiles.models import ExtensionSchema
from plugins.profiles.selectors import (
    extension_schemas,
    identification_keys,
    profile_schema,
    requested_extensions,
)


def core_attribute_names(tenant) -> list[str]:
    """The profile schema's attribute names, in its order (the CSV's columns)."""
    schema = profile_schema(tenant)
    return [attribute["name"] for attribute in (schema.attributes if schema else [])]


def identification_key_names(tenant):
    """The tenant's identification keys (a row may be matched by one), oldest first."""
    return identification_keys(tenant)


def column_names(tenant) -> set[str]:
    """The lower-case names a customer body may use besides customer_id: the profile
    schema's attributes and the extension schemas."""
    names = {name.lower() for name in core_attribute_names(tenant)}
    return names | set(extension_schemas(tenant).values_list("name_lower", flat=True))


def is_multi_valued(schema: ExtensionSchema) -> bool:
    return schema.type == ExtensionSchema.Type.MULTI


__all__ = [
    "COUNTS",
    "MATCH_BY_ID",
    "MODES",
    "NO_PROFILE_SCHEMA",
    "BatchResult",
    "CustomerImport",
    "Prepared",
    "RowProblems",
    "check_match",
    "column_names",
    "core_attribute_names",
    "customer_count",
    "customer_document_chunks",
    "customer_json_chunks",
    "identification_key_names",
    "import_customers_batch",
    "is_multi_valued",
    "requested_extensions",
]
