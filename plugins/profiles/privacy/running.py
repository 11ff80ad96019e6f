"""The bodies of the two jobs: every installed plug-in's part, in the declared order. The
handle reports progress and counts, is asked about cancel between batches, and holds files."""

from __future__ import annotations

from csadmin.pluginlib import customer_data_parts, record_audit
from csadmin.pluginlib.jobs import withdraw_job_files
from plugins.profiles import selectors
from plugins.profiles.privacy.archive import CustomerArchive, archive_name
from plugins.profiles.privacy.naming import COUNTS, customer_reference

PLUGIN = "profiles"
ARGUMENTS_REDACTED = "The customer's id in the arguments was replaced by a reference."


def write_data_export(handle, customer_id: str) -> dict[str, int]:
    """customer-<id>.zip with every part's members; counts of what went in."""
    tenant = handle.tenant
    selectors.customer(tenant, customer_id)  # gone meanwhile: the job fails, saying so
    parts = [part for part in customer_data_parts() if part.export is not None]
    counts: dict[str, int] = {}
    handle.progress(0, len(parts))
    name = archive_name(customer_id, customer_reference(tenant, customer_id))
    with handle.open_file(name, "wb") as out, CustomerArchive(out) as archive:
        for done, part in enumerate(parts, start=1):
            handle.check_cancelled()
            for key, value in part.export(tenant, customer_id, archive).items():
                counts[key] = counts.get(key, 0) + value
            handle.progress(done, len(parts))
        # Erased while this export ran: the unfinished file is dropped, never kept.
        selectors.customer(tenant, customer_id)
    handle.set_counts(**counts)
    audit(handle, "data-export", customer_id, counts)
    return counts


def erase_customer(handle, customer_id: str, batch: int) -> dict[str, int]:
    """Every part's batches, each committed with its counts (a worker killed between batches
    loses neither); a run that starts over finds what is left and adds to the earlier counts."""
    tenant = handle.tenant
    parts = customer_data_parts()
    totals = {key: int(handle.earlier_counts.get(key, 0)) for key in COUNTS}
    handle.set_counts(**totals)
    left = sum(part.remaining(tenant, customer_id) for part in parts)
    done = 0
    handle.progress(done, left)
    for part in parts:
        for work in part.erase(tenant, customer_id, batch):
            handle.check_cancelled()
            removed = handle.counted(work)
            for key, value in removed.items():
                totals[key] = totals.get(key, 0) + value
            done += removed.get(part.unit, 0)
            handle.progress(done, max(left, done))
    handle.log("info", "Erased: " + ", ".join(f"{totals[key]} {key}" for key in COUNTS) + ".")
    audit(handle, "erase", customer_id, totals)
    _redact_own_arguments(handle, customer_id)
    return totals


def erase_preview(tenant, customer) -> list[tuple[str, int]]:
    """What an erase of the customer removes, as its confirmation lists it: the customer, its
    extension records, then each other installed part's rows by unit ("Services: 12"), the
    parts with none left out (job files are only found by reading them, as the erase goes)."""
    goes = [("Customer", 1), ("Extension records", selectors.customer_record_count(customer))]
    for part in customer_data_parts():
        if part.unit != "profiles" and (left := part.remaining(tenant, customer.customer_id)):
            goes.append((part.unit.replace("_", " ").capitalize(), left))
    return goes


def _redact_own_arguments(handle, customer_id: str) -> None:
    arguments = {**handle.arguments, "customer_id": customer_reference(handle.tenant, customer_id)}
    withdraw_job_files(handle.run, ARGUMENTS_REDACTED, arguments=arguments)


def audit(handle, action: str, customer_id: str, counts: dict[str, int]) -> None:
    """Who, when, which job and the counts; the customer by reference, never its data."""
    record_audit(
        tenant=handle.tenant,
        actor=handle.actor,
        plugin=PLUGIN,
        action=action,
        object_type="customer",
        object_id=customer_reference(handle.tenant, customer_id),
        after={"job": handle.job_id, **counts},
    )
