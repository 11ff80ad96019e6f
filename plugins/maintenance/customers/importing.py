"""The customers import job's body: the upload's rows, a batch at a time, through the profiles
plug-in's bulk import (each row checked by the rules of `POST /profiles`); bad rows skipped
and reported with their line (or JSON array index) and reason, as the services import reports
them; `max_errors` stops it, leaving the batch that reached it unwritten; cancellable between
batches; counts rows, created, updated, unchanged, skipped, errors."""

from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field

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

# Rows per transaction: each batch pays a few fixed round trips (the schemas held, the ids
# taken, the lookups, the commit); at 5,000 they weigh little, and a batch still commits in
# about a second, which is how often the job can stop for a cancel.
BATCH = 5000


def run_customer_import(
    *,
    tenant,
    source: readers.ImportFile,
    reporter,
    errors_out,
    mode: str = "create",
    match: str = bulk.MATCH_BY_ID,
    dry_run: bool = False,
    max_errors: int | None = None,
    batch: int = BATCH,
    name: str = "",
) -> dict:
    """Import every customer row of the upload `source` (a local path, or a binary file object
    that can seek), uploaded as `name`."""
    bulk.check_match(tenant, match)
    sources = sources_of(source, name, CUSTOMER_FILES)
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
        with gc_paused(), ThreadPoolExecutor(1, thread_name_prefix="customer-check") as checker:
            for source in sources:
                with ExitStack() as stack:
                    rows = source.rows(stack, run.on_bytes)
                    run.load(source.name, source.fmt, rows, checker)
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

    def load(self, name: str, fmt: str, rows, checker: ThreadPoolExecutor) -> None:
        """Batch after batch; while one commits, the next is checked in the `checker` thread
        (checking touches no database, and a commit is the database's work). The rows are
        read here, in the writer's thread, before the batch's transaction: a storage's file may
        reach its backend as it reads, and a file problem leaves the batch before it whole."""
        importer = bulk.CustomerImport(self.tenant, from_text=fmt == "csv", **self.options)
        try:
            batch = self.prepare_batch(importer, self.read_batch(rows))
            while batch is not None:
                upcoming = _Ahead(checker, self.prepare_batch, importer, self.read_batch(rows))
                self.reporter.check_cancelled()
                self.write_batch(importer, name, batch, on_written=upcoming.start)
                batch = upcoming.result()
                self.reporter.set_counts(**{**self.counts, "errors": self.report.rows})
                self.reporter.progress(min(self.bytes_read, self.total), self.total)
        except (readers.FileProblem, UnicodeDecodeError) as problem:
            if not isinstance(problem, readers.FileProblem):
                problem = readers.FileProblem(0, "is not valid UTF-8 text")
            self.report.add(name, problem.where, [("file", problem.reason)])
            raise ValidationFailed.from_errors(
                {"file": [f"{name} {problem.place}: {problem.reason}"]}
            ) from None

    def read_batch(self, rows) -> list:
        return list(itertools.islice(rows, self.batch_size))

    def prepare_batch(self, importer, batch: list) -> _Prepared | None:
        """Unreadable rows reported; the rest checked on their own (no database)."""
        if not batch:
            return None
        good, places, bad = [], [], []
        for where, row in batch:
            if isinstance(row, readers.BadRow):
                bad.append((where, [(row.field, row.reason)]))
                continue
            if importer.from_text:
                try:
                    row = decode_csv_row(row, self.core_names)
                except readers.Unstorable as unreadable:
                    bad.append((where, [(unreadable.field, unreadable.reason)]))
                    continue
            good.append(row)
            places.append(where)
        return _Prepared(len(batch), importer.prepare(good), places, bad)

    def write_batch(self, importer, name: str, batch: _Prepared, on_written=None) -> None:
        """One batch loaded in one transaction. A batch whose bad rows reach max_errors is
        rolled back (nothing more is imported)."""
        limit = self.report.max_errors
        room = None if limit is None else max(0, limit - self.report.rows - len(batch.bad))
        result = importer.load(batch.rows, stop_at=room, on_written=on_written)
        bad = batch.bad + [(batch.places[at], problems) for at, problems in result.problems]
        if not result.stopped:
            self.counts["rows"] += batch.size
            for key, value in result.counts.items():
                self.counts[key] += value
        for where, problems in sorted(bad, key=lambda item: _line_of(item[0])):
            self.report.add(name, where, problems)


class _Ahead:
    """The next batch's check, started in the checker thread by `start` (once, however often
    it is called); `result` starts it if nothing did (the batch went row by row, or failed)."""

    def __init__(self, checker: ThreadPoolExecutor, prepare, importer, rows: list) -> None:
        self.checker, self.prepare, self.importer, self.rows = checker, prepare, importer, rows
        self.future = None

    def start(self) -> None:
        if self.future is None:
            self.future = self.checker.submit(self.prepare, self.importer, self.rows)

    def result(self):
        self.start()
        return self.future.result()


@dataclass
class _Prepared:
    size: int  # rows read, bad ones included
    rows: bulk.Prepared
    places: list  # where each checked row is in the file
    bad: list  # (where, problems) of the rows that could not be read


def _line_of(where) -> int:
    return where.line if isinstance(where, readers.Element) else where
