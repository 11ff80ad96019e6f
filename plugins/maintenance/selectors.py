"""Reads of the maintenance plug-in: the retention policy, the purge preview, and the uploads
import jobs still need."""

from __future__ import annotations

from django.db.models import Q

from csadmin.pluginlib.jobs import JobRun
from plugins.maintenance.models import RetentionPolicy
from plugins.services import bulk


def retention_policy(tenant) -> RetentionPolicy:
    """The tenant's policy, or an unsaved default (disabled) when none was saved yet."""
    return RetentionPolicy.objects.filter(tenant=tenant).first() or RetentionPolicy(tenant=tenant)


def enabled_policies():
    return RetentionPolicy.objects.filter(enabled=True).select_related("tenant")


def purge_preview(tenant, limit) -> dict[str, int]:
    return bulk.purge_preview(tenant, limit)


def purge_counts(tenant, operation: str, limit) -> dict[str, int]:
    """What one purge would remove: services of its class (unexpired), expired services, and
    the states and tasks of them all."""
    preview = bulk.purge_preview(tenant, limit)
    total = bulk.purge_dry_counts(tenant, operation, limit)
    return {
        "class": preview[operation],
        "expired": preview["expired"],
        "services": total["services"],
        "states": total["states"],
        "tasks": total["tasks"],
    }


def upload_tokens_in_use(kind: str, *, since) -> set[str]:
    """Upload tokens named by jobs of `kind` that are queued, running, or ended after `since`."""
    active = Q(state__in=(JobRun.State.QUEUED, JobRun.State.RUNNING)) | Q(finished_at__gte=since)
    tokens = JobRun.objects.filter(active, kind=kind).values_list("arguments__upload", flat=True)
    return {token for token in tokens if isinstance(token, str)}
