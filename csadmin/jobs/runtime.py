"""The @job decorator and the handle a job's body reports through.

    from csadmin.jobs import JobInputs, job

    class PurgeInputs(JobInputs):
        limit: Annotated[datetime, Meta(tz=True)]
        batch: Annotated[int, Meta(ge=1)] = 1000

    @job("maintenance.purge", inputs=PurgeInputs)
    def purge(handle):
        for batch in batches(handle.inputs.limit, handle.inputs.batch):
            handle.check_cancelled()
            ...
            handle.progress(done, total)
            handle.count(services=len(batch))

`inputs` declares the job's arguments (csadmin.jobs.inputs): enqueue_job refuses arguments that
break it, and the body reads them typed from `handle.inputs`. A job without `inputs` takes none.

The decorator makes a Celery task (late acknowledgement) that takes a JobRun id. The task
claims the run (a queued run only, counting the attempt), calls the body with a JobHandle, and
finishes the run as succeeded, failed or cancelled; the body's exceptions never reach Celery, so
a failed job is acknowledged once and not retried by the broker.

A run is claimed once per attempt: a message for a run that is already running or ended is
dropped, so a job sent twice (the reaper re-sends runs whose worker or message was lost) never
runs twice at once. Every write of an attempt names the attempt it belongs to: once the reaper
has handed the run to a new attempt, a worker that wakes up again writes nothing and stops at
its next check (ClaimLost).
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from csadmin.celery import JOBS_LANE, LANES, app
from csadmin.jobs import files
from csadmin.jobs.inputs import JobInputs, NoInputs, read_inputs
from csadmin.jobs.models import JobFile, JobLog, JobRun
from csadmin.pluginlib.errors import DomainError
from csadmin.pluginlib.registry import registry

logger = logging.getLogger(__name__)

MAX_DELIVERIES = 3
# Progress is written at most this often from the body's calls ...
FLUSH_MIN_SECONDS = 0.5
# ... and at least this often while running (with the heartbeat) by a thread beside the body.
FLUSH_MAX_SECONDS = 2.0
MAX_LOG_LINES = 1000
MAX_MESSAGE_LENGTH = 2000
MAX_ERROR_LENGTH = 2000


class JobCancelled(Exception):
    """Raised by handle.check_cancelled(); ends the run as cancelled."""


class ClaimLost(Exception):
    """This attempt no longer owns the run (the reaper sent it again, or it ended meanwhile):
    the attempt stops and writes nothing more."""


def job(
    name=None,
    *,
    inputs: type[JobInputs] = NoInputs,
    time_limit: int | None = None,
    soft_time_limit: int | None = None,
    files_privilege: str | None = None,
):
    """Make `func(handle)` a job. `name` is its kind (the Celery task name); it defaults to
    "<module>.<function>". Use as @job, @job() or @job("plugin.kind", inputs=KindInputs).
    `files_privilege`: downloading the run's files needs this privilege too, beyond seeing
    jobs (a file that holds what only that privilege may read, such as a customer's data)."""
    if callable(name):
        return job()(name)
    if not (isinstance(inputs, type) and issubclass(inputs, JobInputs)):
        raise TypeError(f"job {name!r}: inputs must be a JobInputs subclass, not {inputs!r}")

    def decorate(func):
        task_name = name or f"{func.__module__}.{func.__name__}"
        options = {}
        if time_limit is not None:
            options["time_limit"] = time_limit
        if soft_time_limit is not None:
            options["soft_time_limit"] = soft_time_limit

        def run(task, job_id: int) -> None:
            execute(job_id, func, in_worker=not task.request.is_eager, inputs=inputs)

        run.__name__ = func.__name__
        run.__doc__ = func.__doc__
        run.__module__ = func.__module__
        task = app.task(
            name=task_name,
            bind=True,
            acks_late=True,
            reject_on_worker_lost=True,
            ignore_result=True,
            **options,
        )(run)
        task.job_body = func
        task.job_inputs = inputs
        registry.register_job(task_name, func.__module__, inputs, files_privilege=files_privilege)
        return task

    return decorate


def task(name: str, *, lane: str = JOBS_LANE, **options):
    """Make `func` a plain Celery task named `name` (no JobRun: deliveries, periodic sweeps),
    with its result ignored unless `options` say otherwise. Plug-ins use this instead of the
    Celery app; their periodic tasks are scheduled through PluginConfig.schedules. `lane`
    "deliveries" puts the task on the deliveries queue, apart from the jobs."""
    if lane not in LANES:
        raise ValueError(f"task {name!r}: lane must be one of {', '.join(LANES)}, not {lane!r}")
    options.setdefault("ignore_result", True)
    options["lane"] = lane

    def decorate(func):
        return app.task(name=name, **options)(func)

    return decorate


def send_task(name: str, args=(), **options):
    """Send the registered Celery task `name` (a plug-in's @task or @job) with `args`; the
    options are Celery's (countdown, eta, retry...). A plug-in names its own tasks this way
    where importing its tasks module would make a circle (the tasks call what sends them)."""
    registry.plugins()  # the first call imports every plug-in's tasks: the name is registered
    return app.tasks[name].apply_async(tuple(args), **options)


def runs_inline() -> bool:
    """True when tasks run in the calling process (CELERY_TASK_ALWAYS_EAGER: tests, the
    embedded configuration): nothing can wait for a countdown there."""
    return bool(app.conf.task_always_eager)


class JobHandle:
    """What a job's body sees: its run, inputs and tenant, and the calls to report through.

    `inputs` holds the arguments as the job declared them (typed); `arguments` the stored JSON.
    """

    def __init__(self, run: JobRun) -> None:
        self.run = run
        self.job_id = run.pk
        self.kind = run.kind
        self.tenant = run.tenant
        self.arguments = dict(run.arguments or {})
        self.inputs: JobInputs | None = None
        self.actor = run.created_by_user
        self.attempt = run.attempts
        # What earlier attempts of this run counted (kept in the row). A job whose work outlives
        # its attempt (a purge's deletions) starts its counts from these; one that starts over
        # reports its own counts, which replace them.
        self.earlier_counts: dict[str, int] = dict(run.counts or {})
        self._done = 0
        self._total: int | None = None
        self._counts: dict[str, int] = {}
        self._counts_reported = False
        self._claim_lost = False
        self._dirty = False
        self._last_flush = self._last_beat = float("-inf")
        self._values_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._log_lines = JobLog.objects.filter(job_id=run.pk).count()

    # -- progress and counts ---------------------------------------------------------------
    def progress(self, done: int, total: int | None = None) -> None:
        """Report `done` of `total` units (total None keeps the last total)."""
        with self._values_lock:
            self._done = max(0, int(done))
            if total is not None:
                self._total = max(0, int(total))
            self._dirty = True
        self._maybe_flush()

    def count(self, **increments: int) -> None:
        """Add to named counts, e.g. count(services=500, states=1200)."""
        with self._values_lock:
            for key, value in increments.items():
                self._counts[key] = self._counts.get(key, 0) + int(value)
            self._counts_reported = self._dirty = True
        self._maybe_flush()

    def set_counts(self, **values: int) -> None:
        """Set named counts to these values."""
        with self._values_lock:
            self._counts.update({key: int(value) for key, value in values.items()})
            self._counts_reported = self._dirty = True
        self._maybe_flush()

    def counted(self, work):
        """Call `work()`, which answers counts ({"services": 500, ...}), and add them to the
        run's counts in the same transaction as the work's own writes: a worker killed right
        after a batch cannot lose that batch's counts, and an attempt that lost its claim
        (ClaimLost) has its batch rolled back."""
        with self._write_lock:
            with transaction.atomic():
                increments = {key: int(value) for key, value in work().items()}
                with self._values_lock:
                    counts = dict(self._counts)
                for key, value in increments.items():
                    counts[key] = counts.get(key, 0) + value
                if not self._claimed_runs().update(counts=counts, heartbeat_at=timezone.now()):
                    self._claim_lost = True
                    raise ClaimLost()
            with self._values_lock:
                self._counts = counts
                self._counts_reported = True
        return increments

    def _claimed_runs(self):
        """The run, while this attempt still owns it."""
        return JobRun.objects.filter(
            pk=self.job_id, state=JobRun.State.RUNNING, attempts=self.attempt
        )

    @property
    def counts(self) -> dict[str, int]:
        with self._values_lock:
            return dict(self._counts)

    def snapshot(self) -> dict:
        """Progress and counts to write; counts only once the body reported some, so the row
        keeps an earlier attempt's counts until then."""
        with self._values_lock:
            return self._values()

    def _values(self) -> dict:
        values = {"done": self._done, "total": self._total}
        if self._counts_reported:
            values["counts"] = dict(self._counts)
        return values

    def _maybe_flush(self) -> None:
        if time.monotonic() - self._last_flush >= FLUSH_MIN_SECONDS:
            self.flush(wait=False)

    def flush(self, *, wait: bool = True) -> bool:
        """Write progress, counts and the heartbeat. Without `wait`, skip when the heartbeat
        thread is writing (it holds the values we would write, or newer ones soon)."""
        if not self._write_lock.acquire(blocking=wait):
            return False
        try:
            with self._values_lock:
                values = self._values()
                self._dirty = False
                self._last_flush = time.monotonic()
            if not self._claimed_runs().update(heartbeat_at=timezone.now(), **values):
                self._claim_lost = True
            return True
        finally:
            self._write_lock.release()

    def beat(self) -> None:
        """Write the heartbeat alone (at most every FLUSH_MAX_SECONDS)."""
        if time.monotonic() - self._last_beat < FLUSH_MAX_SECONDS:
            return
        self._last_beat = time.monotonic()
        if not self._claimed_runs().update(heartbeat_at=timezone.now()):
            self._claim_lost = True

    def due_for_flush(self) -> bool:
        since = time.monotonic() - self._last_flush
        return (self._dirty and since >= FLUSH_MIN_SECONDS) or since >= FLUSH_MAX_SECONDS

    # -- log, cancellation, files ----------------------------------------------------------
    def log(self, level: str, message: str) -> None:
        """Add a log line (level debug, info, warning or error) that the job page shows."""
        level = str(level).lower()
        if level not in JobLog.Level.values:
            level = JobLog.Level.INFO
        if self._log_lines > MAX_LOG_LINES or self._claim_lost:
            return
        self._log_lines += 1
        if self._log_lines > MAX_LOG_LINES:
            level, message = JobLog.Level.WARNING, "Further log lines were left out."
        JobLog.objects.create(
            job_id=self.job_id, level=level, message=str(message)[:MAX_MESSAGE_LENGTH]
        )

    def cancel_requested(self) -> bool:
        return JobRun.objects.filter(pk=self.job_id, cancel_requested=True).exists()

    def check_cancelled(self) -> None:
        """Call between batches: raises JobCancelled when someone asked to cancel the job, and
        ClaimLost when this attempt no longer owns the run."""
        if self._claim_lost:
            raise ClaimLost()
        cancel_requested = self._claimed_runs().values_list("cancel_requested", flat=True).first()
        if cancel_requested is None:
            self._claim_lost = True
            raise ClaimLost()
        if cancel_requested:
            raise JobCancelled()

    def add_file(self, name: str, source) -> JobFile:
        """Attach an output file: bytes, a binary file object, or the local file at a path."""
        size = files.store(self.job_id, name, source)
        return self._register_file(name, size)

    @contextmanager
    def open_file(self, name: str, mode: str = "wb", encoding: str | None = None):
        """Write an output file (streamed to a local temporary file, saved to the job storage
        once complete): `with handle.open_file("services.csv", "w", encoding="utf-8") as out:`"""
        with files.write_job_file(
            self.job_id, name, mode, encoding, partial(self._register_file, name)
        ) as out:
            yield out

    def _register_file(self, name: str, size: int) -> JobFile:
        stored, _ = JobFile.objects.update_or_create(
            job_id=self.job_id, name=name, defaults={"size": size, "created_at": timezone.now()}
        )
        return stored


class Heartbeat(threading.Thread):
    """Writes progress and the heartbeat at least every FLUSH_MAX_SECONDS while the body runs,
    also when the body is busy in one long call. Only in a worker: in eager mode the body runs
    inside the caller's transaction, where a second connection would wait for it."""

    def __init__(self, handle: JobHandle) -> None:
        super().__init__(name=f"job-{handle.job_id}-heartbeat", daemon=True)
        self.handle = handle
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.wait(FLUSH_MIN_SECONDS):
                if self.handle.due_for_flush():
                    try:
                        # The body holds the write lock through a counted batch, which may wait
                        # on other transactions' locks: the heartbeat alone goes on meanwhile.
                        if not self.handle.flush(wait=False):
                            self.handle.beat()
                    except DatabaseError:
                        logger.warning("job %s: heartbeat write failed", self.handle.job_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=60)


def execute(job_id: int, body, *, in_worker: bool, inputs: type[JobInputs] | None = None) -> None:
    """Run one delivery of a job: start (or refuse) the run, read its declared `inputs`, call
    the body, finish the run. Arguments that no longer fit the declaration (stored before it
    changed) fail the run, naming the field."""
    run = start_run(job_id)
    if run is None:
        return
    handle = JobHandle(run)
    heartbeat = Heartbeat(handle) if in_worker else None
    if heartbeat:
        heartbeat.start()
    state, error = JobRun.State.SUCCEEDED, ""
    try:
        if inputs is not None:
            handle.inputs = read_inputs(inputs, handle.arguments, kind=run.kind)
        body(handle)
    except ClaimLost:
        logger.warning("job %s: attempt %s lost its claim; it stops", job_id, handle.attempt)
        state = None
    except JobCancelled:
        state = JobRun.State.CANCELLED
    except SoftTimeLimitExceeded:
        state, error = JobRun.State.FAILED, "The job ran past its time limit."
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, run.kind)
        state, error = JobRun.State.FAILED, error_summary(exc)
    finally:
        if heartbeat:
            heartbeat.stop()
    if state is not None:
        finish_run(handle, state, error)


def error_summary(exc: Exception) -> str:
    text = exc.message if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
    return text[:MAX_ERROR_LENGTH]


def start_run(job_id: int) -> JobRun | None:
    """Claim a queued run for this attempt and mark it running; None when it must not run
    (already running or ended, cancelled before it started, deleted, or tried too often)."""
    now = timezone.now()
    with transaction.atomic():
        run = JobRun.objects.select_for_update().filter(pk=job_id).first()
        if run is None or run.state != JobRun.State.QUEUED:
            # Another message of the same run (sent again, or handed back by the broker): the
            # attempt that claimed it is running it, or it ended.
            if run is not None:
                logger.info("job %s is %s: this message is dropped", job_id, run.state)
            return None
        if run.cancel_requested:
            _end(run, JobRun.State.CANCELLED, "", now)
            return None
        if run.attempts >= MAX_DELIVERIES:
            message = (
                f"Stopped after {MAX_DELIVERIES} attempts: the worker running it stopped "
                "each time before it finished."
            )
            _end(run, JobRun.State.FAILED, message, now)
            JobLog.objects.create(job=run, level=JobLog.Level.ERROR, message=message)
            return None
        run.attempts += 1
        run.state = JobRun.State.RUNNING
        run.started_at = run.started_at or now
        run.heartbeat_at = now
        # A new attempt starts its progress over; the counts stay until it reports its own
        # (a purge adds to what earlier attempts removed, see JobHandle.earlier_counts).
        run.done = 0
        run.save()
        if run.attempts > 1:
            JobLog.objects.create(
                job=run,
                level=JobLog.Level.WARNING,
                message=f"Delivered again (attempt {run.attempts} of {MAX_DELIVERIES}); "
                "starting over.",
            )
    return JobRun.objects.select_related("tenant", "created_by_user").get(pk=job_id)


def finish_run(handle: JobHandle, state: str, error: str) -> None:
    """Write the end state, unless something else ended the run meanwhile (the reaper)."""
    values = handle.snapshot()
    if state == JobRun.State.SUCCEEDED and values["total"] is not None:
        values["done"] = max(values["done"], values["total"])
    now = timezone.now()
    with transaction.atomic():
        ended = handle._claimed_runs().update(
            state=state, error=error, finished_at=now, heartbeat_at=now, **values
        )
        if ended and error:
            JobLog.objects.create(job_id=handle.job_id, level=JobLog.Level.ERROR, message=error)
        elif ended and state == JobRun.State.CANCELLED:
            JobLog.objects.create(
                job_id=handle.job_id, level=JobLog.Level.WARNING, message="Cancelled."
            )


def _end(run: JobRun, state: str, error: str, now) -> None:
    run.state, run.error, run.finished_at = state, error, now
    run.save(update_fields=["state", "error", "finished_at"])
