"""The profiles plug-in's part of one customer's data (csadmin.pluginlib.CustomerData): the
profile with every extension's records (profile.json); erased last, with its extension
records and identification-key entries, and with the files of earlier data exports of the
customer (which hold everything the erase removes)."""

from __future__ import annotations

import json

from csadmin.pluginlib import CustomerData
from csadmin.pluginlib.jobs import JobRun, withdraw_job_files
from plugins.profiles import selectors
from plugins.profiles.models import Customer, ExtensionRecord, IdentityKey, RecordKey
from plugins.profiles.privacy.naming import DATA_EXPORT, customer_reference

PROFILE_FILE = "profile.json"
WITHDRAWN = "Files withdrawn: the customer's data was erased on request."


def export_profile(tenant, customer_id: str, archive) -> dict[str, int]:
    """profile.json: the core attributes and every extension's records (as GET /profiles/{id}
    ?extensions=* answers)."""
    customer = selectors.customer(tenant, customer_id)
    schemas = list(selectors.extension_schemas(tenant))
    document = selectors.customer_documents([customer], schemas)[0]
    with archive.member(PROFILE_FILE) as out:
        out.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    records = ExtensionRecord.objects.filter(customer=customer).count()
    return {"profiles": 1, "extension_records": records}


def earlier_data_exports(tenant, customer_id: str):
    return JobRun.objects.filter(
        tenant=tenant, kind=DATA_EXPORT, arguments__customer_id=customer_id
    )


def _withdraw_data_exports(tenant, customer_id: str) -> None:
    """Their files go, and their arguments, error and log name the customer by reference."""
    reference = customer_reference(tenant, customer_id)
    for run in earlier_data_exports(tenant, customer_id):
        withdraw_job_files(
            run, WITHDRAWN, arguments={"customer_id": reference}, forget=(customer_id, reference)
        )


def _erase_profile(tenant, customer_id: str) -> dict[str, int]:
    _withdraw_data_exports(tenant, customer_id)
    customer = Customer.objects.filter(tenant=tenant, customer_id=customer_id).first()
    if customer is None:
        return {"profiles": 0, "extension_records": 0}
    IdentityKey.objects.filter(customer=customer).delete()
    RecordKey.objects.filter(customer=customer).delete()
    _total, by_model = ExtensionRecord.objects.filter(customer=customer).delete()
    records = by_model.get(ExtensionRecord._meta.label, 0)
    Customer.objects.filter(pk=customer.pk).delete()
    return {"profiles": 1, "extension_records": records}


def erase_profile(tenant, customer_id: str, batch: int):
    """One work: a customer's records are few (its services are the services plug-in's)."""
    yield lambda: _erase_profile(tenant, customer_id)


def remaining_profiles(tenant, customer_id: str) -> int:
    return Customer.objects.filter(tenant=tenant, customer_id=customer_id).count()


PROFILE_PART = CustomerData(
    name="profile",
    order=100,
    export=export_profile,
    erase=erase_profile,
    remaining=remaining_profiles,
    unit="profiles",
)
