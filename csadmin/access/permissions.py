"""The DRF side of the one privilege check: resolves the tenant, then asks `decide`."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from csadmin.access.checks import Decision, decide
from csadmin.access.grants import TenantReference, load_grant
from csadmin.api.errors import PrivilegeRequired, TenantNotConfiguredError
from csadmin.pluginlib.registry import registry
from csadmin.pluginlib.storable import echo

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


def tenant_reference(headers) -> TenantReference:
    """ContactCenterId (an id or a name) or X-Genesys-TenantId (an id), as spec §1 says."""
    by_id_or_name = (headers.get("ContactCenterId") or "").strip()
    if by_id_or_name:
        as_id = int(by_id_or_name) if is_id(by_id_or_name) else None
        return TenantReference(id=as_id, name=by_id_or_name)
    by_id = (headers.get("X-Genesys-TenantId") or "").strip()
    if by_id:
        if not is_id(by_id):
            raise TenantNotConfiguredError(f"tenant {echo(by_id)} is not configured")
        return TenantReference(id=int(by_id))
    return TenantReference()


def is_id(value: str) -> bool:
    return value.isdigit() and len(value) < 19


def resolve_api_tenant(request):
    """The tenant the request names (else the caller's default), loaded with the caller's
    privileges in one query. Unknown tenant: 400; a tenant not granted: 403."""
    reference = tenant_reference(request.headers)
    tenant = load_grant(request.user, reference)
    if tenant is not None:
        return tenant
    if not reference.given:
        raise exceptions.PermissionDenied("You hold no grant in any tenant.")
    named = reference.find()
    if named is None:
        raise TenantNotConfiguredError(f"tenant {echo(reference.as_text())} is not configured")
    raise exceptions.PermissionDenied(f"You hold no grant in tenant {named.name}.")


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
        if decision is Decision.PLUGIN_DISABLED:
            raise exceptions.NotFound("Not found.")
        definition = registry.privilege(privilege)
        if definition is not None and definition.administrative:
            raise PrivilegeRequired(f"This operation requires the privilege {privilege}.")
        raise exceptions.PermissionDenied(f"This operation requires the privilege {privilege}.")
