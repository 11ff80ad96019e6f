from __future__ import annotations

from datetime import datetime

from csadmin.audit.models import AuditEntry


def audit_page(
    *, tenant, after_id: int | None = None, limit: int = 50, filters: dict | None = None
) -> tuple[list[AuditEntry], int | None]:
    """One page of a tenant's audit log, newest first, by keyset on id.

    Returns the rows and the id to continue after (None on the last page)."""
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
    if after_id is not None:
        rows = rows.filter(id__lt=after_id)
    page = list(rows.order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].id if more else None)


def audit_plugins(tenant) -> list[str]:
    return list(
        AuditEntry.objects.filter(tenant=tenant)
        .order_by("plugin")
        .values_list("plugin", flat=True)
        .distinct()
    )
