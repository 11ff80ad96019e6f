"""Writes about jobs: enqueue, cancel, retry, and the reaper of runs whose worker vanished."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import KombuError

from csadmin import circuit as circuits
from csadmin.access.checks import has_privilege
from csadmin.jobs.models import JobLog, JobRun
from csadmin.pluginlib.errors import (
    ConflictError,
    NotFoundError,
    Refused,
    ServiceUnavailable,
    ValidationFailed,
)

logger = logging.getLogger(__name__)

MANAGE = "jobs.runs.manage"
STALE_AFTER = timedelta(minutes=5)
BROKER_DOWN = "The job queue cannot be reached right now; try again later."
# Errors a publish can raise when the broker is down (kombu's, and the sockets' own).
BROKER_ERRORS = (KombuError, OSError)


def registered_task(kind):
    """The Celery task of a job kind (its name, or the task object the decorator returned)."""
    from csadmin.celery import app
    from csadmin.pluginlib.registry import registry

    name = getattr(kind, "name", kind)
    if not isinstance(name, str) or name not in registry.jobs() or name not in app.tasks:
        raise ValidationFailed.from_errors({"kind": [f"{name!s} is not a registered job"]})
    return app.tasks[name]


def ensure_broker_reachable() -> None:
    """Refuse with 503 before anything is written when the broker (Redis) is down; at once,
    without asking it, while the Redis circuit is open after a failure (csadmin.circuit)."""
    from csadmin.celery import app

    if app.conf.task_always_eager:
        return
    circuit = circuits.of(app.conf.broker_url)
    if not circuit.allows():
        raise _broker_down()
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    except BROKER_ERRORS as exc:
        logger.warning("job broker unreachable: %s", exc)
        circuit.failed(exc)
        raise _broker_down() from None
    circuit.succeeded()


def _broker_down() -> ServiceUnavailable:
    from csadmin.celery import app

    retry_after = circuits.of(app.conf.broker_url).retry_after()
    return ServiceUnavailable(BROKER_DOWN, retry_after=retry_after)


def enqueue_job(*, tenant, kind, arguments=None, actor, retry_of: JobRun | None = None) -> JobRun:
    """Create a queued run and send it to a worker once the caller's transaction commits.

    Broker down: ServiceUnavailable (503) and nothing written. Should the send itself fail
    after the commit, the run is marked failed with the reason (and, when the caller was not
    in a transaction, ServiceUnavailable is raised then).
    """
    from csadmin.pluginlib.registry import registry

    task = registered_task(kind)
    arguments = _json_object(arguments)
    ensure_broker_reachable()
    user = actor if getattr(actor, "is_authenticated", False) else None
    run = JobRun.objects.create(
        tenant=tenant,
        kind=task.name,
        plugin=registry.jobs().get(task.name, ""),
        created_by=user.get_username() if user else "system",
        created_by_user=user,
        arguments=arguments,
        retry_of=retry_of,
    )
    in_transaction = transaction.get_connection().in_atomic_block
    transaction.on_commit(partial(_send, run.pk, task, raise_on_failure=not in_transaction))
    if not in_transaction:
        run.refresh_from_db()
    return run


def _send(job_id: int, task, *, raise_on_failure: bool) -> None:
    try:
        task.apply_async(
            args=[job_id],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        )
    except BROKER_ERRORS as exc:
        logger.warning("job %s could not be queued: %s", job_id, exc)
        circuits.of(task.app.conf.broker_url).failed(exc)
        JobRun.objects.filter(pk=job_id, state=JobRun.State.QUEUED).update(
            state=JobRun.State.FAILED, error=BROKER_DOWN, finished_at=timezone.now()
        )
        if raise_on_failure:
            raise _broker_down() from None


def _json_object(arguments) -> dict:
    if arguments is None:
        return {}
    if not isinstance(arguments, dict):
        raise ValidationFailed.from_errors({"arguments": ["must be a JSON object"]})
    try:
        return json.loads(json.dumps(arguments))
    except (TypeError, ValueError):
        raise ValidationFailed.from_errors(
            {"arguments": ["must hold only JSON values (text, numbers, lists, objects)"]}
        ) from None


def _locked_run(tenant, job_id) -> JobRun:
    run = JobRun.objects.select_for_update().filter(tenant=tenant, pk=job_id).first()
    if run is None:
        raise NotFoundError(f"No job {job_id}.")
    return run


def may_manage(run: JobRun, actor, tenant) -> bool:
    """The owner of a run, or someone holding jobs.runs.manage, may cancel or retry it."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return run.created_by_user_id == actor.pk or has_privilege(actor, tenant, MANAGE)


def _require_manage(run: JobRun, actor, tenant, what: str) -> None:
    if not may_manage(run, actor, tenant):
        raise Refused(f"Only the job's owner or a holder of {MANAGE} may {what} it.")


@transaction.atomic
def cancel_job(*, tenant, job_id: int, actor) -> JobRun:
    """A queued run ends now; a running one stops at its next check between batches."""
    run = _locked_run(tenant, job_id)
    _require_manage(run, actor, tenant, "cancel")
    if run.finished:
        raise ConflictError(
            f"Job {run.pk} already ended ({run.state}); there is nothing to cancel.",
            errors={"state": [f"is {run.state}; only queued or running jobs can be cancelled"]},
        )
    run.cancel_requested = True
    fields = ["cancel_requested"]
    if run.state == JobRun.State.QUEUED:
        run.state, run.finished_at = JobRun.State.CANCELLED, timezone.now()
        fields += ["state", "finished_at"]
    run.save(update_fields=fields)
    JobLog.objects.create(
        job=run, level=JobLog.Level.WARNING, message=f"Cancel requested by {_name(actor)}."
    )
    return run


@transaction.atomic
def retry_job(*, tenant, job_id: int, actor) -> JobRun:
    """Run an ended job again with the same arguments, as a new run."""
    run = _locked_run(tenant, job_id)
    _require_manage(run, actor, tenant, "retry")
    if not run.finished:
        raise ConflictError(
            f"Job {run.pk} is still {run.state}; only an ended job can be retried.",
            errors={"state": [f"is {run.state}; only ended jobs can be retried"]},
        )
    return enqueue_job(
        tenant=tenant, kind=run.kind, arguments=run.arguments, actor=actor, retry_of=run
    )


def reap_stale_jobs(*, now=None, stale_after: timedelta = STALE_AFTER) -> int:
    """Mark running jobs whose worker stopped writing its heartbeat as failed; answer how many.

    A live worker writes the heartbeat every few seconds, so only a vanished one is caught.
    """
    now = now or timezone.now()
    cutoff = now - stale_after
    stale = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    minutes = int(stale_after.total_seconds() // 60)
    message = (
        f"The worker running this job stopped answering (no heartbeat for {minutes} minutes)."
        if minutes
        else "The worker running this job stopped answering."
    )
    reaped = 0
    for job_id in JobRun.objects.filter(stale, state=JobRun.State.RUNNING).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            if (
                JobRun.objects.filter(stale, pk=job_id, state=JobRun.State.RUNNING).update(
                    state=JobRun.State.FAILED, error=message, finished_at=now
                )
                == 1
            ):
                JobLog.objects.create(job_id=job_id, level=JobLog.Level.ERROR, message=message)
                reaped += 1
    return reaped


def _name(actor) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else "system"
