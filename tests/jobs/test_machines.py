"""Several machines sharing only PostgreSQL, Redis and the files storage: two web servers and
two Celery workers, each with a var dir of its own, and the database storage for job files and
uploads. An import uploaded to one web server is run by a worker and its error report is
downloaded from the other web server; an export written by a worker is downloaded from both;
no var dir receives a job file or an upload.

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL), like the worker tests.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from csadmin.jobs.models import JobRun
from csadmin.testing import make_user
from tests.jobs.test_worker import REDIS_URL, Worker, private_queue

pytestmark = pytest.mark.services

STORAGE = "csadmin.jobs.storage.DatabaseStorage"
PASSWORD = "machines-pw-0123"
FROM = "2000-01-01T00:00:00Z"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebServer:
    """gunicorn serving csadmin on a port of its own, with the given environment."""

    def __init__(self, env: dict, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.env = {**env, "CSADMIN_VAR_DIR": str(folder)}
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        self.log_path = folder / "web.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "csadmin.wsgi", "--workers", "1"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--timeout", "60"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        pytest.fail(f"web server did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def call(self, method: str, path: str, tenant, *, body: bytes | None = None, headers=None):
        token = base64.b64encode(f"machines:{PASSWORD}".encode()).decode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/genesys/1/cs/{path}",
            data=body,
            method=method,
            headers={
                "Authorization": f"Basic {token}",
                "ContactCenterId": str(tenant.pk),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def multipart(name: str, content: bytes) -> tuple[bytes, dict]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def finished_job(web: WebServer, tenant, job_id: int, workers) -> dict:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status, body = web.call("GET", f"maintenance/jobs/{job_id}", tenant)
        assert status == 200, body
        shown = json.loads(body)
        if shown["state"] in (JobRun.State.SUCCEEDED, JobRun.State.FAILED):
            return shown
        time.sleep(0.3)
    logs = "\n".join(worker.log_tail() for worker in workers)
    pytest.fail(f"job {job_id} did not end\n{logs}")


def local_job_files(folders) -> list[Path]:
    return [path for folder in folders for path in (folder / "files").rglob("*")]


@pytest.fixture
def machines(transactional_db, tmp_path, tenant):
    make_user("machines", tenant, ["Administrator"], password=PASSWORD)
    with private_queue() as queue:
        folders = [tmp_path / name for name in ("web-1", "web-2", "worker-1", "worker-2")]
        for folder in folders:
            folder.mkdir()
        workers = [Worker(queue, folder) for folder in folders[2:]]
        for worker in workers:
            worker.env["CSADMIN_FILES_STORAGE"] = STORAGE
            worker.start()
        web_env = {**workers[0].env, "CSADMIN_FILES_STORAGE": STORAGE}
        webs = [WebServer(web_env, folder) for folder in folders[:2]]
        try:
            for web in webs:
                web.start()
            for web in webs:
                web.wait_ready()
            yield webs, workers, folders
        finally:
            for web in webs:
                web.stop()
            for worker in workers:
                worker.stop()


def test_web_servers_and_workers_on_separate_machines_share_files_through_the_storage(
    machines, tenant
):
    assert REDIS_URL
    (first, second), workers, folders = machines
    rows = [
        {"service_id": "far-1", "service_type": "Sales", "started": FROM},
        {"service_id": "far-bad", "started": FROM},
    ]
    body, headers = multipart("rows.ndjson", "\n".join(json.dumps(row) for row in rows).encode())
    status, answer = first.call(
        "POST", "maintenance/services/files", tenant, body=body, headers=headers
    )
    assert status == 202, answer
    job_id = json.loads(answer)["job_id"]
    shown = finished_job(second, tenant, job_id, workers)
    assert shown["state"] == JobRun.State.SUCCEEDED, shown
    status, report = second.call("GET", f"maintenance/jobs/{job_id}/files/errors.csv", tenant)
    assert status == 200 and b"service_type,is required" in report, report

    query = f"time_from={FROM}&export_content=true&format=json"
    status, answer = second.call("POST", f"maintenance/services/files?{query}", tenant)
    assert status == 202, answer
    export_id = json.loads(answer)["job_id"]
    assert finished_job(first, tenant, export_id, workers)["state"] == JobRun.State.SUCCEEDED
    for web in (first, second):
        status, exported = web.call(
            "GET", f"maintenance/jobs/{export_id}/files/services.json", tenant
        )
        assert status == 200
        assert [row["service_id"] for row in json.loads(exported)] == ["far-1"]

    assert local_job_files(folders) == []
