"""manage.py cs_export --tenant NAME --time-from ISO [--time-to ISO] [--filter-events any]
[--filter-state any] [--format json|csv|zip] [--out DIR]

Writes services, states and tasks files (or export.zip: the json files and a manifest) with the
export job's own code."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from csadmin.pluginlib import DomainError
from plugins.maintenance.exporting import (
    parse_export_query,
    write_export_files,
    write_export_zip,
)
from plugins.maintenance.management.commands._common import tenant_named
from plugins.maintenance.reporting import TerminalReporter


class Command(BaseCommand):
    help = "Export a tenant's services, states and tasks to files."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--time-from", default="1970-01-01T00:00:00Z")
        parser.add_argument("--time-to", default=None)
        parser.add_argument("--filter-events", default="any")
        parser.add_argument("--filter-state", default="any")
        parser.add_argument("--format", default="json", choices=["json", "csv", "zip"])
        parser.add_argument("--out", type=Path, default=Path("."))

    def handle(self, *args, **options):
        tenant = tenant_named(options["tenant"])
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        params = {
            "time_from": options["time_from"],
            "time_to": options["time_to"],
            "filter_events": options["filter_events"],
            "filter_state": options["filter_state"],
        }

        @contextmanager
        def open_file(name):
            with open(out / name, "w", encoding="utf-8", newline="") as stream:
                yield stream

        @contextmanager
        def open_binary(name):
            with open(out / name, "wb") as stream:
                yield stream

        self.stderr.ending = ""  # the bar redraws its line with \r
        reporter = TerminalReporter(self.stderr)
        try:
            query = parse_export_query(params, for_files=True)
            if options["format"] == "zip":
                counts = write_export_zip(
                    tenant=tenant, query=query, open_file=open_binary, reporter=reporter
                )
            else:
                counts = write_export_files(
                    tenant=tenant,
                    query=query,
                    fmt=options["format"],
                    open_file=open_file,
                    reporter=reporter,
                )
        except DomainError as error:
            raise CommandError(error.message) from None
        reporter.finish()
        summary = ", ".join(f"{key}={value}" for key, value in counts.items())
        self.stdout.write(f"Exported from {tenant.name} to {out}: {summary}")
