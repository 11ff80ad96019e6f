from django.core.management.base import BaseCommand, CommandError

from csadmin.access.management.lookups import TERMINAL_ACTOR, tenant_named, user_named
from csadmin.access.models import Role
from csadmin.access.services import grant_roles
from csadmin.pluginlib.errors import DomainError


class Command(BaseCommand):
    help = (
        "Set the roles USER holds in TENANT (an id or a name) to exactly ROLE..., as "
        "Administration > Users and grants does; audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("user", help="user name")
        parser.add_argument("tenant", help="tenant id or name")
        parser.add_argument("roles", nargs="+", metavar="role", help="role name, e.g. Supervisor")
        parser.add_argument(
            "--default", action="store_true", help="make TENANT the user's default tenant"
        )

    def handle(self, *args, user, tenant, roles, default, **options):
        member, where = user_named(user), tenant_named(tenant)
        try:
            grant_roles(
                tenant=where,
                user=member,
                role_names=roles,
                actor=TERMINAL_ACTOR,
                make_default=default,
            )
        except DomainError as error:
            if "roles" in (error.errors or {}):
                known = ", ".join(Role.objects.order_by("name").values_list("name", flat=True))
                raise CommandError(f"{error.message} (roles: {known})") from None
            raise CommandError(error.message) from None
        held = ", ".join(sorted(set(roles)))
        self.stdout.write(f"{member.get_username()} holds {held} in {where.name} ({where.pk})")
