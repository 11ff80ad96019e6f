"""Maintenance's part of one customer's data (csadmin.pluginlib.CustomerData): the files of
earlier export and import jobs. An export's services, states, tasks or customers files, or an
import's error report, that hold the customer's rows are withdrawn (removed, and the job says
so) when the customer is erased: rewriting them would hand out a file that is no longer the
export the job's arguments describe. Nothing to add to a data export: the services plug-in
writes them."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from functools import partial

from csadmin.pluginlib import CustomerData
from csadmin.pluginlib.jobs import JobRun, withdraw_job_files
from plugins.maintenance.exporting import escape_cell

KINDS = (
    "maintenance.export_files",
    "maintenance.import",
    "maintenance.customers_export",
    "maintenance.customers_import",
)
WITHDRAWN = (
    "Files withdrawn: they held data of a customer whose data was erased on request. "
    "Run the export again for a file without it."
)


def _runs_with_files(tenant):
    return JobRun.objects.filter(tenant=tenant, kind__in=KINDS, files__isnull=False).distinct()


def _json_mentions(lines, needle: str) -> bool:
    return any(needle in line for line in lines)


def _csv_mentions(lines, wanted: set[str]) -> bool:
    return any(wanted.intersection(row) for row in csv.reader(lines))


def _mentions(name: str, opened, customer_id: str) -> bool:
    """Whether a file holds the customer id as a value: a JSON string, or a CSV cell (as
    written, formula-escaped or not). A contact key equal to the id counts too: a file
    withdrawn once too often is safer than one kept with the customer in it."""
    text = io.TextIOWrapper(opened, encoding="utf-8", errors="replace", newline="")
    if name.endswith(".csv"):
        return _csv_mentions(text, {customer_id, escape_cell(customer_id)})
    if name.endswith((".json", ".ndjson")):
        return _json_mentions(text, json.dumps(customer_id))
    return False


def file_mentions(name: str, opened, customer_id: str) -> bool:
    """Whether the file `name`, opened (binary, seekable), holds the customer id."""
    if name.endswith(".zip"):
        with zipfile.ZipFile(opened) as archive:
            return any(
                _mentions(member, archive.open(member), customer_id)
                for member in archive.namelist()
            )
    return _mentions(name, opened, customer_id)


def stored_file_mentions(stored, customer_id: str) -> bool:
    """Read through the job storage; a file already gone holds nobody."""
    try:
        opened = stored.open()
    except FileNotFoundError:
        return False
    with opened:
        return file_mentions(stored.name, opened, customer_id)


def holds_customer(run: JobRun, customer_id: str) -> bool:
    return any(stored_file_mentions(stored, customer_id) for stored in run.files.all())


def _withdraw(run: JobRun) -> dict[str, int]:
    return {"job_files": withdraw_job_files(run, WITHDRAWN)}


def erase_job_files(tenant, customer_id: str, batch: int):
    """One work per job whose files hold the customer (each read once, in id order)."""
    for run in _runs_with_files(tenant).order_by("pk").iterator(chunk_size=100):
        if holds_customer(run, customer_id):
            yield partial(_withdraw, run)


def no_progress(tenant, customer_id: str) -> int:
    """The files are read as the erase goes: they add nothing to the progress bar's total."""
    return 0


parts = (
    CustomerData(
        name="job files",
        order=60,
        erase=erase_job_files,
        remaining=no_progress,
        unit="job_files",
    ),
)
