"""What the access commands share: finding the user and tenant named on the command line."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from csadmin.access.grants import TenantReference
from csadmin.access.permissions import is_id

# The audit log's actor for changes made from the terminal.
TERMINAL_ACTOR = "manage.py"


def user_named(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"unknown user: {username} (create it with manage.py createsuperuser)")
    return user


def tenant_named(id_or_name: str):
    """By id or by name, as ContactCenterId names a tenant."""
    text = id_or_name.strip()
    tenant = TenantReference(id=int(text) if is_id(text) else None, name=text).find()
    if tenant is None:
        raise CommandError(f"unknown tenant: {id_or_name}")
    return tenant
