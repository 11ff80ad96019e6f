"""What the profiles plug-in's writes share: the plug-in's name in the audit log, the batch size of
set-based rewrites, and the audit entry of a schema or key change."""

from __future__ import annotations

from csadmin.pluginlib import record_audit

PLUGIN = "profiles"


BATCH = 2000


def audit(tenant, actor, action, object_type, object_id, before=None, after=None):
    record_audit(
        tenant=tenant,
        actor=actor,
        plugin=PLUGIN,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=before,
        after=after,
    )
