"""manage.py cs_import FILE --tenant NAME [--max-errors N] [--errors report.csv]

Imports a JSON array, NDJSON, CSV or zip of exported files with the import job's own code,
drawing a progress bar on the terminal."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from csadmin.pluginlib import DomainError
from plugins.maintenance.importing import run_import
from plugins.maintenance.management.commands._common import tenant_named
from plugins.maintenance.reporting import TerminalReporter


class Command(BaseCommand):
    help = "Import services, states and tasks from a file into a tenant."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--max-errors", type=int, default=None)
        parser.add_argument(
            "--errors", type=Path, default=None, help="write the bad rows (CSV) to this file"
        )

    def handle(self, *args, **options):
        tenant = tenant_named(options["tenant"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        errors_path = options["errors"] or path.with_name(path.name + ".errors.csv")
        self.stderr.ending = ""  # the bar redraws its line with \r
        reporter = TerminalReporter(self.stderr)
        try:
            with open(errors_path, "w", encoding="utf-8", newline="") as errors_out:
                counts = run_import(
                    tenant=tenant,
                    source=path,
                    reporter=reporter,
                    errors_out=errors_out,
                    max_errors=options["max_errors"],
                )
        except DomainError as error:
            reporter.finish()
            raise CommandError(error.message) from None
        reporter.finish()
        summary = ", ".join(f"{key}={value}" for key, value in counts.items())
        self.stdout.write(f"Imported into {tenant.name}: {summary}")
        if counts["errors"]:
            self.stdout.write(f"Bad rows are listed in {errors_path}")
        else:
            errors_path.unlink(missing_ok=True)
