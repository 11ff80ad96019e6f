"""The maintenance jobs (purge, export files, import) and the nightly retention task.

The job bodies only unpack their arguments and call the same functions the management
commands call; the handle is the reporter (progress, counts, log, cancel checks, files)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from celery.schedules import crontab

from csadmin.celery import app
from csadmin.jobs import job

RETENTION_TASK = "maintenance.apply_retention_policies"
SWEEP_UPLOADS_TASK = "maintenance.sweep_orphan_uploads"


def _timestamp(raw):
    from plugins.services.events import parse_timestamp

    return parse_timestamp(raw)


@job("maintenance.purge")
def purge_job(handle):
    from plugins.maintenance.purge import audit_purge, run_purge

    arguments = handle.arguments
    dry_run = bool(arguments.get("dry_run"))
    limit = _timestamp(arguments["limit"])
    counts = run_purge(
        tenant=handle.tenant,
        operation=arguments["operation"],
        limit=limit,
        dry_run=dry_run,
        reporter=handle,
        batch=int(arguments.get("batch") or 1000),
    )
    if not dry_run:
        audit_purge(
            tenant=handle.tenant,
            actor=handle.actor,
            operation=arguments["operation"],
            limit=limit,
            counts=counts,
            job_id=handle.job_id,
        )


@job("maintenance.export_files")
def export_files_job(handle):
    from plugins.maintenance.exporting import parse_export_query, write_export_files

    arguments = handle.arguments
    query = parse_export_query(arguments, for_files=True)

    def open_file(name):
        return handle.open_file(name, "w", encoding="utf-8")

    write_export_files(
        tenant=handle.tenant,
        query=query,
        fmt=arguments.get("format", "json"),
        open_file=open_file,
        reporter=handle,
    )


@job("maintenance.import")
def import_job(handle):
    from csadmin.pluginlib import ValidationFailed
    from plugins.maintenance.importing import run_import
    from plugins.maintenance.uploads import discard_upload, upload_path

    arguments = handle.arguments
    path = upload_path(arguments["upload"])
    if not path.is_file():
        raise ValidationFailed.from_errors(
            {"file": ["the uploaded file is no longer kept (it was imported); upload it again"]}
        )
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "errors.csv"
        counts = {}
        try:
            with open(report, "w", encoding="utf-8", newline="") as errors_out:
                counts = run_import(
                    tenant=handle.tenant,
                    path=path,
                    reporter=handle,
                    errors_out=errors_out,
                    max_errors=arguments.get("max_errors"),
                    batch=int(arguments.get("batch") or 2000),
                )
        finally:
            if handle.counts.get("errors"):
                handle.add_file("errors.csv", report)
        discard_upload(arguments["upload"])  # imported: a retry needs a new upload
        handle.log(
            "info",
            f"Imported {counts.get('services', 0)} services, {counts.get('states', 0)} states, "
            f"{counts.get('tasks', 0)} tasks; {counts.get('skipped', 0)} already present, "
            f"{counts.get('errors', 0)} bad rows.",
        )


@app.task(name=RETENTION_TASK, ignore_result=True)
def apply_retention_policies():
    from plugins.maintenance.services import run_retention_policies

    return len(run_retention_policies())


@app.task(name=SWEEP_UPLOADS_TASK, ignore_result=True)
def sweep_orphan_uploads():
    from plugins.maintenance.services import sweep_orphan_uploads

    return sweep_orphan_uploads()


# Nightly at 02:30 UTC: queue a purge per tenant whose retention policy is enabled. Hourly:
# remove uploads no import job will read.
app.conf.beat_schedule = {
    **(app.conf.beat_schedule or {}),
    "maintenance-retention-policies": {
        "task": RETENTION_TASK,
        "schedule": crontab(hour=2, minute=30),
    },
    "maintenance-sweep-orphan-uploads": {"task": SWEEP_UPLOADS_TASK, "schedule": 3600.0},
}
