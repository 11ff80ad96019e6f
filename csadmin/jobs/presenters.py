"""A run as the API and the pages' polling partial show it."""

from __future__ import annotations

from datetime import UTC

from django.urls import reverse
from rest_framework.response import Response

from csadmin.jobs.models import JobRun


def timestamp(value) -> str | None:
    """ISO-8601 in UTC with milliseconds, as the spec writes every time."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def status_url(run: JobRun, request=None) -> str:
    url = reverse("jobs-api:job", args=[run.pk])
    return request.build_absolute_uri(url) if request is not None else url


def job_json(run: JobRun, request=None) -> dict:
    return {
        "id": run.pk,
        "kind": run.kind,
        "plugin": run.plugin,
        "state": run.state,
        "progress": {"done": run.done, "total": run.total},
        "counts": run.counts or {},
        "errors": [run.error] if run.error else [],
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


def job_accepted(request, run: JobRun):
    """The 202 answer of a call that started a job (spec §6), with its Location."""
    url = status_url(run, request)
    body = {"job_id": run.pk, "status": run.state, "status_url": url}
    return Response(body, status=202, headers={"Location": url})
