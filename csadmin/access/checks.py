"""The one place that decides whether a user may do something in a tenant.

Pages (through the view mixin), the API (through the DRF permission) and the menu all ask
`decide`; nothing else reads roles or privileges to grant access.
"""

from __future__ import annotations

import enum

from csadmin.pluginlib.registry import registry
from csadmin.tenancy.models import Membership
from csadmin.tenancy.selectors import disabled_plugins


class Decision(enum.Enum):
    ALLOW = "allow"
    UNAUTHENTICATED = "unauthenticated"
    NOT_MEMBER = "not member"
    PLUGIN_DISABLED = "plug-in disabled"
    LACKS_PRIVILEGE = "lacks privilege"


def privileges_of(user, tenant) -> frozenset[str] | None:
    """The privilege codes the user holds in the tenant; None when they hold no grant there.

    One query per (user, tenant), cached on the user object for the rest of the request.
    """
    if tenant is None or not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_csadmin_privileges", {})
    if tenant.pk not in cache:
        rows = list(
            Membership.objects.filter(user=user, tenant=tenant).values_list(
                "roles__privileges__code", flat=True
            )
        )
        cache[tenant.pk] = frozenset(code for code in rows if code) if rows else None
    return cache[tenant.pk]


def decide(user, tenant, privilege: str | None, plugin: str | None = None) -> Decision:
    """Whether `user` may use `privilege` of `plugin` in `tenant`.

    privilege None means "any member of the tenant" (e.g. reading the server status).
    """
    if user is None or not user.is_authenticated:
        return Decision.UNAUTHENTICATED
    held = privileges_of(user, tenant)
    if held is None:
        return Decision.NOT_MEMBER
    if plugin and plugin_disabled(tenant, plugin):
        return Decision.PLUGIN_DISABLED
    if privilege is not None and privilege not in held:
        return Decision.LACKS_PRIVILEGE
    return Decision.ALLOW


def plugin_disabled(tenant, plugin: str) -> bool:
    if plugin not in registry or registry.get(plugin).config.core:
        return False
    return plugin in disabled_plugins(tenant)


def has_privilege(user, tenant, privilege: str, plugin: str | None = None) -> bool:
    return decide(user, tenant, privilege, plugin) is Decision.ALLOW


def forget_cached_privileges(user) -> None:
    user.__dict__.pop("_csadmin_privileges", None)
