"""The maintenance jobs (purge, export files, import), their declared inputs, and the periodic
tasks (the nightly retention policies, the hourly upload sweep: scheduled in the plug-in's
config, MaintenanceConfig.schedules).

The job bodies read their typed inputs and call the same functions the management commands
call; the handle is the reporter (progress, counts, log, cancel checks, files)."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from contextlib import contextmanager
from functools import partial
from typing import Annotated, Literal

from msgspec import Meta

from csadmin.pluginlib import ValidationFailed
from csadmin.pluginlib.jobs import ROW_ERRORS_FILE, JobInputs, job, task
from plugins.maintenance import services
from plugins.maintenance.customers.exporting import write_customers_file
from plugins.maintenance.customers.importing import run_customer_import
from plugins.maintenance.exporting import ExportQuery, write_export_files, write_export_zip
from plugins.maintenance.importing import run_import
from plugins.maintenance.models import OPERATIONS
from plugins.maintenance.purge import audit_purge, run_purge
from plugins.maintenance.uploads import discard_upload, open_upload, upload_exists

RETENTION_TASK = "maintenance.apply_retention_policies"
SWEEP_UPLOADS_TASK = "maintenance.sweep_orphan_uploads"

Timestamp = Annotated[dt.datetime, Meta(tz=True)]
Batch = Annotated[int, Meta(ge=1)]
# An import's errors report is kept in memory up to this size, past it in the system's
# temporary folder, until it is saved as the job's file
REPORT_SPOOL_BYTES = 4 * 1024 * 1024


class PurgeInputs(JobInputs):
    operation: Literal[tuple(code for code, _label in OPERATIONS)]
    limit: Annotated[Timestamp, Meta(title="cutoff")]  # services started before this
    dry_run: bool = False  # count only
    batch: Batch = 1000  # services per batch (one transaction each)
    policy: bool = False  # queued by the nightly retention policy


class ExportFilesInputs(JobInputs):
    time_from: Timestamp
    time_to: Timestamp
    filter_events: Literal["any", "started", "completed"] = "any"
    filter_state: Literal["any", "active", "inactive"] = "any"
    export_content: bool = False
    format: Literal["json", "csv", "zip"] = "json"  # zip: the json files and a manifest


class ImportInputs(JobInputs):
    # the kept upload's token: no use to a reader of the job's page
    upload: Annotated[str, Meta(min_length=1, extra={"shown": False})]
    name: Annotated[str, Meta(max_length=200, title="file name")] = ""  # as uploaded
    max_errors: Annotated[int, Meta(ge=1)] | None = None  # stop after this many bad rows
    batch: Batch = 2000  # rows per batch


class CustomersExportInputs(JobInputs):
    format: Literal["json", "csv"] = "json"
    extensions: Annotated[str, Meta(max_length=2000)] = ""  # "*" or names; none: core only


class CustomersImportInputs(JobInputs):
    # the kept upload's token: no use to a reader of the job's page
    upload: Annotated[str, Meta(min_length=1, extra={"shown": False})]
    name: Annotated[str, Meta(max_length=200, title="file name")] = ""  # as uploaded
    mode: Literal["create", "merge", "replace"] = "create"
    match: Annotated[str, Meta(min_length=1, max_length=64)] = "customer_id"
    dry_run: bool = False  # every row checked, nothing written
    max_errors: Annotated[int, Meta(ge=1)] | None = None  # stop after this many bad rows
    batch: Batch = 1000  # rows per batch


@job("maintenance.purge", inputs=PurgeInputs)
def purge_job(handle):
    inputs = handle.inputs
    limit = inputs.limit.astimezone(dt.UTC)  # in UTC, as the API's own parsing gives it
    counts = run_purge(
        tenant=handle.tenant,
        operation=inputs.operation,
        limit=limit,
        dry_run=inputs.dry_run,
        reporter=handle,
        batch=inputs.batch,
    )
    if not inputs.dry_run:
        audit_purge(
            tenant=handle.tenant,
            actor=handle.actor,
            operation=inputs.operation,
            limit=limit,
            counts=counts,
            job_id=handle.job_id,
        )


@job("maintenance.export_files", inputs=ExportFilesInputs)
def export_files_job(handle):
    inputs = handle.inputs
    query = ExportQuery(
        time_from=inputs.time_from.astimezone(dt.UTC),
        time_to=inputs.time_to.astimezone(dt.UTC),
        filter_events=inputs.filter_events,
        filter_state=inputs.filter_state,
        export_content=inputs.export_content,
    )

    if inputs.format == "zip":
        write_export_zip(
            tenant=handle.tenant, query=query, open_file=handle.open_file, reporter=handle
        )
        return

    def open_file(name):
        return handle.open_file(name, "w", encoding="utf-8")

    write_export_files(
        tenant=handle.tenant,
        query=query,
        fmt=inputs.format,
        open_file=open_file,
        reporter=handle,
    )


def check_upload_kept(token: str) -> None:
    if not upload_exists(token):
        raise ValidationFailed.from_errors(
            {"file": ["the uploaded file is no longer kept (it was imported); upload it again"]}
        )


def import_upload(handle, run) -> dict:
    """What every import job does around its rows: read the kept upload from the storage
    itself (no local copy), write bad rows to errors.csv (kept as the job's file when there
    are any, also when the import stops part-way), and discard the upload once imported (a
    retry needs a new upload). `run(source=..., errors_out=...)` imports and answers the
    counts."""
    upload = handle.inputs.upload
    check_upload_kept(upload)
    with open_upload(upload) as given, errors_report(handle) as errors_out:
        counts = run(source=given, errors_out=errors_out)
    discard_upload(upload)
    return counts


@contextmanager
def errors_report(handle):
    """A text file for the bad rows (CSV), saved as the job's errors.csv when the job counted
    any, also when the block ends in an error."""
    with tempfile.SpooledTemporaryFile(max_size=REPORT_SPOOL_BYTES) as raw:
        errors_out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        try:
            yield errors_out
        finally:
            errors_out.flush()
            errors_out.detach()  # leaves `raw` open for the save
            if handle.counts.get("errors"):
                raw.seek(0)
                handle.add_file(ROW_ERRORS_FILE, raw)


@job("maintenance.import", inputs=ImportInputs)
def import_job(handle):
    inputs = handle.inputs
    counts = import_upload(
        handle,
        partial(
            run_import,
            tenant=handle.tenant,
            reporter=handle,
            max_errors=inputs.max_errors,
            batch=inputs.batch,
            name=inputs.name,
        ),
    )
    handle.log(
        "info",
        f"Imported {counts.get('services', 0)} services, {counts.get('states', 0)} states, "
        f"{counts.get('tasks', 0)} tasks; {counts.get('skipped', 0)} already present, "
        f"{counts.get('errors', 0)} bad rows.",
    )


@job("maintenance.customers_export", inputs=CustomersExportInputs)
def customers_export_job(handle):
    inputs = handle.inputs

    def open_file(name):
        return handle.open_file(name, "w", encoding="utf-8")

    write_customers_file(
        tenant=handle.tenant,
        extensions=inputs.extensions,
        fmt=inputs.format,
        open_file=open_file,
        reporter=handle,
    )


@job("maintenance.customers_import", inputs=CustomersImportInputs)
def customers_import_job(handle):
    inputs = handle.inputs
    counts = import_upload(
        handle,
        partial(
            run_customer_import,
            tenant=handle.tenant,
            reporter=handle,
            mode=inputs.mode,
            match=inputs.match,
            dry_run=inputs.dry_run,
            max_errors=inputs.max_errors,
            batch=inputs.batch,
            name=inputs.name,
        ),
    )
    checked = "Checked (dry run, nothing written)" if inputs.dry_run else "Imported"
    handle.log(
        "info",
        f"{checked}: {counts.get('rows', 0)} rows; {counts.get('created', 0)} created, "
        f"{counts.get('updated', 0)} updated, {counts.get('unchanged', 0)} unchanged, "
        f"{counts.get('skipped', 0)} already present, {counts.get('errors', 0)} bad rows.",
    )


@task(RETENTION_TASK)
def apply_retention_policies():
    return len(services.run_retention_policies())


@task(SWEEP_UPLOADS_TASK)
def sweep_orphan_uploads():
    return services.sweep_orphan_uploads()
