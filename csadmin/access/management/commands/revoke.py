from django.core.management.base import BaseCommand, CommandError

from csadmin.access.management.lookups import TERMINAL_ACTOR, tenant_named, user_named
from csadmin.access.services import revoke_grant
from csadmin.pluginlib.errors import DomainError


class Command(BaseCommand):
    help = "Take away USER's grant in TENANT (an id or a name), every role with it; audited."

    def add_arguments(self, parser):
        parser.add_argument("user", help="user name")
        parser.add_argument("tenant", help="tenant id or name")

    def handle(self, *args, user, tenant, **options):
        member, where = user_named(user), tenant_named(tenant)
        try:
            revoke_grant(tenant=where, user=member, actor=TERMINAL_ACTOR)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(f"{member.get_username()} no longer holds a grant in {where.name}")
