"""Writes about jobs: enqueue, cancel, retry, and the reaper of runs whose worker or message
was lost."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from kombu.exceptions import KombuError

from csadmin import circuit as circuits
from csadmin.access.checks import has_privilege
from csadmin.celery import app
from csadmin.jobs import files
from csadmin.jobs.inputs import NoInputs, read_inputs
from csadmin.jobs.models import JobFile, JobLog, JobRun
from csadmin.jobs.runtime import MAX_DELIVERIES
from csadmin.pluginlib.errors import (
    ConflictError,
    NotFoundError,
    Refused,
    ServiceUnavailable,
    ValidationFailed,
)
from csadmin.pluginlib.registry import registry

logger = logging.getLogger(__name__)

MANAGE = "jobs.runs.manage"
STALE_AFTER = timedelta(minutes=5)
BROKER_DOWN = "The job queue cannot be reached right now; try again later."
# Errors a publish can raise when the broker is down (kombu's, and the sockets' own).
BROKER_ERRORS = (KombuError, OSError)


def registered_task(kind):
    """The Celery task of a job kind (its name, or the task object the decorator returned)."""
    name = getattr(kind, "name", kind)
    if not isinstance(name, str) or name not in registry.jobs() or name not in app.tasks:
        raise ValidationFailed.from_errors({"kind": [f"{name!s} is not a registered job"]})
    return app.tasks[name]


def ensure_broker_reachable() -> None:
    """Refuse with 503 before anything is written when the broker (Redis) is down; at once,
    without asking it, while the Redis circuit is open after a failure (csadmin.circuit)."""
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
    retry_after = circuits.of(app.conf.broker_url).retry_after()
    return ServiceUnavailable(BROKER_DOWN, retry_after=retry_after)


def enqueue_job(*, tenant, kind, arguments=None, actor, retry_of: JobRun | None = None) -> JobRun:
    """Create a queued run and send it to a worker once the caller's transaction commits.

    The arguments must fit the inputs the job declared (@job(..., inputs=...)): otherwise
    ValidationFailed names the field and the rule, and nothing is written. They are kept as
    given (JSON).

    Broker down: ServiceUnavailable (503) and nothing written. Should the send itself fail
    after the commit, the run is marked failed with the reason (and, when the caller was not
    in a transaction, ServiceUnavailable is raised then).
    """
    task = registered_task(kind)
    arguments = _json_object(arguments)
    read_inputs(getattr(task, "job_inputs", NoInputs), arguments, kind=task.name)
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


def _publish(job_id: int, task) -> None:
    """One message for a run. A broker that fails opens its circuit, and the error propagates."""
    try:
        task.apply_async(
            args=[job_id],
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0, "interval_step": 0.5},
        )
    except BROKER_ERRORS as exc:
        circuits.of(task.app.conf.broker_url).failed(exc)
        raise


def _send(job_id: int, task, *, raise_on_failure: bool) -> None:
    try:
        _publish(job_id, task)
    except BROKER_ERRORS as exc:
        logger.warning("job %s could not be queued: %s", job_id, exc)
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
    """Run an ended job again with the same arguments, as a new run. A queued job is sent
    again instead (its message may be lost): the same run, which still runs once."""
    run = _locked_run(tenant, job_id)
    _require_manage(run, actor, tenant, "retry")
    if run.state == JobRun.State.QUEUED:
        return _send_again_now(run, actor)
    if not run.finished:
        raise ConflictError(
            f"Job {run.pk} is still {run.state}; only a queued or ended job can be retried.",
            errors={"state": [f"is {run.state}; only queued or ended jobs can be retried"]},
        )
    return enqueue_job(
        tenant=tenant, kind=run.kind, arguments=run.arguments, actor=actor, retry_of=run
    )


def _send_again_now(run: JobRun, actor) -> JobRun:
    """Retry of a queued run: send its message again (503 when the broker is down)."""
    task = registered_task(run.kind)
    ensure_broker_reachable()
    now = timezone.now()
    JobRun.objects.filter(pk=run.pk).update(sends=F("sends") + 1, sent_at=now)
    JobLog.objects.create(
        job=run, level=JobLog.Level.WARNING, message=f"Sent again by {_name(actor)}."
    )
    transaction.on_commit(partial(_send_again, run.pk, task))
    run.refresh_from_db()
    return run


def _send_again(job_id: int, task) -> bool:
    """Publish one more message of a run. Failure changes nothing: the reaper sends a queued
    run again once it has waited too long."""
    try:
        _publish(job_id, task)
    except BROKER_ERRORS as exc:
        logger.warning("job %s could not be sent again: %s", job_id, exc)
        return False
    return True


def reap_stale_jobs(*, now=None, stale_after: timedelta = STALE_AFTER) -> int:
    """Send again, or fail with the reason, the runs whose worker or message was lost; answer
    how many runs it acted on (the beat task runs this every minute).

    A running job whose heartbeat is older than `stale_after` lost its worker (a live one
    writes it every few seconds): it is queued and sent again while attempts remain. A queued
    job no worker took within CSADMIN_JOBS_QUEUED_TIMEOUT of its last message lost that message
    (a broker restarted without its data): it is sent again, a few times, then failed.
    """
    now = now or timezone.now()
    return _resend_or_fail_stale_running(now, stale_after) + _resend_or_fail_lost_queued(now)


def _resend_or_fail_stale_running(now, stale_after: timedelta) -> int:
    cutoff = now - stale_after
    stale = Q(state=JobRun.State.RUNNING) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    minutes = int(stale_after.total_seconds() // 60)
    reason = (
        f"The worker running this job stopped answering (no heartbeat for {minutes} minutes)"
        if minutes
        else "The worker running this job stopped answering"
    )
    acted = 0
    for job_id, attempts in JobRun.objects.filter(stale).values_list("pk", "attempts"):
        # Conditional writes: a worker that wrote its heartbeat meanwhile keeps its run.
        if attempts < MAX_DELIVERIES:
            message = f"{reason}; sent again for attempt {attempts + 1} of {MAX_DELIVERIES}."
            due = JobRun.objects.filter(stale, pk=job_id)
            acted += _requeue(job_id, due, message, now, sends=1)  # a new wait for a worker
        else:
            message = f"{reason}, after {attempts} attempts."
            acted += _fail(job_id, JobRun.objects.filter(stale, pk=job_id), message, now)
    return acted


def _resend_or_fail_lost_queued(now) -> int:
    """Queued runs whose last message is older than the timeout, once the jobs' queue holds no
    message: a job still waiting behind others has its message in the queue, so a long queue
    delays this check and never fails a job that is merely waiting."""
    timeout = timedelta(seconds=settings.CSADMIN_JOBS_QUEUED_TIMEOUT)
    cutoff = now - timeout
    waited = Q(state=JobRun.State.QUEUED) & (
        Q(sent_at__lt=cutoff) | Q(sent_at__isnull=True, created_at__lt=cutoff)
    )
    lost = list(JobRun.objects.filter(waited).values_list("pk", "sends"))
    if not lost or messages_waiting() != 0:
        return 0
    minutes = max(1, int(timeout.total_seconds() // 60))
    acted = 0
    for job_id, sends in lost:
        if sends < MAX_DELIVERIES:
            message = (
                f"No worker took this job within {minutes} minutes of its message, which the "
                f"queue no longer holds; sent again ({sends + 1} of {MAX_DELIVERIES} sends)."
            )
            due = JobRun.objects.filter(waited, pk=job_id)
            acted += _requeue(job_id, due, message, now, sends=F("sends") + 1)
        else:
            message = (
                f"No worker took this job: sent {sends} times, {minutes} minutes apart. Are "
                f"workers reading the queue {settings.CELERY_TASK_DEFAULT_QUEUE!r}?"
            )
            acted += _fail(job_id, JobRun.objects.filter(waited, pk=job_id), message, now)
    return acted


def messages_waiting() -> int | None:
    """How many messages wait in the jobs' queue (None when the broker cannot tell)."""
    if app.conf.task_always_eager:
        return 0
    try:
        with app.connection_for_read() as conn:
            # Not passive: Redis keeps no empty queue, which a passive declaration refuses.
            declared = conn.default_channel.queue_declare(queue=app.conf.task_default_queue)
    except Exception as exc:  # an unreachable broker: no judgement this time
        logger.warning("reaper: the jobs' queue could not be measured: %s", exc)
        return None
    return declared.message_count


def _requeue(job_id: int, still_due, message: str, now, *, sends) -> int:
    """Queue the run again (the next attempt claims it) and send its message after the commit;
    `still_due` is the run while the reason still holds (else nothing is written)."""
    kind = JobRun.objects.filter(pk=job_id).values_list("kind", flat=True).first()
    try:
        task = registered_task(kind)
    except ValidationFailed:
        gone = f"It cannot be sent again: its job kind {kind} is no longer installed."
        return _fail(job_id, still_due, gone, now)
    with transaction.atomic():
        if not still_due.update(state=JobRun.State.QUEUED, sent_at=now, sends=sends):
            return 0
        JobLog.objects.create(job_id=job_id, level=JobLog.Level.WARNING, message=message)
        transaction.on_commit(partial(_send_again, job_id, task))
    return 1


def _fail(job_id: int, still_due, message: str, now) -> int:
    with transaction.atomic():
        if not still_due.update(state=JobRun.State.FAILED, error=message, finished_at=now):
            return 0
        JobLog.objects.create(job_id=job_id, level=JobLog.Level.ERROR, message=message)
    return 1


def _name(actor) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else "system"


def withdraw_job_files(
    run: JobRun, reason: str, *, arguments: dict | None = None, forget: tuple[str, str] = ()
) -> int:
    """Remove a run's output files because what they hold may no longer be kept (a customer's
    data was erased), and say so on the run: a log line with `reason`, and `arguments`, when
    given, replacing the stored arguments (which may name what was erased). `forget` is a
    (text, replacement) pair: the text (an erased id) is replaced in the run's error and log
    lines. Answers how many files went. The rows go with the caller's transaction; the stored
    files go once it commits, so a rollback never leaves rows pointing at missing files."""
    names = list(run.files.values_list("name", flat=True))
    JobFile.objects.filter(job=run).delete()
    if arguments is not None:
        JobRun.objects.filter(pk=run.pk).update(arguments=_json_object(arguments))
    if forget:
        text, replacement = forget
        JobRun.objects.filter(pk=run.pk).update(
            error=Replace("error", Value(text), Value(replacement))
        )
        JobLog.objects.filter(job=run, message__contains=text).update(
            message=Replace("message", Value(text), Value(replacement))
        )
    JobLog.objects.create(job=run, level=JobLog.Level.WARNING, message=reason[:2000])
    transaction.on_commit(partial(files.remove_job_files, run.pk))
    return len(names)
