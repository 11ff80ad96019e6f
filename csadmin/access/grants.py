"""Loading a user's grant in a tenant with one query.

Every API call and page needs the same three facts before its view runs: the tenant, the
privileges the caller holds there, and the plug-ins switched off there. One query over the
membership answers all three; it primes the caches that `decide` reads, so the privilege
check itself costs nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from csadmin.tenancy.models import Membership, Tenant
from csadmin.tenancy.selectors import TENANT_SESSION_KEY, with_requirements_off

TENANT_FIELDS = ("id", "name", "mode", "created_at")


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


def load_grant(user, reference: TenantReference = TenantReference()) -> Tenant | None:
    """The tenant `reference` names (none named: the user's default tenant) if `user` holds a
    grant there, with its privileges and disabled plug-ins cached for `decide`; else None."""
    memberships = Membership.objects.filter(user=user)
    if reference.given:
        memberships = memberships.filter(reference.matching("tenant__"))
    rows = list(
        memberships.order_by("-is_default", "tenant__name", "tenant_id").values_list(
            *(f"tenant__{field}" for field in TENANT_FIELDS),
            "roles__privileges__code",
            "tenant__disabled_plugins__plugin",
        )
    )
    if not rows:
        return None
    chosen = next((row[0] for row in rows if row[0] == reference.id), rows[0][0])
    own = [row for row in rows if row[0] == chosen]
    tenant = Tenant.from_db("default", list(TENANT_FIELDS), list(own[0][: len(TENANT_FIELDS)]))
    codes = frozenset(row[-2] for row in own if row[-2])
    tenant._disabled_plugins = with_requirements_off(row[-1] for row in own if row[-1])
    user.__dict__.setdefault("_csadmin_privileges", {})[tenant.pk] = codes
    return tenant


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
