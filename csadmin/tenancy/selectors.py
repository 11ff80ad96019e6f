"""Reads about tenants: the tenants a user may pick, the plug-ins enabled in a tenant."""

from __future__ import annotations

from csadmin.pluginlib.registry import registry
from csadmin.tenancy.models import DisabledPlugin, Tenant

TENANT_SESSION_KEY = "csadmin_tenant_id"


def tenants_of(user) -> list[Tenant]:
    if not user.is_authenticated:
        return []
    return list(Tenant.objects.filter(memberships__user=user).order_by("name"))


def disabled_plugins(tenant: Tenant | None) -> frozenset[str]:
    """Labels of the plug-ins off for this tenant, including those whose requirement is off.
    Cached on the tenant object, so a request pays one query (none when `load_grant` primed it)."""
    if tenant is None:
        return frozenset()
    cached = getattr(tenant, "_disabled_plugins", None)
    if cached is None:
        off = DisabledPlugin.objects.filter(tenant=tenant).values_list("plugin", flat=True)
        cached = tenant._disabled_plugins = with_requirements_off(off)
    return cached


def with_requirements_off(off) -> frozenset[str]:
    """The plug-ins switched off, plus every plug-in that requires one of them."""
    off = set(off)
    changed = True
    while changed:
        changed = False
        for plugin in registry.plugins():
            if plugin.label not in off and off.intersection(plugin.config.requires):
                off.add(plugin.label)
                changed = True
    return frozenset(off)
