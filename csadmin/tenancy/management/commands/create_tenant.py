from django.core.management.base import BaseCommand, CommandError

from csadmin.pluginlib.errors import DomainError
from csadmin.tenancy.services import create_tenant


class Command(BaseCommand):
    help = "Create a tenant and print its id."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        try:
            tenant = create_tenant(name=name, actor=None)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(str(tenant.pk))
