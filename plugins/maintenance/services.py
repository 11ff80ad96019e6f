"""Writes of the maintenance plug-in: start the jobs (purge, export files, import), save the
retention policy, and queue the nightly purges. The API, the page and the commands call these."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from csadmin.pluginlib import ValidationFailed, record_audit
from csadmin.pluginlib.jobs import enqueue_job
from plugins.maintenance import purge
from plugins.maintenance.exporting import (
    EXPORT_FORMATS,
    FORMAT_RULE,
    ExportQuery,
    parse_export_query,
)
from plugins.maintenance.models import OPERATIONS, RetentionPolicy
from plugins.maintenance.selectors import enabled_policies, upload_tokens_in_use
from plugins.maintenance.uploads import discard_upload, remove_uploads_older_than

PLUGIN = "maintenance"
PURGE = "maintenance.purge"
EXPORT = "maintenance.export_files"
IMPORT = "maintenance.import"
CUSTOMERS_IMPORT = "maintenance.customers_import"  # customers.services.IMPORT
MAX_AGE_DAYS = 36500
UPLOAD_KEEP = dt.timedelta(days=1)  # an upload no job reads is removed after this


def start_purge(*, tenant, body, actor):
    operation, limit, dry_run = purge.parse_purge_request(body)
    arguments = {"operation": operation, "limit": limit.isoformat(), "dry_run": dry_run}
    return enqueue_job(tenant=tenant, kind=PURGE, arguments=arguments, actor=actor)


def check_export_parameters_given(params) -> None:
    """An import takes none of the export's parameters, but one it is given must still be well
    formed: a client that sends a bad one is told so rather than ignored."""
    parse_export_query(params, for_files=True, require_time_from=False)
    if params.get("format", "") not in ("", *EXPORT_FORMATS):
        raise ValidationFailed.from_errors({"format": [FORMAT_RULE]})


def start_export_files(*, tenant, query: ExportQuery, fmt: str, actor):
    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed.from_errors({"format": [FORMAT_RULE]})
    arguments = {**query.as_arguments(), "format": fmt}
    return enqueue_job(tenant=tenant, kind=EXPORT, arguments=arguments, actor=actor)


def parse_max_errors(raw) -> int | None:
    if raw in (None, ""):
        return None
    text = str(raw)
    if not text.isdigit() or int(text) < 1:
        raise ValidationFailed.from_errors({"max_errors": ["must be a positive integer"]})
    return int(text)


def start_import(*, tenant, token: str, name: str, max_errors: int | None, actor):
    """Queue the import of the upload kept under `token`; when no job could be queued (the
    broker is down: 503), the upload is removed, as nothing would ever read it."""
    arguments = {"upload": token, "name": str(name)[:200], "max_errors": max_errors}
    try:
        return enqueue_job(tenant=tenant, kind=IMPORT, arguments=arguments, actor=actor)
    except Exception:
        discard_upload(token)
        raise


def sweep_orphan_uploads(now: dt.datetime | None = None) -> int:
    """Remove uploads older than UPLOAD_KEEP that no import job may still read (none queued or
    running names them, none that ended within UPLOAD_KEEP, which a retry would read); answer
    how many went. Catches uploads whose request failed after they were kept."""
    now = now or timezone.now()
    cutoff = now - UPLOAD_KEEP
    keep = upload_tokens_in_use(IMPORT, since=cutoff)
    keep |= upload_tokens_in_use(CUSTOMERS_IMPORT, since=cutoff)
    return remove_uploads_older_than(cutoff, keep=keep)


def _policy_snapshot(policy: RetentionPolicy) -> dict:
    return {"enabled": policy.enabled, "operation": policy.operation, "age_days": policy.age_days}


@transaction.atomic
def retention_policy_save(*, tenant, enabled: bool, operation: str, age_days, actor):
    errors = {}
    if operation not in dict(OPERATIONS):
        errors["operation"] = [f"must be one of {', '.join(dict(OPERATIONS))}"]
    if isinstance(age_days, str) and age_days.strip().isdigit():
        age_days = int(age_days)
    if isinstance(age_days, bool) or not isinstance(age_days, int) or age_days < 1:
        errors["age_days"] = ["must be a whole number of days, at least 1"]
    elif age_days > MAX_AGE_DAYS:
        errors["age_days"] = [f"must be at most {MAX_AGE_DAYS}"]
    if errors:
        raise ValidationFailed.from_errors(errors)
    policy = RetentionPolicy.objects.select_for_update().filter(tenant=tenant).first()
    before = _policy_snapshot(policy) if policy else None
    policy = policy or RetentionPolicy(tenant=tenant)
    policy.enabled, policy.operation, policy.age_days = bool(enabled), operation, age_days
    policy.updated_at = timezone.now()
    policy.updated_by = getattr(actor, "get_username", lambda: "system")() or "system"
    policy.save()
    record_audit(
        tenant=tenant,
        actor=actor,
        plugin=PLUGIN,
        action="update" if before else "create",
        object_type="retention policy",
        object_id=str(tenant.pk),
        before=before,
        after=_policy_snapshot(policy),
    )
    return policy


def run_retention_policies(now: dt.datetime | None = None) -> list:
    """Queue one purge job per tenant with an enabled policy (the nightly beat task)."""
    now = now or timezone.now()
    runs = []
    for policy in enabled_policies():
        limit = now - dt.timedelta(days=policy.age_days)
        with transaction.atomic():
            run = enqueue_job(
                tenant=policy.tenant,
                kind=PURGE,
                arguments={
                    "operation": policy.operation,
                    "limit": limit.isoformat(),
                    "dry_run": False,
                    "policy": True,
                },
                actor=None,
            )
            RetentionPolicy.objects.filter(pk=policy.pk).update(last_run_at=now)
        runs.append(run)
    return runs
