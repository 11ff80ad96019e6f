from django.core.management.base import BaseCommand, CommandError

from csadmin.pluginlib.sealing import reseal_all


class Command(BaseCommand):
    help = (
        "Seal every stored secret again with the first of CSADMIN_SECRETS_KEYS, so the older "
        "keys can be dropped. Fails, naming the rows, when some cannot be opened."
    )

    def handle(self, *args, **options):
        unopened = []
        for column, (resealed, unreadable) in reseal_all().items():
            self.stdout.write(f"{column}: {resealed} resealed")
            if unreadable:
                unopened.append(f"{column} rows {', '.join(map(str, unreadable))}")
        if unopened:
            raise CommandError("no configured key opens: " + "; ".join(unopened))
