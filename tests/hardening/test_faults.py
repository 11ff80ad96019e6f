"""Faults injected into running pieces: the broker unreachable, PostgreSQL connections cut
under a running server, the worker killed mid-job without coming back."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from csadmin.celery import app
from csadmin.jobs import enqueue_job, reap_stale_jobs
from csadmin.jobs.models import JobRun
from csadmin.jobs.services import BROKER_DOWN
from csadmin.testing import make_user, require_service, uses_postgresql
from tests.jobs.test_worker import (  # noqa: F401 - worker is a fixture
    database_url,
    redis_answers,
    wait_for,
    worker,
)
from tests.sample_plugin.models import Note

pytestmark = pytest.mark.services

State = JobRun.State
CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def broker(media_root):
    """The real Redis on a queue of this test only; `broker.down()` points at a closed port."""
    require_service(redis_answers(), "Redis (REDIS_URL)")
    queue = f"csadmin-fault-{uuid.uuid4().hex[:10]}"
    changed = {"task_always_eager": False, "task_default_queue": queue, "broker_url": REDIS_URL}
    saved = {key: app.conf[key] for key in changed}
    app.conf.update(changed)

    class Broker:
        name = queue

        @staticmethod
        def down():
            app.conf.broker_url = CLOSED_PORT_BROKER

        @staticmethod
        def up():
            app.conf.broker_url = REDIS_URL

        @staticmethod
        def waiting() -> int:
            import redis

            return redis.Redis.from_url(REDIS_URL).llen(queue)

    try:
        yield Broker
    finally:
        import redis

        redis.Redis.from_url(REDIS_URL).delete(queue)
        app.conf.update(saved)


def failed_job(tenant, admin) -> JobRun:
    return JobRun.objects.create(
        tenant=tenant,
        kind="sample.count_notes",
        plugin="sample",
        state=State.FAILED,
        created_by="root",
        created_by_user=admin,
        finished_at=timezone.now(),
    )


def test_redis_down_refuses_submissions_with_503_keeps_reads_and_loses_nothing(
    transactional_db, broker, api, tenant, admin
):
    run = failed_job(tenant, admin)
    broker.down()
    refused = api.post(f"maintenance/jobs/{run.pk}/retry")
    assert refused.status_code == 503
    assert refused.json() == {"message": BROKER_DOWN, "exception": "ServiceUnavailableException"}
    assert JobRun.objects.count() == 1  # nothing half-written
    with pytest.raises(Exception) as direct:
        enqueue_job(tenant=tenant, kind="sample.count_notes", arguments={}, actor=admin)
    assert getattr(direct.value, "status_code", None) == 503
    assert JobRun.objects.count() == 1

    # the pages' retry button says so too, and writes nothing
    client = Client()
    client.force_login(admin)
    page = client.post(reverse("jobs:retry", kwargs={"job_id": run.pk}), follow=True)
    assert page.status_code in (200, 503)
    assert BROKER_DOWN.encode() in page.content
    assert JobRun.objects.count() == 1

    # reads are still served
    for path in ("maintenance/jobs", f"maintenance/jobs/{run.pk}", "server/status"):
        assert api.get(path).status_code == 200, path
    assert client.get(reverse("jobs:list")).status_code == 200

    # once Redis is back the same submission goes through and its message waits in the queue
    broker.up()
    accepted = api.post(f"maintenance/jobs/{run.pk}/retry")
    assert accepted.status_code == 202, accepted.content
    assert JobRun.objects.count() == 2
    assert broker.waiting() == 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving the live test database with persistent connections (CONN_MAX_AGE), with
    the settings csadmin is served with (gunicorn.conf.py, read from the project folder)."""

    def __init__(self, folder, timeout: int = 60):
        self.port = free_port()
        self.log = folder / "server.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": database_url(),
            "CSADMIN_VAR_DIR": str(folder),
        }
        env.pop("REDIS_URL", None)
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "csadmin.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--timeout",
                    str(timeout),
                ],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def call(self, method: str, path: str, headers: dict, body=None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/genesys/1/cs/{path}",
            data=data,
            method=method,
            headers={**headers, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, {"body": error.read()[:300].decode(errors="replace")}

    def wait_ready(self, headers) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.call("GET", "server/status", headers)[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        pytest.fail("the server did not start:\n" + self.log.read_text(errors="replace")[-3000:])

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def terminate_other_backends() -> int:
    """Cut every other connection to the test database, as a PostgreSQL restart would."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_lost_postgresql_connections_are_recovered_by_the_next_requests(
    transactional_db, tenant, tmp_path
):
    require_service(uses_postgresql(), "PostgreSQL")
    make_user("operator", tenant, ["Administrator"], password="operator-pw-1")
    token = base64.b64encode(b"operator:operator-pw-1").decode()
    headers = {"Authorization": f"Basic {token}", "ContactCenterId": str(tenant.pk)}
    server = Server(tmp_path)
    try:
        server.wait_ready(headers)
        status, body = server.call("POST", "services/start", headers, {"service_type": "Sales"})
        assert status == 201, body
        for cut in range(3):
            assert terminate_other_backends() >= 1  # the server's persistent connection
            answers = [server.call("GET", "server/status", headers)[0] for _ in range(3)]
            started = server.call("POST", "services/start", headers, {"service_type": "Sales"})
            assert answers == [200, 200, 200] and started[0] == 201, (cut, answers, started)
        listed = server.call("GET", "services/anonymous/none", headers)
        assert listed[0] in (200, 404)
    finally:
        server.stop()
    from plugins.services.models import Service

    assert Service.objects.filter(tenant=tenant).count() == 4  # nothing lost, nothing doubled


def test_a_worker_killed_mid_job_and_gone_leaves_the_job_queued_again_not_running(
    worker,  # noqa: F811 - the jobs tests' real Celery worker
    tenant,
    admin,
):
    Note.objects.bulk_create(Note(tenant=tenant, text=f"note {n}") for n in range(20))
    run = enqueue_job(
        tenant=tenant, kind="sample.count_notes", arguments={"batch": 1, "sleep": 0.3}, actor=admin
    )
    wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state=State.RUNNING, done__gte=2).exists(),
        timeout=60,
        what="the job to make progress",
        worker=worker,
    )
    worker.kill()  # SIGKILL mid-job; no worker comes back
    assert JobRun.objects.get(pk=run.pk).state == State.RUNNING
    # the reaper (beat, every minute) finds it once the heartbeat is older than its limit, and
    # sends it again for a second attempt
    assert reap_stale_jobs(now=timezone.now() + timedelta(hours=1)) == 1
    final = JobRun.objects.get(pk=run.pk)
    assert final.state == State.QUEUED
    assert final.log_lines.filter(message__contains="stopped answering").exists()
    assert (final.attempts, final.finished_at) == (1, None)
    assert 2 <= final.done < 20  # the progress it had committed stays as it was


def orphans() -> int:
    """States, tasks and events whose service is gone: a purge batch half-applied."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM services_state s WHERE NOT EXISTS "
            "  (SELECT 1 FROM services_service v WHERE v.id = s.service_id))"
            " + (SELECT count(*) FROM services_task t WHERE NOT EXISTS "
            "  (SELECT 1 FROM services_service v WHERE v.id = t.service_id))"
            " + (SELECT count(*) FROM services_event e WHERE NOT EXISTS "
            "  (SELECT 1 FROM services_service v WHERE v.id = e.service_id))"
        )
        return cursor.fetchone()[0]


def test_a_worker_killed_mid_purge_leaves_whole_batches_and_the_purge_completes(
    worker,  # noqa: F811 - the jobs tests' real Celery worker
    tenant,
    admin,
):
    from plugins.services import services as service_writes
    from plugins.services.models import Service

    for n in range(40):  # some with states, tasks and events
        sid = service_writes.service_start(
            tenant=tenant, body={"service_type": "Sales", "customer_id": f"C{n}"}, actor=admin
        ).service_id
        service_writes.state_start(
            tenant=tenant, service_id=sid, body={"state_type": "Queue"}, actor=admin
        )
        service_writes.task_start(
            tenant=tenant, service_id=sid, body={"task_type": "Call"}, actor=admin
        )
    day_ago = timezone.now() - timedelta(days=1)
    Service.objects.bulk_create(
        Service(
            tenant=tenant,
            service_id=uuid.uuid4().hex,
            service_type="Sales",
            contact_key=f"k{n}",
            started_at=day_ago,
        )
        for n in range(2960)
    )
    assert Service.objects.filter(tenant=tenant).count() == 3000
    run = enqueue_job(
        tenant=tenant,
        kind="maintenance.purge",
        arguments={
            "operation": "purge.service.all",
            "limit": (timezone.now() + timedelta(minutes=5)).isoformat(),
            "dry_run": False,
            "batch": 5,
        },
        actor=admin,
    )
    wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state=State.RUNNING, done__gte=200).exists(),
        timeout=60,
        what="the purge to remove some batches",
        worker=worker,
    )
    worker.kill()
    left = Service.objects.filter(tenant=tenant).count()
    assert 0 < left < 3000, left  # killed mid-purge
    assert (3000 - left) % 5 == 0  # whole batches only
    assert orphans() == 0
    assert JobRun.objects.get(pk=run.pk).state == State.RUNNING

    assert reap_stale_jobs(now=timezone.now() + timedelta(minutes=6)) == 1  # sent again
    worker.start()  # the purge resumes on what is left
    final = wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state__in=JobRun.FINISHED).first(),
        timeout=120,
        what="the redelivered purge to end",
        worker=worker,
    )
    assert final.state == State.SUCCEEDED, final.error
    assert final.attempts == 2
    assert Service.objects.filter(tenant=tenant).count() == 0
    assert orphans() == 0
    assert (final.counts["services"], final.counts["states"]) == (3000, 40)  # both attempts


def test_an_export_stream_outlasts_the_worker_timeout_for_a_slow_reader(
    transactional_db, tenant, tmp_path
):
    """A stream bigger than the socket buffers, read slowly, keeps its worker busy past
    gunicorn's timeout; a sync worker is killed there and the stream cut short."""
    require_service(uses_postgresql(), "PostgreSQL")
    import datetime as dt

    from plugins.services.models import Service

    started = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    data = {"notes": "x" * 4000}  # about 4 KB a service: 10,000 services, 40 MB
    Service.objects.bulk_create(
        Service(
            tenant=tenant,
            service_id=f"s{n:05d}",
            service_type="Sales",
            started_at=started,
            started_data=data,
        )
        for n in range(10_000)
    )
    make_user("operator", tenant, ["Administrator"], password="operator-pw-1")
    token = base64.b64encode(b"operator:operator-pw-1").decode()
    headers = {"Authorization": f"Basic {token}", "ContactCenterId": str(tenant.pk)}
    server = Server(tmp_path, timeout=2)
    try:
        server.wait_ready(headers)
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.port}/genesys/1/cs/maintenance/services/stream"
            "?time_from=2000-01-01T00:00:00Z&export_content=true",
            headers={**headers, "Accept": "application/x-ndjson"},
        )
        lines, began = 0, time.monotonic()
        with urllib.request.urlopen(request, timeout=30) as response:
            while response.readline():
                lines += 1
                if lines % 1000 == 0:
                    time.sleep(0.4)  # a slow reader: about 4 s in all
        assert time.monotonic() - began > 3  # longer than the timeout
        assert lines == 10_000
    finally:
        server.stop()
