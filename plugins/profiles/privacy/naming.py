"""The jobs' kinds, and how an erased customer is named afterwards: by a reference that is no
data of the customer (a keyed digest of the tenant and id), so the audit log and the jobs can
say which request they answered without keeping the id. Whoever knows the id (and the key)
can check it against the reference; nobody can read the id from it."""

from __future__ import annotations

from django.utils.crypto import salted_hmac

DATA_EXPORT = "profiles.data_export"
ERASE = "profiles.erase"
COUNTS = (
    "profiles",
    "extension_records",
    "services",
    "states",
    "tasks",
    "events",
    "deliveries",
)


def customer_reference(tenant, customer_id: str) -> str:
    digest = salted_hmac("csadmin.profiles.erased-customer", f"{tenant.pk}:{customer_id}")
    return "erased:" + digest.hexdigest()[:24]
