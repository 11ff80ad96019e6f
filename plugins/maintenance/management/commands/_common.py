"""What the maintenance commands share: the tenant by name and the terminal reporter."""

from __future__ import annotations

from django.core.management.base import CommandError

from csadmin.pluginlib.tenancy import Tenant


def tenant_named(name: str) -> Tenant:
    tenant = Tenant.objects.filter(name=name).first()
    if tenant is None:
        raise CommandError(f"No tenant named {name!r}.")
    return tenant
