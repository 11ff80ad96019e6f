from __future__ import annotations

from datetime import datetime

from csadmin.audit.models import AuditEntry


def audit_entries(tenant, filters: dict | None = None):
    """A tenant's audit log, newest first, filtered by plug-in, action, actor and time."""
    filters = filters or {}
    rows = AuditEntry.objects.filter(tenant=tenant)
    if filters.get("plugin"):
        rows = rows.filter(plugin=filters["plugin"])
    if filters.get("action"):
        rows = rows.filter(action__icontains=filters["action"])
    if filters.get("actor"):
        rows = rows.filter(actor=filters["actor"])
    if isinstance(filters.get("since"), datetime):
        rows = rows.filter(at__gte=filters["since"])
    if isinstance(filters.get("until"), datetime):
        rows = rows.filter(at__lte=filters["until"])
    return rows.order_by("-id")


def audit_plugins(tenant) -> list[str]:
    return list(
        AuditEntry.objects.filter(tenant=tenant)
        .order_by("plugin")
        .values_list("plugin", flat=True)
        .distinct()
    )
