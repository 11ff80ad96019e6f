"""Set up the demo: tenants "Environment" (with every plug-in's demo data) and "Sandbox" (empty),
and the user admin, Administrator in both. Safe to run again: what exists is kept."""

import os

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from csadmin.access.services import grant_roles
from csadmin.pluginlib.registry import registry
from csadmin.tenancy.models import Tenant

DEMO_TENANT = "Environment"
EMPTY_TENANT = "Sandbox"


class Command(BaseCommand):
    help = "Create the demo tenants, the admin user and each plug-in's demo data (idempotent)."

    def handle(self, *args, **options):
        User = get_user_model()
        password = os.environ.get("CSADMIN_ADMIN_PASSWORD") or "admin"
        with transaction.atomic():
            admin, created = User.objects.get_or_create(
                username="admin", defaults={"is_staff": True, "is_superuser": True}
            )
            if created:
                admin.set_password(password)
                admin.save()
            for name in (DEMO_TENANT, EMPTY_TENANT):
                tenant, _ = Tenant.objects.get_or_create(name=name)
                if not tenant.memberships.filter(user=admin).exists():
                    grant_roles(
                        tenant=tenant,
                        user=admin,
                        role_names=["Administrator"],
                        actor=admin,
                        make_default=name == DEMO_TENANT,
                    )
        demo_tenant = Tenant.objects.get(name=DEMO_TENANT)
        for plugin in registry.plugins():
            if plugin.demo is not None:
                with transaction.atomic():
                    summary = plugin.demo(tenant=demo_tenant, actor=admin)
                self.stdout.write(f"demo {plugin.label}: {summary or 'ready'}")
        self.stdout.write(
            f"Sign in as admin{' (password admin)' if created and password == 'admin' else ''}; "
            f"tenants: {DEMO_TENANT}, {EMPTY_TENANT}."
        )
