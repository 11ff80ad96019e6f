"""The customers import job's body: the upload's rows, a batch at a time, through the profiles
plug-in's bulk import (each row checked by the rules of `POST /profiles`); bad rows skipped
and reported with their line (or JSON array index) and reason, as the services import reports
them; `max_errors` stops it, leaving the batch that reached it unwritten; cancellable between
batches; counts rows, created, updated, unchanged, skipped, errors."""

from __future__ import annotations

import itertools
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from csadmin.pluginlib import ValidationFailed
from plugins.maintenance import readers
from plugins.maintenance.customers.files import CUSTOMER_FILES, decode_csv_row
from plugins.maintenance.importing import (
    ErrorReport,
    gc_paused,
    refuse_if_nothing_taken,
    sources_of,
)
from plugins.profiles import bulk

BATCH = 1000


def run_customer_import(
    *,
    tenant,
    path,
    reporter,
    errors_out,
    mode: str = "create",
    match: str = bulk.MATCH_BY_ID,
    dry_run: bool = False,
    max_errors: int | None = None,
    batch: int = BATCH,
    name: str = "",
) -> dict:
    """Import every customer row of the upload at `path` (uploaded as `name`)."""
    bulk.check_match(tenant, match)
    sources = sources_of(Path(path), name, CUSTOMER_FILES)
    run = _CustomerImport(
        tenant=tenant,
        reporter=reporter,
        report=ErrorReport(errors_out, max_errors),
        total=sum(source.size for source in sources),
        options={"mode": mode, "match": match, "dry_run": dry_run},
        batch_size=max(1, int(batch)),
        core_names={n.lower() for n in bulk.core_attribute_names(tenant)},
    )
    reporter.progress(0, run.total)
    try:
        with gc_paused():
            for source in sources:
                with ExitStack() as stack:
                    run.load(source.name, source.fmt, source.rows(stack, run.on_bytes))
    finally:
        run.counts["errors"] = run.report.rows
        reporter.set_counts(**run.counts)
    refuse_if_nothing_taken(run.counts)
    reporter.progress(run.total, run.total)
    return run.counts


@dataclass
class _CustomerImport:
    tenant: object
    reporter: object
    report: ErrorReport
    total: int
    options: dict
    batch_size: int
    core_names: set
    bytes_read: int = 0
    counts: dict = field(default_factory=lambda: dict.fromkeys(("rows", *bulk.COUNTS, "errors"), 0))

    def on_bytes(self, size: int) -> None:
        self.bytes_read += size

    def load(self, name: str, fmt: str, rows) -> None:
        try:
            while True:
                batch = list(itertools.islice(rows, self.batch_size))
                if not batch:
                    return
                self.reporter.check_cancelled()
                self.load_batch(name, fmt, batch)
                self.reporter.set_counts(**{**self.counts, "errors": self.report.rows})
                self.reporter.progress(min(self.bytes_read, self.total), self.total)
        except (readers.FileProblem, UnicodeDecodeError) as problem:
            if not isinstance(problem, readers.FileProblem):
                problem = readers.FileProblem(0, "is not valid UTF-8 text")
            self.report.add(name, problem.where, [("file", problem.reason)])
            raise ValidationFailed.from_errors(
                {"file": [f"{name} {problem.place}: {problem.reason}"]}
            ) from None

    def load_batch(self, name: str, fmt: str, batch) -> None:
        """One batch: unreadable rows reported; the rest checked and loaded together. A batch
        whose bad rows reach max_errors is rolled back (nothing more is imported)."""
        good, places, bad = [], [], []
        for where, row in batch:
            if isinstance(row, readers.BadRow):
                bad.append((where, [(row.field, row.reason)]))
                continue
            if fmt == "csv":
                try:
                    row = decode_csv_row(row, self.core_names)
                except readers.Unstorable as unreadable:
                    bad.append((where, [(unreadable.field, unreadable.reason)]))
                    continue
            good.append(row)
            places.append(where)
        limit = self.report.max_errors
        room = None if limit is None else max(0, limit - self.report.rows - len(bad))
        result = bulk.import_customers_batch(
            self.tenant, good, from_text=fmt == "csv", stop_at=room, **self.options
        )
        bad += [(places[position], problems) for position, problems in result.problems]
        if not result.stopped:
            self.counts["rows"] += len(batch)
            for key, value in result.counts.items():
                self.counts[key] += value
        for where, problems in sorted(bad, key=lambda item: _line_of(item[0])):
            self.report.add(name, where, problems)


def _line_of(where) -> int:
    return where.line if isinstance(where, readers.Element) else where
