"""The DRF side of the one privilege check: resolves the tenant, then asks `decide`."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from csadmin.access.checks import Decision, decide
from csadmin.api.errors import PrivilegeRequired, TenantNotConfiguredError
from csadmin.pluginlib.registry import registry
from csadmin.tenancy.selectors import TenantNotConfigured, default_tenant, tenant_named_in_headers

ANY_MEMBER = None


def required_privilege(view, method: str) -> str | None:
    """The privilege a view names for a method; HEAD and OPTIONS follow GET."""
    privileges = getattr(view, "privileges", None)
    if privileges is None:
        raise exceptions.PermissionDenied("This endpoint declares no privilege.")
    method = "GET" if method in {"HEAD", "OPTIONS"} else method
    if method not in privileges:
        raise exceptions.PermissionDenied("This endpoint declares no privilege for the method.")
    return privileges[method]


def resolve_api_tenant(request):
    """The tenant named by the request's headers, else the caller's default tenant."""
    try:
        tenant = tenant_named_in_headers(request.headers)
    except TenantNotConfigured as exc:
        raise TenantNotConfiguredError(str(exc)) from None
    if tenant is None:
        tenant = default_tenant(request.user)
        if tenant is None:
            raise exceptions.PermissionDenied("You hold no grant in any tenant.")
    return tenant


class PrivilegePermission(BasePermission):
    """Every API view goes through this: 401 / 400 / 403 / 404 exactly as spec §1 says."""

    def has_permission(self, request, view) -> bool:
        if getattr(view, request.method.lower(), None) is None:
            return True  # let the view answer 405 with its Allow header
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        privilege = required_privilege(view, request.method)
        tenant = resolve_api_tenant(request)
        request.tenant = tenant
        request._request.tenant = tenant
        plugin = registry.label_for_module(type(view).__module__)
        decision = decide(request.user, tenant, privilege, plugin)
        if decision is Decision.ALLOW:
            return True
        if decision is Decision.NOT_MEMBER:
            raise exceptions.PermissionDenied(f"You hold no grant in tenant {tenant.name}.")
        if decision is Decision.PLUGIN_DISABLED:
            raise exceptions.NotFound("Not found.")
        definition = registry.privilege(privilege)
        if definition is not None and definition.administrative:
            raise PrivilegeRequired(f"This operation requires the privilege {privilege}.")
        raise exceptions.PermissionDenied(f"This operation requires the privilege {privilege}.")
