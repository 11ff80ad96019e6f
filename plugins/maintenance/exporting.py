"""Export: the stream (JSON array or NDJSON of ids or full services) and the export files
(`services`, `states`, `tasks` as JSON or CSV). Rows go out chunk by chunk from a server-side
cursor, so memory stays flat however many services there are.

The files hold one flat row per service, state or task (FIELDS below) with exact timestamps
(microseconds), so the importer reads them back unchanged. The zip format holds the three JSON
files and a manifest (the query, the counts, the product's version, the time) in one file that
imports in one job.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.metadata
import io
import json
import shutil
import tempfile
import zipfile
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass

from django.utils import timezone

from csadmin.pluginlib import ValidationFailed
from plugins.services.bulk import (
    export,
    full_service_dict,
    parse_timestamp,
)

FORMATS = ("json", "csv")  # the files' own formats
EXPORT_FORMATS = (*FORMATS, "zip")  # what the export files job offers
FORMAT_RULE = "must be json, csv or zip"
MANIFEST = "manifest.json"
ZIP_NAME = "export.zip"
TIMING = ("started", "completed")
DATA = ("started_data", "completed_data", "extensions")
COMMON = ("est_duration", "disposition", "disposition_desc")
FIELDS = {
    "services": (
        "service_id",
        "service_type",
        "customer_id",
        "contact_key",
        *TIMING,
        "expiration_time",
        *COMMON,
        *DATA,
    ),
    "states": ("service_id", "state_id", "state_type", *TIMING, *COMMON, *DATA),
    "tasks": ("service_id", "task_id", "state_id", "task_type", *TIMING, *COMMON, *DATA),
}
INTEGER_COLUMNS = {"est_duration", "state_id", "task_id"}
JSON_COLUMNS = set(DATA)
# A spreadsheet runs a cell starting with one of these as a formula; a leading quote makes it
# text. A cell already starting with a quote gets one too, so unescaping is exact.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


@dataclass(frozen=True)
class ExportQuery:
    time_from: dt.datetime
    time_to: dt.datetime
    filter_events: str = "any"
    filter_state: str = "any"
    export_content: bool = False

    def as_arguments(self) -> dict:
        return {
            "time_from": self.time_from.isoformat(),
            "time_to": self.time_to.isoformat(),
            "filter_events": self.filter_events,
            "filter_state": self.filter_state,
            "export_content": self.export_content,
        }

    def selection(self, tenant):
        return export.export_selection(
            tenant,
            time_from=self.time_from,
            time_to=self.time_to,
            filter_events=self.filter_events,
            filter_state=self.filter_state,
        )


def _boolean(raw, name: str, errors: dict) -> bool:
    if raw in (None, "", False, "false"):
        return False
    if raw in (True, "true"):
        return True
    errors[name] = ["must be true or false"]
    return False


def parse_export_query(
    params, *, for_files: bool = False, require_time_from: bool = True
) -> ExportQuery:
    """The stream's query parameters (spec §6); each refusal names the parameter and rule.
    `require_time_from=False` checks only what is given (an import takes no export parameters,
    but one it is given must still be well formed)."""
    errors: dict[str, list[str]] = {}
    raw_from = params.get("time_from")
    time_from = parse_timestamp(raw_from) if raw_from else None
    if time_from is None and (raw_from or require_time_from):
        errors["time_from"] = ["is required, an ISO-8601 timestamp"]
    raw_to = params.get("time_to")
    time_to = parse_timestamp(raw_to) if raw_to else timezone.now()
    if time_to is None:
        errors["time_to"] = ["must be an ISO-8601 timestamp (default now)"]
    filter_events = params.get("filter_events") or "any"
    if filter_events not in export.EXPORT_EVENT_FILTERS:
        errors["filter_events"] = ["must be one of any, started, completed"]
    content = _boolean(params.get("export_content"), "export_content", errors)
    filter_state = params.get("filter_state")
    if filter_state is not None and not content and not for_files:
        errors["filter_state"] = ["is allowed only with export_content=true"]
    elif (filter_state or "any") not in export.EXPORT_STATE_FILTERS:
        errors["filter_state"] = ["must be one of any, active, inactive"]
    if time_from and time_to and time_to < time_from:
        errors["time_to"] = ["must not be before time_from"]
    if errors:
        raise ValidationFailed.from_errors(errors)
    return ExportQuery(time_from, time_to, filter_events, filter_state or "any", content)


# -- the stream -------------------------------------------------------------------------------


# The stream's full content is the services plug-in's to render (a customer's data export
# writes the same text); the name stays for the readers of this module.
full_service = full_service_dict


def _compact(item) -> str:
    return json.dumps(item, separators=(",", ":"))


def json_items(tenant, query: ExportQuery):
    """The JSON text of each item of the stream: an id, or a full service (rendered by
    PostgreSQL itself there, by the representation functions elsewhere)."""
    selection = query.selection(tenant)
    if not query.export_content:
        yield from map(_compact, export.export_service_ids(selection))
        return
    yield from export.full_service_texts(selection)


def stream_json_array(tenant, query: ExportQuery, *, lines_per_chunk: int = 200):
    """The body as a JSON array, in chunks of a few hundred items."""
    yield "["
    first, buffer = True, []
    # closing(): when the client goes, the items (and their database transaction) end at once
    with closing(json_items(tenant, query)) as items:
        for text in items:
            buffer.append(text if first else "," + text)
            first = False
            if len(buffer) >= lines_per_chunk:
                yield "".join(buffer)
                buffer = []
    buffer.append("]")
    yield "".join(buffer)


def stream_ndjson(tenant, query: ExportQuery, *, lines_per_chunk: int = 200):
    """One service (or id) per line."""
    buffer = []
    with closing(json_items(tenant, query)) as items:
        for text in items:
            buffer.append(text + "\n")
            if len(buffer) >= lines_per_chunk:
                yield "".join(buffer)
                buffer = []
    if buffer:
        yield "".join(buffer)


# -- the files --------------------------------------------------------------------------------


def exact_time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _common_row(row) -> dict:
    return {
        "started": exact_time(row.started_at),
        "completed": exact_time(row.completed_at),
        "est_duration": row.est_duration,
        "disposition": row.disposition or None,
        "disposition_desc": row.disposition_desc or None,
        "started_data": row.started_data or {},
        "completed_data": row.completed_data,
        "extensions": row.extensions or {},
    }


def service_row(service) -> dict:
    return {
        "service_id": service.service_id,
        "service_type": service.service_type,
        "customer_id": service.customer_id,
        "contact_key": service.contact_key or None,
        "expiration_time": exact_time(service.expires_at),
        **_common_row(service),
    }


def state_row(service, state) -> dict:
    return {
        "service_id": service.service_id,
        "state_id": state.state_id,
        "state_type": state.state_type,
        **_common_row(state),
    }


def task_row(service, task) -> dict:
    return {
        "service_id": service.service_id,
        "task_id": task.task_id,
        "state_id": task.state_id,
        "task_type": task.task_type,
        **_common_row(task),
    }


def escape_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(name: str, value) -> str:
    if value is None:
        return ""
    if name in JSON_COLUMNS:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    else:
        text = str(value)
    return escape_cell(text)


class JsonRowsWriter:
    """A JSON array with one row per line: line n+1 of the file is row n (error reports)."""

    def __init__(self, out, entity: str) -> None:
        self.out, self.first = out, True
        out.write("[")

    def write(self, row: dict) -> None:
        self.out.write(("\n" if self.first else ",\n") + json.dumps(row, ensure_ascii=False))
        self.first = False

    def close(self) -> None:
        self.out.write("\n]\n")


class CsvRowsWriter:
    def __init__(self, out, entity: str) -> None:
        self.fields = FIELDS[entity]
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(self.fields)

    def write(self, row: dict) -> None:
        self.writer.writerow([csv_cell(name, row.get(name)) for name in self.fields])

    def close(self) -> None:
        return None


WRITERS = {"json": JsonRowsWriter, "csv": CsvRowsWriter}


def write_export_files(*, tenant, query: ExportQuery, fmt: str, open_file, reporter) -> dict:
    """Write services.<fmt>, states.<fmt> and tasks.<fmt> in one pass over the selection.
    `open_file(name)` is a context manager giving a text stream (a job handle's open_file)."""
    if fmt not in FORMATS:
        raise ValidationFailed.from_errors({"format": ["must be json or csv"]})
    selection = query.selection(tenant)
    total = selection.count()
    reporter.progress(0, total)
    counts = {"services": 0, "states": 0, "tasks": 0}
    with ExitStack() as stack:
        writers = {
            entity: WRITERS[fmt](stack.enter_context(open_file(f"{entity}.{fmt}")), entity)
            for entity in counts
        }
        for chunk in export.export_service_chunks(selection):
            reporter.check_cancelled()
            for service, states, tasks in chunk:
                writers["services"].write(service_row(service))
                for state in states:
                    writers["states"].write(state_row(service, state))
                for task in tasks:
                    writers["tasks"].write(task_row(service, task))
                counts["states"] += len(states)
                counts["tasks"] += len(tasks)
            counts["services"] += len(chunk)
            reporter.set_counts(**counts)
            reporter.progress(counts["services"], max(total, counts["services"]))
        for writer in writers.values():
            writer.close()
    reporter.set_counts(**counts)
    reporter.progress(counts["services"], max(total, counts["services"]))
    return counts


# -- the zip ----------------------------------------------------------------------------------


def product_version() -> str:
    try:
        return importlib.metadata.version("csadmin")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout not installed
        return "unknown"


def export_manifest(query: ExportQuery, counts: dict, exported_at: dt.datetime) -> dict:
    return {
        "product": "csadmin",
        "version": product_version(),
        "exported_at": exact_time(exported_at),
        "format": "json",
        "files": {entity: f"{entity}.json" for entity in FIELDS},
        "query": query.as_arguments(),
        "counts": counts,
    }


def write_export_zip(*, tenant, query: ExportQuery, open_file, reporter) -> dict:
    """One zip (`open_file(ZIP_NAME)` gives a binary stream) holding services.json,
    states.json, tasks.json and manifest.json. The files are written to temporary files first,
    then deflated into the zip from them: memory stays flat. The temporary files have no name
    (the system's anonymous ones), so no customer's data is left at a local path, even by a
    worker that dies mid-export."""
    exported_at = dt.datetime.now(dt.UTC)
    with ExitStack() as stack:
        members = {}

        @contextmanager
        def open_member(name):
            raw = members[name] = stack.enter_context(tempfile.TemporaryFile())
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            yield text
            text.flush()
            text.detach()  # leaves `raw` open for the zip

        counts = write_export_files(
            tenant=tenant, query=query, fmt="json", open_file=open_member, reporter=reporter
        )
        manifest = export_manifest(query, counts, exported_at)
        with open_file(ZIP_NAME) as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped:
            for entity in FIELDS:
                add_zip_member(zipped, f"{entity}.json", members[f"{entity}.json"], exported_at)
            zipped.writestr(MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return counts


def add_zip_member(zipped: zipfile.ZipFile, name: str, raw, written: dt.datetime) -> None:
    """Deflate the binary file `raw` (read from its start) into `zipped` as `name`. Its size is
    given first, so a member past 2 GiB gets its ZIP64 fields as ZipFile.write would give."""
    info = zipfile.ZipInfo(name, date_time=written.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # rw-r--r--, as a written file's
    info.file_size = raw.seek(0, io.SEEK_END)
    raw.seek(0)
    with zipped.open(info, "w") as member:
        shutil.copyfileobj(raw, member)
