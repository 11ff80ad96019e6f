"""Writing audit rows. Callers pass plain JSON-able snapshots of the object before and after."""

from csadmin.audit.models import AuditEntry


def record_audit(
    *,
    tenant,
    actor,
    plugin: str,
    action: str,
    object_type: str,
    object_id: str = "",
    before=None,
    after=None,
) -> AuditEntry:
    """Record one configuration change; call it inside the change's own transaction."""
    name = getattr(actor, "get_username", lambda: str(actor or "system"))()
    return AuditEntry.objects.create(
        tenant=tenant,
        actor=name or "system",
        plugin=plugin,
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:255],
        before=before,
        after=after,
    )
