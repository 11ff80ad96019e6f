"""A run as the API and the pages show it: its JSON, its outcome badge, its arguments."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC

from django.urls import reverse
from msgspec import inspect
from rest_framework.response import Response

from csadmin.jobs.models import JobRun
from csadmin.pluginlib.registry import registry


def timestamp(value) -> str | None:
    """ISO-8601 in UTC with milliseconds, as the spec writes every time."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# A job that skips bad rows lists them in this file of its own, one per problem with its line
# and reason (a CSV whose header names its columns); its `errors` in the API point there.
ROW_ERRORS_FILE = "errors.csv"


def status_url(run: JobRun, request=None) -> str:
    url = reverse("jobs-api:job", args=[run.pk])
    return request.build_absolute_uri(url) if request is not None else url


def job_json(run: JobRun, request=None) -> dict:
    return {
        "id": run.pk,
        "kind": run.kind,
        "plugin": run.plugin,
        "state": run.state,
        "outcome": outcome(run).word,  # the word of the job page's badge
        "progress": {"done": run.done, "total": run.total},
        "counts": run.counts or {},
        "errors": job_errors(run, request),
        "arguments": run.arguments or {},
        "attempts": run.attempts,
        "cancel_requested": run.cancel_requested,
        "retry_of": run.retry_of_id,
        "created_by": run.created_by,
        "created": timestamp(run.created_at),
        "started": timestamp(run.started_at),
        "finished": timestamp(run.finished_at),
        "files": [stored.name for stored in run.files.all()],
        "status_url": status_url(run, request),
    }


def job_errors(run: JobRun, request=None) -> list[str]:
    """Why the run failed, if it did; and when it skipped bad rows, how many and where each is
    listed (the file's address: its rows quote the data, which the file's privilege guards).
    Reads only the run and its prefetched files, so a page of runs costs no more."""
    errors = [run.error] if run.error else []
    bad = int((run.counts or {}).get("errors") or 0)
    if bad and any(stored.name == ROW_ERRORS_FILE for stored in run.files.all()):
        url = reverse("jobs-api:file", args=[run.pk, ROW_ERRORS_FILE])
        url = request.build_absolute_uri(url) if request is not None else url
        rows = "row" if bad == 1 else "rows"
        errors.append(f"{bad} bad {rows} skipped, each listed with its line and reason in {url}")
    return errors


def job_accepted(request, run: JobRun):
    """The 202 answer of a call that started a job (spec §6), with its Location."""
    url = status_url(run, request)
    body = {"job_id": run.pk, "status": run.state, "status_url": url}
    return Response(body, status=202, headers={"Location": url})


# -- the pages: a run's outcome and its arguments ----------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What a run's badge says: `key` picks its colour (one badge set on every page), `label`
    is its text, so the state never rests on colour alone."""

    key: str
    label: str

    @property
    def word(self) -> str:
        """The outcome in one of OUTCOMES' words (the API's `outcome`)."""
        return self.key.replace("-", " ")


# The API's `outcome` of a job: its state, or "succeeded with errors" when it skipped bad rows.
OUTCOMES = ("queued", "running", "succeeded", "succeeded with errors", "failed", "cancelled")


def outcome(run: JobRun) -> Outcome:
    """The run's state, except that a run which skipped bad rows says so with their count: it
    did its work, but not all of it, and that must show as plainly as a failure does."""
    errors = int((run.counts or {}).get("errors") or 0)
    if run.state == JobRun.State.SUCCEEDED and errors:
        rows = "row" if errors == 1 else "rows"
        return Outcome("succeeded-with-errors", f"succeeded with {errors} bad {rows}")
    return Outcome(run.state, run.state)


@dataclass(frozen=True)
class Argument:
    name: str
    label: str
    value: str


def job_arguments(run: JobRun) -> list[Argument]:
    """The run's arguments as its job declared them (csadmin.jobs.inputs), in the declared
    order, labelled by their `title` (else their name) and formatted by their type. Inputs
    declared with `extra={"shown": False}` (an upload's token) stay off the pages; arguments
    the declaration no longer names are shown as given."""
    given = dict(run.arguments or {})
    shown = []
    declared = registry.job_inputs(run.kind)
    fields = inspect.type_info(declared).fields if declared is not None else ()
    for info in fields:
        if info.name not in given:
            continue
        value = given.pop(info.name)
        meta = info.type if isinstance(info.type, inspect.Metadata) else None
        if meta is not None and (meta.extra or {}).get("shown") is False:
            continue
        title = ((meta.extra_json_schema or {}).get("title") if meta else None) or info.name
        shown.append(Argument(info.name, _label(title), _formatted(value)))
    shown.extend(Argument(name, _label(name), _formatted(value)) for name, value in given.items())
    return shown


def is_dry_run(run: JobRun) -> bool:
    return (run.arguments or {}).get("dry_run") is True


def _label(name: str) -> str:
    return name.replace("_", " ")


def _formatted(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
