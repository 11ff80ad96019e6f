"""Writes about tenants: creating them, their server mode and enabled plug-ins."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from csadmin.access.services import grant_roles
from csadmin.audit.services import record_audit
from csadmin.pluginlib.errors import Refused, ValidationFailed
from csadmin.pluginlib.registry import registry
from csadmin.pluginlib.storable import echo
from csadmin.tenancy.models import DisabledPlugin, Tenant

MAX_TENANT_NAME = 100


def create_tenant(*, name: str, actor=None) -> Tenant:
    """A new tenant (in maintenance mode); its creator, if any, becomes its Administrator."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.from_errors({"name": ["is required"]})
    if len(name) > MAX_TENANT_NAME:
        raise ValidationFailed.from_errors(
            {"name": [f"must be at most {MAX_TENANT_NAME} characters"]}
        )
    if name.isdigit():
        # ContactCenterId takes an id or a name: an all-digit name would be ambiguous.
        raise ValidationFailed.from_errors({"name": ["must not be only digits"]})
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(name=name)
            record_audit(
                tenant=tenant,
                actor=actor,
                plugin="tenancy",
                action="tenant.create",
                object_type="tenant",
                object_id=str(tenant.pk),
                after={"name": name},
            )
            if actor is not None and getattr(actor, "is_authenticated", False):
                grant_roles(tenant=tenant, user=actor, role_names=["Administrator"], actor=actor)
    except IntegrityError:
        raise ValidationFailed.from_errors({"name": [f"a tenant named {name} exists"]}) from None
    return tenant


def set_server_mode(*, tenant: Tenant, mode: str, actor) -> Tenant:
    if mode not in Tenant.Mode.values:
        raise ValidationFailed.from_errors(
            {"mode": [f"must be one of {', '.join(Tenant.Mode.values)}"]}
        )
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        before = locked.mode
        locked.mode = mode
        locked.save(update_fields=["mode"])
        record_audit(
            tenant=locked,
            actor=actor,
            plugin="tenancy",
            action="server.mode",
            object_type="tenant",
            object_id=str(locked.pk),
            before={"mode": before},
            after={"mode": mode},
        )
    tenant.mode = mode
    return tenant


def require_maintenance_mode(tenant: Tenant) -> None:
    """Schema changes are refused while the tenant is in production mode (spec §1)."""
    current = Tenant.objects.filter(pk=tenant.pk).values_list("mode", flat=True).first()
    if current == Tenant.Mode.PRODUCTION:
        raise Refused(
            "The server is in production mode: schema changes need maintenance mode "
            '(POST /server/mode {"mode": "maintenance"}).'
        )


def set_plugin_enabled(*, tenant: Tenant, label: str, enabled: bool, actor) -> None:
    if label not in registry:
        raise ValidationFailed.from_errors({"plugin": [f"unknown plug-in {echo(label)}"]})
    if registry.get(label).config.core:
        raise ValidationFailed.from_errors({"plugin": [f"{label} is part of the host"]})
    with transaction.atomic():
        row = DisabledPlugin.objects.filter(tenant=tenant, plugin=label)
        was_enabled = not row.exists()
        if enabled:
            row.delete()
        else:
            DisabledPlugin.objects.get_or_create(tenant=tenant, plugin=label)
        record_audit(
            tenant=tenant,
            actor=actor,
            plugin="tenancy",
            action="plugin.enable" if enabled else "plugin.disable",
            object_type="plugin",
            object_id=label,
            before={"enabled": was_enabled},
            after={"enabled": enabled},
        )
    tenant.__dict__.pop("_disabled_plugins", None)
