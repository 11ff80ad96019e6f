"""Import: rows of exported files back into a tenant, batch by batch. Each row is checked by
the services plug-in's own rules (the API's); a bad row is skipped and reported (line, field,
reason); `max_errors` stops the import; rows already present are skipped, so importing the
same file twice adds nothing. An import none of whose rows could be taken fails, saying why: a
file of service ids alone (the export without content) is named as such before any row.

Files hold flat rows (services, states or tasks: the export files) or full services (the
stream's content: each service with its states and tasks nested), which go in whole, a
service with its children in the same batch's transaction. A zip's manifest (the export's)
gives the counts its files should hold: a file that holds another count is reported."""

from __future__ import annotations

import csv
import gc
import itertools
import zipfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from csadmin.pluginlib import ValidationFailed
from plugins.maintenance import readers, upload_checks
from plugins.maintenance.exporting import MANIFEST, escape_cell
from plugins.services import bulk

BATCH = 2000
ROW_CHECKS = {
    "services": lambda tenant, row, known: bulk.import_service_row(tenant, row, known),
    "states": lambda tenant, row, known: bulk.import_state_row(row, known),
    "tasks": lambda tenant, row, known: bulk.import_task_row(row, known),
    "full": bulk.import_full_service_row,
}
# `index` is a JSON array element's place in the array (from 0); empty for NDJSON and CSV rows
ERROR_COLUMNS = ("file", "line", "index", "field", "reason")
IDS_ONLY = "this file holds service ids only: export with full content"


class TooManyErrors(ValidationFailed):
    pass


class ErrorReport:
    """The bad rows, written as CSV as they come (never all kept in memory)."""

    def __init__(self, out, max_errors: int | None) -> None:
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(ERROR_COLUMNS)
        self.max_errors, self.rows, self.count = max_errors, 0, 0

    def add(self, source: str, where, problems) -> None:
        """`where` is a line number, or a JSON array's Element (its line and index)."""
        self.rows += 1
        if isinstance(where, readers.Element):
            line, index = where.line, where.index
        else:
            line, index = where, ""
        for name, reason in problems:
            # names and reasons quote the file's own keys and values: escaped as the export's
            # cells are, so a spreadsheet opening the report runs none of them as a formula
            self.writer.writerow(
                [escape_cell(source), line, index, escape_cell(name), escape_cell(str(reason))]
            )
        if self.max_errors is not None and self.rows >= self.max_errors:
            raise TooManyErrors.from_errors(
                {"max_errors": [f"the import stopped at {self.rows} bad rows"]}
            )


class Source:
    """One file to import: its name, format and how to open it as text (counting bytes)."""

    def __init__(self, name: str, fmt: str, open_raw, size: int, limit=None, files=None) -> None:
        self.name, self.fmt, self.open_raw, self.size, self.limit = name, fmt, open_raw, size, limit
        self.files = files or readers.SERVICE_FILES

    def rows(self, stack: ExitStack, on_bytes):
        raw = stack.enter_context(self.open_raw())
        stream = readers.text_stream(raw, on_bytes, self.limit)
        return self.files.reader(self.fmt)(stream)

    def entity(self) -> str:
        with ExitStack() as stack:
            try:
                for _line, row in self.rows(stack, lambda size: None):
                    return readers.entity_of(row)
            except (readers.FileProblem, UnicodeDecodeError):
                return "services"  # reported properly when it is read for real
        return "services"


def sources_of(upload: readers.ImportFile, name: str = "", files=None) -> list[Source]:
    """The files in an upload (a local path, or a binary file object that can seek, read where
    it is: readers.ImportFile), services first (states and tasks need their service). `name`
    is the file's name as uploaded (the errors name it), else the path's; `files` what the
    upload holds (readers.SERVICE_FILES by default)."""
    files = files or readers.SERVICE_FILES
    fmt = upload_checks.check_upload(upload, files)
    if fmt != "zip":
        size = upload_checks.size_of(upload)
        name = name or upload_checks.name_of(upload)
        return [Source(name, fmt, lambda: upload_checks.from_start(upload), size, files=files)]
    found = []
    for info in upload_checks.check_zip(upload, files):
        if upload_checks.is_manifest(info.filename):
            continue
        with zipfile.ZipFile(upload) as archive, archive.open(info) as member:
            member_fmt = upload_checks.text_format(member.read(readers.CHUNK), files.csv_key)
        if member_fmt is None:
            raise readers.refuse(f"zip member {info.filename} is not JSON, NDJSON or CSV")

        def opener(info=info):
            return _zip_member(upload, info)

        found.append(
            Source(info.filename, member_fmt, opener, info.file_size, info.file_size, files)
        )
    return found


class _zip_member:
    """One member of the zip, open for reading. A zip given as a file object is left open when
    the member closes (zipfile closes only the files it opened itself)."""

    def __init__(self, upload: readers.ImportFile, info) -> None:
        self.archive = zipfile.ZipFile(upload)
        self.member = self.archive.open(info)

    def __enter__(self):
        return self.member

    def __exit__(self, *exc) -> None:
        self.member.close()
        self.archive.close()


def run_import(
    *,
    tenant,
    source: readers.ImportFile,
    reporter,
    errors_out,
    max_errors: int | None = None,
    batch: int = BATCH,
    name: str = "",
) -> dict:
    """Import every row of the upload `source` (a local path, or a binary file object that can
    seek: the storage's own), uploaded as `name`; bad rows go to `errors_out` (CSV)."""
    sources = sources_of(source, name)
    manifest = upload_checks.read_manifest(source) if upload_checks.sniff(source) == "zip" else None
    ordered = sorted(
        (readers.ENTITY_ORDER.index(source.entity()), n, source) for n, source in enumerate(sources)
    )
    run = _ImportRun(
        tenant=tenant,
        reporter=reporter,
        report=ErrorReport(errors_out, max_errors),
        total=sum(source.size for source in sources),
        batch_size=max(1, int(batch)),
        known=bulk.import_known_values(tenant),
    )
    reporter.progress(0, run.total)
    try:
        with gc_paused():
            for _, _, source in ordered:
                with ExitStack() as stack:
                    run.load(source.name, source.rows(stack, run.on_bytes))
                if source.entity() in ("services", "full"):
                    bulk.refresh_service_statistics()
            if manifest is not None:
                compare_with_manifest(manifest, run.rows_of, run.report)
    finally:
        run.counts["errors"] = run.report.rows
        reporter.set_counts(**run.counts)
    refuse_if_nothing_taken(run.counts)
    reporter.progress(run.total, run.total)
    return run.counts


def compare_with_manifest(manifest: dict, rows_of: dict, report: ErrorReport) -> None:
    """Each count the zip's manifest gives against the rows its file held (a file cut short,
    or one swapped for another, is reported; its rows were checked and imported as any)."""
    for entity in upload_checks.MANIFEST_COUNTS:
        expected, held = manifest["counts"].get(entity), rows_of.get(entity, 0)
        if expected is not None and expected != held:
            report.add(
                MANIFEST,
                "",
                [(f"counts.{entity}", f"the manifest counts {expected}; the zip holds {held}")],
            )


def refuse_if_nothing_taken(counts: dict) -> None:
    """An import whose every row was refused did nothing: it fails (its errors.csv is kept),
    rather than ending "succeeded" with as many errors as rows."""
    rows, errors = counts["rows"], counts["errors"]
    if rows and errors >= rows:
        raise ValidationFailed.from_errors(
            {
                "file": [
                    f"every row was refused ({errors} of {rows}); "
                    "the error report gives each one's reason"
                ]
            }
        )


def refuse_ids_only(name: str, first) -> None:
    """A file whose first row is a bare id is the export without content: nothing in it can be
    imported, and each row's own error would not say why."""
    if isinstance(first, str):
        raise ValidationFailed.from_errors({"file": [f"{name}: {IDS_ONLY}"]})


@contextmanager
def gc_paused():
    """No automatic cyclic garbage collection meanwhile. A batch holds thousands of young row
    dicts: each automatic collection walked them all again, and now and then the whole heap
    (a fifth of the import's Python time). Rows hold no cycles: reference counting frees them (a
    whole import leaves a few dozen objects in cycles, collected once it is over)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _readable(row) -> bool:
    return not isinstance(row, readers.BadRow)


@dataclass
class _ImportRun:
    tenant: object
    reporter: object
    report: ErrorReport
    total: int
    batch_size: int
    known: dict
    bytes_read: int = 0
    analyzed_at: int = 0  # services inserted when the planner's statistics were last refreshed
    rows_of: dict = field(default_factory=dict)  # rows read per entity (full: per part)
    counts: dict = field(
        default_factory=lambda: dict.fromkeys(
            ("rows", "services", "states", "tasks", "skipped", "errors"), 0
        )
    )

    def on_bytes(self, size: int) -> None:
        self.bytes_read += size

    def load(self, name: str, rows) -> None:
        """Every row of one file, a batch at a time; cancellable between batches."""
        entity = None
        try:
            while True:
                batch = list(itertools.islice(rows, self.batch_size))
                if not batch:
                    return
                self.reporter.check_cancelled()
                if entity is None:
                    refuse_ids_only(name, next((row for _, row in batch if _readable(row)), None))
                    first = next((row for _, row in batch if isinstance(row, dict)), None)
                    entity = readers.entity_of(first)
                if entity != "full":
                    self.rows_of[entity] = self.rows_of.get(entity, 0) + len(batch)
                self.load_batch(name, entity, batch)
                self.reporter.set_counts(**{**self.counts, "errors": self.report.rows})
                self.reporter.progress(min(self.bytes_read, self.total), self.total)
        except (readers.FileProblem, UnicodeDecodeError) as problem:
            if not isinstance(problem, readers.FileProblem):
                problem = readers.FileProblem(0, "is not valid UTF-8 text")
            self.report.add(name, problem.where, [("file", problem.reason)])
            raise ValidationFailed.from_errors(
                {"file": [f"{name} {problem.place}: {problem.reason}"]}
            ) from None

    def load_batch(self, name: str, entity: str, batch) -> None:
        check, counts, report = ROW_CHECKS[entity], self.counts, self.report
        good = []
        for line, row in batch:
            counts["rows"] += 1
            if isinstance(row, readers.BadRow):
                report.add(name, line, [(row.field, row.reason)])
                continue
            try:
                good.append((line, check(self.tenant, row, self.known)))
            except bulk.RowProblems as bad:
                report.add(name, line, bad.problems)
        if entity == "full":
            self.load_full(name, good)
            return
        if entity == "services":
            inserted = bulk.import_services_batch(self.tenant, [s for _, s in good])
            counts["services"] += inserted
            counts["skipped"] += len(good) - inserted
            return
        rows = [(line, service_id, values) for line, (service_id, values) in good]
        loader = bulk.import_states_batch if entity == "states" else bulk.import_tasks_batch
        inserted, unknown = loader(self.tenant, rows)
        counts[entity] += inserted
        counts["skipped"] += len(good) - inserted - len(unknown)
        self.report_unknown(name, unknown)

    def load_full(self, name: str, good: list) -> None:
        """Checked full services with their states and tasks: one transaction per batch."""
        counts = self.counts
        inserted, unknown = bulk.import_full_services_batch(self.tenant, good)
        given = (
            len(good),
            sum(len(full.states) for _, full in good),
            sum(len(full.tasks) for _, full in good),
        )
        parts = zip(("services", "states", "tasks"), inserted, given, strict=True)
        for entity, taken, held in parts:
            counts[entity] += taken
            counts["skipped"] += held - taken
            self.rows_of[entity] = self.rows_of.get(entity, 0) + held
        counts["skipped"] -= len(unknown)
        self.report_unknown(name, unknown)
        self.refresh_statistics_as_services_grow()

    def refresh_statistics_as_services_grow(self) -> None:
        """Full services and their children go in batch after batch: the children's lookups
        need the planner to know the tenant's services (refresh_service_statistics), so the
        statistics are refreshed each time the inserted services have doubled."""
        if self.counts["services"] >= max(2 * self.analyzed_at, self.batch_size):
            bulk.refresh_service_statistics()
            self.analyzed_at = self.counts["services"]

    def report_unknown(self, name: str, unknown) -> None:
        for line, service_id in unknown:
            self.report.add(
                name, line, [("service_id", f"this tenant has no service {service_id}")]
            )
