"""Tenants, as a plug-in reads them (the host's csadmin.tenancy, re-exported):

Tenant              the tenant model (for lookups by name, foreign keys)
DisabledPlugin      the rows that turn a plug-in off in a tenant (for subqueries)
disabled_plugins    disabled_plugins(tenant) -> the labels off in that tenant
tenants_of          tenants_of(user) -> the tenants the user belongs to
"""

from csadmin.tenancy.models import DisabledPlugin, Tenant
from csadmin.tenancy.selectors import disabled_plugins, tenants_of

__all__ = ["DisabledPlugin", "Tenant", "disabled_plugins", "tenants_of"]
