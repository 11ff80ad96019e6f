"""Loading a user's grant in a tenant with one query.

Every API call and page needs the same three facts before its view runs: the tenant, the
privileges the caller holds there, and the plug-ins switched off there. One query over the
membership answers all three; it primes the caches that `decide` reads, so the privilege
check itself costs nothing more. Each process remembers the answer until the access generation
changes (`csadmin.access.freshness`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from csadmin.access.freshness import Memo, generation
from csadmin.access.models import Privilege, Role
from csadmin.tenancy.models import DisabledPlugin, Membership, Tenant
from csadmin.tenancy.selectors import TENANT_SESSION_KEY, with_requirements_off


@dataclass(frozen=True)
class TenantReference:
    """How a request names its tenant: by id, by name, either (ContactCenterId), or not at all."""

    id: int | None = None
    name: str | None = None

    @property
    def given(self) -> bool:
        return self.id is not None or self.name is not None

    def as_text(self) -> str:
        return self.name if self.name is not None else str(self.id)

    def matching(self, prefix: str = "") -> Q:
        condition = Q()
        if self.id is not None:
            condition |= Q(**{f"{prefix}id": self.id})
        if self.name is not None:
            condition |= Q(**{f"{prefix}name": self.name})
        return condition

    def find(self) -> Tenant | None:
        """The tenant named, granted or not (an id match wins over a name match)."""
        found = list(Tenant.objects.filter(self.matching()))
        return next((t for t in found if t.pk == self.id), found[0] if found else None)


@dataclass(frozen=True)
class Grant:
    """What one query tells about a user in a tenant, kept by value (never a shared model)."""

    tenant_values: tuple  # id, name, mode
    privileges: frozenset[str]
    disabled_plugins: frozenset[str]

    def apply(self, user) -> Tenant:
        """A fresh tenant object with its plug-ins off, and the privileges primed on `user`."""
        tenant = Tenant.from_db(connection.alias, ["id", "name", "mode"], list(self.tenant_values))
        tenant._disabled_plugins = self.disabled_plugins
        user.__dict__.setdefault("_csadmin_privileges", {})[tenant.pk] = self.privileges
        return tenant


_grants = Memo()


def load_grant(user, reference: TenantReference = TenantReference()) -> Tenant | None:
    """The tenant `reference` names (none named: the user's default tenant) if `user` holds a
    grant there, with its privileges and disabled plug-ins cached for `decide`; else None.
    A grant this process read under the current generation costs no query; a refusal is
    always read again."""
    # the generation the token was checked under, once: a later load in the same request (after
    # a write, say) reads the generation again
    current = user.__dict__.pop("_csadmin_generation", None) or generation()
    key = (user.pk, reference.id, reference.name)
    grant = _grants.get(key, current)
    if grant is None:
        grant = read_grant(user, reference)
        if grant is None:
            return None
        _grants.put(key, grant, current)
    return grant.apply(user)


def read_grant(user, reference: TenantReference) -> Grant | None:
    sql, params = grant_sql(reference.given), [user.pk]
    if reference.given:
        params += [reference.id, reference.name]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    chosen = next((row[0] for row in rows if row[0] == reference.id), rows[0][0])
    own = [row for row in rows if row[0] == chosen]
    return Grant(
        tenant_values=tuple(own[0][:3]),
        privileges=frozenset(row[3] for row in own if row[3]),
        disabled_plugins=with_requirements_off(row[4] for row in own if row[4]),
    )


@functools.cache
def grant_sql(tenant_named: bool) -> str:
    """The grant query, written once: it runs before every API call and page, where building
    it through the ORM cost more than running it."""
    membership_roles = Membership.roles.through
    role_privileges = Role.privileges.through
    where = "m.user_id = %s"
    if tenant_named:
        where += " AND (t.id = %s OR t.name = %s)"
    return f"""
        SELECT t.id, t.name, t.mode, p.code, d.plugin
        FROM {Membership._meta.db_table} m
        JOIN {Tenant._meta.db_table} t ON t.id = m.tenant_id
        LEFT JOIN {membership_roles._meta.db_table} mr ON mr.membership_id = m.id
        LEFT JOIN {role_privileges._meta.db_table} rp ON rp.role_id = mr.role_id
        LEFT JOIN {Privilege._meta.db_table} p ON p.id = rp.privilege_id
        LEFT JOIN {DisabledPlugin._meta.db_table} d ON d.tenant_id = t.id
        WHERE {where}
        ORDER BY m.is_default DESC, t.name, t.id
    """  # noqa: S608  (table names from the models; values are parameters)


def session_grant(request) -> Tenant | None:
    """The tenant chosen with the header's picker (kept in the session) if the user still
    holds a grant there, else their default tenant, which becomes the session's choice."""
    user = request.user
    if not user.is_authenticated:
        return None
    chosen = request.session.get(TENANT_SESSION_KEY)
    tenant = load_grant(user, TenantReference(id=chosen)) if isinstance(chosen, int) else None
    if tenant is None:
        tenant = load_grant(user)
        if tenant is not None:
            request.session[TENANT_SESSION_KEY] = tenant.pk
    return tenant
