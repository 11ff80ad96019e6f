"""Every write of the profiles plug-in: one transaction each; schema and key changes audited
and refused in production mode. The API, the pages, the demo and the bulk import call these,
so a rule lives in one place. This package's face is the names below (the writes, and the
checks and rules the bulk import shares with the API); its modules are its own:

- schemas.py: the profile schema and the extension schemas;
- identification_keys.py: identification keys;
- customers.py: customers, and the one check of a customer body;
- records.py: a customer's extension records and their unique keys;
- identity.py: the identity index under the identification keys;
- common.py: the audit entry and the batch size.
"""

from plugins.profiles.services.customers import (
    check_customer_body,
    checked_customer_id,
    customer_create,
    customer_delete,
    customer_replace,
)
from plugins.profiles.services.identification_keys import (
    identification_key_create,
    identification_key_delete,
)
from plugins.profiles.services.identity import identity_conflict_rule
from plugins.profiles.services.records import (
    duplicate_record_rule,
    extension_record_add,
    extension_record_delete,
    extension_record_delete_by_unique,
    extension_record_update,
    extension_record_update_by_unique,
    extension_records_set,
)
from plugins.profiles.services.schemas import (
    extension_schema_create,
    extension_schema_delete,
    extension_schema_replace,
    profile_schema_set,
)

__all__ = [
    "check_customer_body",
    "checked_customer_id",
    "customer_create",
    "customer_delete",
    "customer_replace",
    "duplicate_record_rule",
    "extension_record_add",
    "extension_record_delete",
    "extension_record_delete_by_unique",
    "extension_record_update",
    "extension_record_update_by_unique",
    "extension_records_set",
    "extension_schema_create",
    "extension_schema_delete",
    "extension_schema_replace",
    "identification_key_create",
    "identification_key_delete",
    "identity_conflict_rule",
    "profile_schema_set",
]
