"""The purge (spec §6): services of one class started before a limit, and expired services,
removed by batches of ids, each batch its own short transaction, cancellable between batches."""

from __future__ import annotations

import datetime as dt
from functools import partial

from csadmin.pluginlib import ValidationFailed, record_audit
from plugins.services import bulk

BATCH = 1000
OPERATIONS = bulk.PURGE_OPERATIONS


def parse_purge_request(body) -> tuple[str, dt.datetime, bool]:
    """(operation, limit, dry_run) from the API's body; every refusal names its field."""
    if not isinstance(body, dict):
        raise ValidationFailed.from_errors({"body": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    operation = body.get("operation")
    if operation not in OPERATIONS:
        errors["operation"] = [f"must be one of {', '.join(OPERATIONS)}"]
    raw_limit = body.get("limit")
    limit = bulk.parse_timestamp(raw_limit) if isinstance(raw_limit, str) else None
    if limit is None:
        errors["limit"] = ["is required, an ISO-8601 timestamp, e.g. 2026-01-01T00:00:00.000Z"]
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        errors["dry_run"] = ["must be true or false"]
    if errors:
        raise ValidationFailed.from_errors(errors)
    return operation, limit, dry_run


def run_purge(*, tenant, operation: str, limit: dt.datetime, dry_run: bool, reporter, batch=BATCH):
    """Delete (or, dry run, count) what the operation selects; report progress per batch and
    answer the counts of services, states and tasks (and events) removed, by this attempt and
    the earlier ones of the same job."""
    if dry_run:
        counts = bulk.purge_dry_counts(tenant, operation, limit)
        reporter.set_counts(**counts)
        reporter.progress(counts["services"], counts["services"])
        reporter.log("info", f"Dry run: would remove {counts['services']} services.")
        return counts
    # A job sent again after its worker died adds to what the earlier attempts removed.
    earlier = reporter.earlier_counts
    totals = {key: int(earlier.get(key, 0)) for key in ("services", "states", "tasks", "events")}
    reporter.set_counts(**totals)
    if totals["services"]:
        reporter.log("info", f"Earlier attempts removed {totals['services']} services.")
    total = totals["services"] + bulk.purge_selection(tenant, operation, limit).count()
    reporter.progress(totals["services"], total)
    for ids in bulk.purge_id_batches(tenant, operation, limit, batch=batch):
        reporter.check_cancelled()
        # The batch and its counts commit together: a worker killed between them loses neither.
        removed = reporter.counted(partial(bulk.purge_batch, tenant, ids))
        for key, value in removed.items():
            totals[key] += value
        reporter.progress(totals["services"], max(total, totals["services"]))
    reporter.log("info", f"Removed {totals['services']} services.")
    return totals


def audit_purge(*, tenant, actor, operation: str, limit: dt.datetime, counts: dict, job_id=None):
    """One audit entry per purge that deleted (a dry run changes nothing, so none)."""
    record_audit(
        tenant=tenant,
        actor=actor,
        plugin="maintenance",
        action="purge",
        object_type="services",
        object_id=operation,
        after={"limit": limit.isoformat(), "job": job_id, **counts},
    )
