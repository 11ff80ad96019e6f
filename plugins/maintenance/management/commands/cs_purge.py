"""manage.py cs_purge --tenant NAME --limit ISO --operation purge.service.completed [--dry-run]

Purges with the purge job's own code, batch by batch, with a progress bar."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from csadmin.pluginlib import DomainError
from plugins.maintenance.management.commands._common import tenant_named
from plugins.maintenance.purge import OPERATIONS, audit_purge, parse_purge_request, run_purge
from plugins.maintenance.reporting import TerminalReporter


class Command(BaseCommand):
    help = "Purge a tenant's services of one class started before a time (and expired ones)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--limit", required=True, help="ISO-8601 time")
        parser.add_argument("--operation", required=True, choices=OPERATIONS)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--batch", type=int, default=1000)

    def handle(self, *args, **options):
        tenant = tenant_named(options["tenant"])
        try:
            operation, limit, dry_run = parse_purge_request(
                {
                    "limit": options["limit"],
                    "operation": options["operation"],
                    "dry_run": options["dry_run"],
                }
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stderr.ending = ""  # the bar redraws its line with \r
        reporter = TerminalReporter(self.stderr)
        counts = run_purge(
            tenant=tenant,
            operation=operation,
            limit=limit,
            dry_run=dry_run,
            reporter=reporter,
            batch=max(1, options["batch"]),
        )
        reporter.finish()
        if not dry_run:
            audit_purge(tenant=tenant, actor=None, operation=operation, limit=limit, counts=counts)
        summary = ", ".join(f"{key}={value}" for key, value in counts.items())
        verb = "Would remove" if dry_run else "Removed"
        self.stdout.write(f"{verb} from {tenant.name}: {summary}")
