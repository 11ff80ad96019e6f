"""The two jobs of a customer's data on request and their declared inputs."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta

from csadmin.pluginlib.jobs import JobInputs, job
from plugins.profiles.privacy import running
from plugins.profiles.privacy.naming import DATA_EXPORT, ERASE

PRIVACY = "profiles.customers.privacy"
CustomerId = Annotated[str, Meta(min_length=1, max_length=64, title="customer")]


class DataExportInputs(JobInputs):
    customer_id: CustomerId


class EraseInputs(JobInputs):
    customer_id: CustomerId
    batch: Annotated[int, Meta(ge=1, le=10_000)] = 1000  # services per batch (one transaction)


# The zip holds everything about the customer: only who may ask for it may download it.
@job(DATA_EXPORT, inputs=DataExportInputs, files_privilege=PRIVACY)
def data_export_job(handle):
    running.write_data_export(handle, handle.inputs.customer_id)


@job(ERASE, inputs=EraseInputs)
def erase_job(handle):
    running.erase_customer(handle, handle.inputs.customer_id, handle.inputs.batch)
