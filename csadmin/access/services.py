"""Writes about access: privilege rows, built-in roles, grants, users and API tokens."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from csadmin.access.checks import forget_cached_privileges
from csadmin.access.models import ApiToken, Privilege, Role, hash_token
from csadmin.audit.services import record_audit
from csadmin.pluginlib.config import BUILTIN_ROLES
from csadmin.pluginlib.errors import NotFoundError, ValidationFailed
from csadmin.pluginlib.registry import registry
from csadmin.tenancy.models import Membership

ROLE_DESCRIPTIONS = {
    "Administrator": "Everything, in the tenants where it is granted.",
    "Supervisor": "Reads everything; changes nothing.",
    "Schema Designer": "Extension schemas, identification keys and business attributes.",
    "Agent Application": "Reads and writes customers, services, states and tasks.",
    "Maintenance Operator": "Runs and watches maintenance jobs.",
}


@transaction.atomic
def sync_privileges() -> None:
    """Make the privilege rows and built-in roles match what the plug-ins declare."""
    declared = registry.privileges()
    for code, (plugin, privilege) in declared.items():
        Privilege.objects.update_or_create(
            code=code,
            defaults={
                "description": privilege.description,
                "plugin": plugin,
                "administrative": privilege.administrative,
                "read_only": privilege.read_only,
            },
        )
    Privilege.objects.exclude(code__in=declared).delete()
    rows = {row.code: row for row in Privilege.objects.all()}
    for name in BUILTIN_ROLES:
        role, _ = Role.objects.update_or_create(
            name=name, defaults={"builtin": True, "description": ROLE_DESCRIPTIONS[name]}
        )
        role.privileges.set([rows[code] for code in _builtin_role_codes(name, declared)])


def _builtin_role_codes(role: str, declared) -> list[str]:
    if role == "Administrator":
        return list(declared)
    return [
        code
        for code, (_plugin, privilege) in declared.items()
        if role in privilege.roles or (role == "Supervisor" and privilege.read_only)
    ]


def sync_privileges_after_migrate(sender, **kwargs) -> None:
    sync_privileges()


def grant_roles(*, tenant, user, role_names: list[str], actor, make_default: bool = False):
    """Set the roles `user` holds in `tenant` (an empty list keeps a grant with no roles)."""
    roles = list(Role.objects.filter(name__in=role_names))
    unknown = sorted(set(role_names) - {role.name for role in roles})
    if unknown:
        raise ValidationFailed.from_errors({"roles": [f"unknown role(s): {', '.join(unknown)}"]})
    with transaction.atomic():
        membership, created = Membership.objects.get_or_create(user=user, tenant=tenant)
        before = None if created else sorted(membership.roles.values_list("name", flat=True))
        membership.roles.set(roles)
        if make_default or not Membership.objects.filter(user=user, is_default=True).exists():
            Membership.objects.filter(user=user).exclude(pk=membership.pk).update(is_default=False)
            membership.is_default = True
            membership.save(update_fields=["is_default"])
        record_audit(
            tenant=tenant,
            actor=actor,
            plugin="access",
            action="grant.set",
            object_type="grant",
            object_id=user.get_username(),
            before={"roles": before} if before is not None else None,
            after={"roles": sorted(role.name for role in roles)},
        )
    forget_cached_privileges(user)
    return membership


def revoke_grant(*, tenant, user, actor) -> None:
    with transaction.atomic():
        membership = Membership.objects.filter(user=user, tenant=tenant).first()
        if membership is None:
            raise NotFoundError(f"{user.get_username()} holds no grant in {tenant.name}")
        before = sorted(membership.roles.values_list("name", flat=True))
        membership.delete()
        record_audit(
            tenant=tenant,
            actor=actor,
            plugin="access",
            action="grant.revoke",
            object_type="grant",
            object_id=user.get_username(),
            before={"roles": before},
        )
    forget_cached_privileges(user)


def find_or_create_user(*, username: str, password: str | None):
    """The user with this name; a new one needs a password (checked by Django's validators)."""
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise ValidationFailed.from_errors({"username": ["is required"]})
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    if not password:
        raise ValidationFailed.from_errors({"password": ["is required for a new user"]})
    try:
        validate_password(password, User(username=username))
    except ValidationError as exc:
        raise ValidationFailed.from_errors({"password": list(exc.messages)}) from None
    return User.objects.create_user(username=username, password=password)


def create_api_token(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it with its key, which is never shown again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed.from_errors({"name": ["is required, at most 100 characters"]})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=hash_token(key))
    return token, key


def revoke_api_token(*, user, token_id: int) -> None:
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise NotFoundError("No such token.")
