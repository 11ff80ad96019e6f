"""Reads of the maintenance plug-in: the retention policy and the purge preview."""

from __future__ import annotations

from plugins.maintenance.models import RetentionPolicy
from plugins.services import selectors as service_selectors


def retention_policy(tenant) -> RetentionPolicy:
    """The tenant's policy, or an unsaved default (disabled) when none was saved yet."""
    return RetentionPolicy.objects.filter(tenant=tenant).first() or RetentionPolicy(tenant=tenant)


def enabled_policies():
    return RetentionPolicy.objects.filter(enabled=True).select_related("tenant")


def purge_preview(tenant, limit) -> dict[str, int]:
    return service_selectors.purge_preview(tenant, limit)
