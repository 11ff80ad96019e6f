"""Jobs in a real Celery worker process on Redis against PostgreSQL: progress seen while the job
runs, cancel mid-run, and a worker killed mid-job (SIGKILL), its job sent again by the reaper
and finished by a new worker.

Needs REDIS_URL (CI: redis://127.0.0.1:6379/15) and DATABASE_URL on PostgreSQL. Each test's
worker consumes only its own queue (jobs and deliveries both go there), so stray messages of
other runs never reach it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from csadmin.celery import app
from csadmin.jobs import cancel_job, enqueue_job, reap_stale_jobs
from csadmin.jobs.models import JobRun
from csadmin.testing import require_service, uses_postgresql
from tests.sample_plugin.models import Note

pytestmark = pytest.mark.services

State = JobRun.State
REDIS_URL = os.environ.get("REDIS_URL", "")
# The broker hands an unacknowledged job to another worker after this many seconds; short here
# so the restarted worker gets the killed one's job within the test (production: an hour).
VISIBILITY_TIMEOUT = 6


def redis_answers() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def database_url() -> str:
    """The live test database (test_<name>), for the worker process."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )


class Worker:
    """`celery -A csadmin worker --pool=solo` on one queue, with its output kept in a file."""

    def __init__(self, queue: str, folder: Path) -> None:
        self.queue = queue
        self.folder = folder
        self.process: subprocess.Popen | None = None
        self.started = 0
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "CSADMIN_JOBS_EAGER": "0",
            "CSADMIN_JOBS_QUEUE": queue,
            "CSADMIN_DELIVERIES_QUEUE": queue,
            "DATABASE_URL": database_url(),
            "REDIS_URL": REDIS_URL,
            "CSADMIN_VAR_DIR": str(folder),
            "CSADMIN_JOBS_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        }

    @property
    def log_path(self) -> Path:
        return self.folder / f"worker-{self.started}.log"

    def start(self) -> None:
        self.started += 1
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "csadmin",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            self.queue,
            "-n",
            f"{self.queue}-{self.started}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=settings.BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, nothing acknowledged or handed back."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # warm shutdown takes a few seconds
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"


@contextmanager
def private_queue():
    """Needs PostgreSQL and Redis; this process sends its jobs to a queue of its own (yielded)
    on Redis, not run in-process, until the block ends."""
    require_service(uses_postgresql(), "PostgreSQL")
    require_service(redis_answers(), "Redis (REDIS_URL)")
    queue = f"csadmin-test-{uuid.uuid4().hex[:10]}"
    changed = {"task_always_eager": False, "task_default_queue": queue, "broker_url": REDIS_URL}
    saved = {key: app.conf[key] for key in changed}
    app.conf.update(changed)
    try:
        with override_settings(CSADMIN_DELIVERIES_QUEUE=queue):
            yield queue
    finally:
        app.conf.update(saved)


@pytest.fixture
def worker(transactional_db, tmp_path, media_root):
    with private_queue() as queue:
        # The worker's MEDIA_ROOT is <CSADMIN_VAR_DIR>/files: the same folder as this process's.
        assert media_root == tmp_path / "files"
        running = Worker(queue, tmp_path)
        running.start()
        try:
            yield running
        finally:
            running.stop()


def wait_for(check, *, timeout: float, what: str, worker: Worker):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout} s waiting for {what}\nworker log:\n{worker.log_tail()}")


def _notes(tenant, count: int) -> None:
    Note.objects.bulk_create(Note(tenant=tenant, text=f"note {n}") for n in range(count))


def test_a_worker_runs_a_job_and_progress_shows_while_it_runs(worker, tenant, admin, media_root):
    _notes(tenant, 6)
    run = enqueue_job(
        tenant=tenant, kind="sample.count_notes", arguments={"batch": 1, "sleep": 0.4}, actor=admin
    )
    seen: set[int] = set()

    def ended():
        current = JobRun.objects.get(pk=run.pk)
        if current.state == State.RUNNING:
            seen.add(current.done)
        return current if current.finished else None

    final = wait_for(ended, timeout=60, what="the job to end", worker=worker)
    assert final.state == State.SUCCEEDED, final.error
    assert (final.done, final.total, final.counts) == (6, 6, {"notes": 6})
    assert final.attempts == 1
    # progress reached the database while the job ran, not only at the end
    assert any(0 < done < 6 for done in seen), seen
    stored = final.files.get()
    assert (media_root / "jobs" / str(run.pk) / "notes.txt").read_bytes().count(b"note") == 6
    assert stored.size > 0


def test_cancel_stops_a_running_job_at_its_next_batch(worker, tenant, admin):
    _notes(tenant, 40)
    run = enqueue_job(
        tenant=tenant, kind="sample.count_notes", arguments={"batch": 1, "sleep": 0.3}, actor=admin
    )
    wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state=State.RUNNING, done__gte=2).exists(),
        timeout=60,
        what="the job to make progress",
        worker=worker,
    )
    cancel_job(tenant=tenant, job_id=run.pk, actor=admin)
    final = wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state__in=JobRun.FINISHED).first(),
        timeout=30,
        what="the job to stop",
        worker=worker,
    )
    assert final.state == State.CANCELLED
    assert 2 <= final.done < 40
    assert final.log_lines.filter(message="Cancelled.").exists()


def test_a_killed_workers_job_is_sent_again_by_the_reaper_and_finished(worker, tenant, admin):
    _notes(tenant, 8)
    run = enqueue_job(
        tenant=tenant, kind="sample.count_notes", arguments={"batch": 1, "sleep": 0.5}, actor=admin
    )
    wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state=State.RUNNING, done__gte=2).exists(),
        timeout=60,
        what="the job to make progress",
        worker=worker,
    )
    worker.kill()
    assert JobRun.objects.get(pk=run.pk).state == State.RUNNING  # the dead worker said nothing

    # Five minutes later (the reaper's clock), the silent job is queued and sent again.
    assert reap_stale_jobs(now=timezone.now() + timedelta(minutes=6)) == 1
    assert JobRun.objects.get(pk=run.pk).state == State.QUEUED
    worker.start()
    final = wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state__in=JobRun.FINISHED).first(),
        timeout=90,
        what="the job sent again to end",
        worker=worker,
    )
    assert final.state == State.SUCCEEDED, final.error
    assert final.attempts == 2
    assert (final.done, final.counts) == (8, {"notes": 8})  # started over: exact counts
    messages = list(final.log_lines.values_list("message", flat=True))
    assert any(m.endswith("sent again for attempt 2 of 3.") for m in messages), messages
    assert any(m.startswith("Delivered again (attempt 2 of 3)") for m in messages), messages


def test_the_reaper_measures_the_jobs_queue_on_redis(transactional_db, tenant, admin):
    from csadmin.jobs.services import messages_waiting

    with private_queue():
        assert messages_waiting() == 0
        enqueue_job(tenant=tenant, kind="sample.count_notes", arguments={}, actor=admin)
        assert messages_waiting() == 1  # no worker reads this queue
