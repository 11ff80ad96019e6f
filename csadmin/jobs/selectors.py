"""Reads about jobs, always within one tenant; list reads cost a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from csadmin.access.checks import has_privilege
from csadmin.jobs.files import is_valid_file_name
from csadmin.jobs.models import JobFile, JobRun
from csadmin.pluginlib.errors import NotFoundError, Refused
from csadmin.pluginlib.registry import registry


def jobs_of(tenant, filters: dict | None = None):
    """A tenant's runs, newest first, filtered by kind, state and plug-in, files prefetched."""
    filters = filters or {}
    rows = JobRun.objects.filter(tenant=tenant)
    for field in ("kind", "state", "plugin"):
        if filters.get(field):
            rows = rows.filter(**{field: filters[field]})
    files = Prefetch("files", queryset=JobFile.objects.only("id", "job_id", "name", "size"))
    return rows.prefetch_related(files).order_by("-id")


def job_filter_choices(tenant) -> dict[str, list[str]]:
    runs = JobRun.objects.filter(tenant=tenant)
    return {
        field: list(runs.order_by(field).values_list(field, flat=True).distinct())
        for field in ("kind", "plugin")
    }


def get_job(*, tenant, job_id) -> JobRun:
    """One run of this tenant with its files; another tenant's id is simply not found."""
    try:
        job_id = int(job_id)
    except (TypeError, ValueError):
        raise NotFoundError(f"No job {job_id}.") from None
    run = (
        JobRun.objects.filter(tenant=tenant, pk=job_id)
        .select_related("retry_of")
        .prefetch_related("files")
        .first()
    )
    if run is None:
        raise NotFoundError(f"No job {job_id}.")
    return run


def job_log(run: JobRun, limit: int = 500):
    """The latest `limit` log lines, oldest first."""
    return list(reversed(run.log_lines.order_by("-id")[:limit]))


def get_job_file(*, tenant, job_id, name: str, actor) -> JobFile:
    """An output file of a run of this tenant, present in the storage; else not found. A job that
    declared a files privilege (@job(files_privilege=...)) hands its files only to holders."""
    if not is_valid_file_name(name):
        raise NotFoundError("No such file.")
    run = get_job(tenant=tenant, job_id=job_id)
    needed = registry.job_files_privilege(run.kind)
    if needed and not has_privilege(actor, tenant, needed):
        raise Refused(f"The files of {run.kind} jobs need the privilege {needed}.")
    stored = JobFile.objects.filter(job=run, name=name).first()
    if stored is None or not stored.exists():
        raise NotFoundError(f"Job {run.pk} has no file {name}.")
    return stored


def job_health(tenant, now=None) -> dict[str, int]:
    """Jobs running now and jobs that failed in the last 24 hours: one aggregate query."""
    since = (now or timezone.now()) - timedelta(hours=24)
    return JobRun.objects.filter(tenant=tenant).aggregate(
        running=Count("id", filter=Q(state=JobRun.State.RUNNING)),
        queued=Count("id", filter=Q(state=JobRun.State.QUEUED)),
        failed=Count("id", filter=Q(state=JobRun.State.FAILED, finished_at__gte=since)),
    )
