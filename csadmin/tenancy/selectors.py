"""Reads about tenants: resolving the tenant of a request, memberships, enabled plug-ins."""

from __future__ import annotations

from csadmin.tenancy.models import DisabledPlugin, Membership, Tenant

TENANT_SESSION_KEY = "csadmin_tenant_id"


class TenantNotConfigured(Exception):
    def __init__(self, value: str) -> None:
        super().__init__(f"tenant {value} is not configured")


def tenant_named_in_headers(headers) -> Tenant | None:
    """The tenant a request names with ContactCenterId (id or name) or X-Genesys-TenantId (id).

    Returns None when neither header is present; raises TenantNotConfigured for unknown values.
    """
    by_id = headers.get("X-Genesys-TenantId")
    by_id_or_name = headers.get("ContactCenterId")
    if by_id_or_name:
        value = by_id_or_name.strip()
        tenant = None
        if value.isdigit() and len(value) < 19:
            tenant = Tenant.objects.filter(pk=int(value)).first()
        tenant = tenant or Tenant.objects.filter(name=value).first()
        if tenant is None:
            raise TenantNotConfigured(value)
        return tenant
    if by_id:
        value = by_id.strip()
        if not (value.isdigit() and len(value) < 19):
            raise TenantNotConfigured(value)
        tenant = Tenant.objects.filter(pk=int(value)).first()
        if tenant is None:
            raise TenantNotConfigured(value)
        return tenant
    return None


def default_tenant(user) -> Tenant | None:
    """The user's default tenant: the one marked default, else the first granted by name."""
    membership = (
        Membership.objects.filter(user=user)
        .select_related("tenant")
        .order_by("-is_default", "tenant__name")
        .first()
    )
    return membership.tenant if membership else None


def tenants_of(user) -> list[Tenant]:
    if not user.is_authenticated:
        return []
    return list(Tenant.objects.filter(memberships__user=user).order_by("name"))


def session_tenant(request) -> Tenant | None:
    """The tenant chosen in the header picker, if the user still holds a grant in it."""
    user = request.user
    if not user.is_authenticated:
        return None
    tenant_id = request.session.get(TENANT_SESSION_KEY)
    if tenant_id is not None:
        tenant = Tenant.objects.filter(pk=tenant_id, memberships__user=user).first()
        if tenant is not None:
            return tenant
    tenant = default_tenant(user)
    if tenant is not None:
        request.session[TENANT_SESSION_KEY] = tenant.pk
    return tenant


def disabled_plugins(tenant: Tenant | None) -> frozenset[str]:
    """Labels of the plug-ins off for this tenant, including those whose requirement is off.
    Cached on the tenant object, so a request pays one query."""
    if tenant is None:
        return frozenset()
    cached = getattr(tenant, "_disabled_plugins", None)
    if cached is None:
        from csadmin.pluginlib.registry import registry

        off = set(DisabledPlugin.objects.filter(tenant=tenant).values_list("plugin", flat=True))
        changed = True
        while changed:  # a plug-in is off when anything it requires is off
            changed = False
            for plugin in registry.plugins():
                if plugin.label not in off and off.intersection(plugin.config.requires):
                    off.add(plugin.label)
                    changed = True
        cached = frozenset(off)
        tenant._disabled_plugins = cached
    return cached
