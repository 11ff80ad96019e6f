"""Job files and uploads on a real S3-compatible server: moto's, on the loopback, reached by
django-storages' S3Storage configured as a deployment configures it (CSADMIN_FILES_STORAGE and
CSADMIN_FILES_STORAGE_OPTIONS). Every file job runs end to end with the web side and the worker
side on local folders of their own: the objects land in the bucket, the API and the pages
download their bytes, and nothing is written to a local path."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
import zipfile

import boto3
import pytest
from django.core.files.storage import storages
from moto.server import ThreadedMotoServer

from tests.privacy import test_files_not_local as not_local
from tests.privacy.conftest import CUSTOMER, OTHER
from tests.privacy.test_files_not_local import (
    FROM,
    IMPORTS,
    SERVICES,
    download,
    finished,
    kept_uploads,
    local_files,
    upload,
)

# The fixtures of the storage that is not local, here on this module's `sides`: the S3 server's.
on_worker = not_local.on_worker
no_local_copy = not_local.no_local_copy

BUCKET = "csadmin-files"
REGION = "eu-west-1"


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3-compatible server on a free port of the loopback, for the whole session."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def aws_environment(monkeypatch):
    """Credentials the usual AWS way (the environment), none of the host's profiles, and no
    proxy between the client and the loopback."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "csadmin-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "csadmin-test-secret")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


@pytest.fixture
def bucket(s3_server, aws_environment):
    """A new, empty bucket on the server; answers a listing of its keys."""
    name = f"{BUCKET}-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name=REGION)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})

    def keys(prefix: str = "") -> dict[str, int]:
        listed = client.get_paginator("list_objects_v2").paginate(Bucket=name, Prefix=prefix)
        return {item["Key"]: item["Size"] for page in listed for item in page.get("Contents", [])}

    keys.name = name
    return keys


def deployed_storage(environment: dict[str, str]) -> dict:
    """The files storage csadmin's settings make of these environment variables, read by a
    fresh interpreter as a deployment's would be."""
    read = "import json, csadmin.settings as s; print(json.dumps(s.STORAGES['jobs']))"
    given = {**os.environ, **environment}
    given.pop("DATABASE_URL", None)
    answer = subprocess.run(
        [sys.executable, "-c", read], env=given, capture_output=True, text=True, check=True
    )
    return json.loads(answer.stdout)


@pytest.fixture
def sides(bucket, s3_server, settings, tmp_path):
    """Two machines, each with its own empty local folder, both on the S3 server's bucket as
    CSADMIN_FILES_STORAGE(_OPTIONS) configure it."""
    backend = deployed_storage(
        {
            "CSADMIN_FILES_STORAGE": "storages.backends.s3.S3Storage",
            "CSADMIN_FILES_STORAGE_OPTIONS": json.dumps(
                {"bucket_name": bucket.name, "region_name": REGION, "endpoint_url": s3_server}
            ),
        }
    )
    web, worker = tmp_path / "web", tmp_path / "worker"
    web.mkdir()
    worker.mkdir()
    settings.STORAGES = {**settings.STORAGES, "jobs": backend, "uploads": backend}
    settings.MEDIA_ROOT = web
    assert type(storages["jobs"]).__name__ == "S3Storage"
    assert type(storages["uploads"]).__name__ == "S3Storage"
    return web, worker


@pytest.fixture
def pages(client, admin):
    client.force_login(admin)  # admin's default tenant is the API's
    return client


def page_download(pages, run, name: str) -> bytes:
    response = pages.get(f"/jobs/{run.pk}/files/{name}")
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    return b"".join(response.streaming_content)


def stored(bucket, run, name: str, content: bytes) -> None:
    """The job's file is the bucket's object, of the downloaded bytes' size."""
    assert bucket(f"jobs/{run.pk}/").get(f"jobs/{run.pk}/{name}") == len(content), name


def test_every_file_job_runs_on_an_s3_server(
    world, api, pages, on_worker, sides, bucket, no_local_copy
):
    export = f"maintenance/services/files?time_from={FROM}&export_content=true"
    services_json = finished(on_worker(lambda: api.post(f"{export}&format=json")))
    content = download(api, services_json, "services.json")
    assert {row["service_id"] for row in json.loads(content)} >= set(world["mine"])
    assert page_download(pages, services_json, "services.json") == content
    stored(bucket, services_json, "services.json", content)

    services_zip = finished(on_worker(lambda: api.post(f"{export}&format=zip")))
    content = download(api, services_zip, "export.zip")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert {"services.json", "states.json", "tasks.json"} <= set(archive.namelist())
    stored(bucket, services_zip, "export.zip", content)

    customers_json = finished(
        on_worker(lambda: api.post("maintenance/profiles/files?format=json&extensions=*"))
    )
    content = download(api, customers_json, "customers.json")
    assert {CUSTOMER, OTHER} <= {person["customer_id"] for person in json.loads(content)}
    stored(bucket, customers_json, "customers.json", content)

    data_export = finished(on_worker(lambda: api.post(f"profiles/{CUSTOMER}/data-export")))
    archive_name = data_export.files.get().name
    content = page_download(pages, data_export, archive_name)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.namelist()
    stored(bucket, data_export, archive_name, content)

    erase = finished(
        on_worker(lambda: api.post(f"profiles/{CUSTOMER}/erase", {"confirm": CUSTOMER}))
    )
    assert erase.counts["job_files"] >= 3
    for run in (customers_json, data_export):
        assert bucket(f"jobs/{run.pk}/") == {}  # the customer's files: gone from the bucket
    assert no_local_copy == []
    assert local_files(*sides) == []


@pytest.mark.parametrize(
    "kind", ["services-ndjson", "services-zip", "customers-ndjson", "customers-csv"]
)
def test_the_imports_read_their_upload_from_the_bucket(
    world, api, pages, on_worker, sides, bucket, no_local_copy, kind
):
    address, name, content, expected, bad_row = IMPORTS[kind]
    imported = upload(api, on_worker, address, name, content)
    assert {key: imported.counts[key] for key in expected} == expected, imported.counts
    errors = download(api, imported, "errors.csv")
    assert bad_row in errors.decode()
    assert page_download(pages, imported, "errors.csv") == errors
    stored(bucket, imported, "errors.csv", errors)
    assert kept_uploads() == [] and bucket("maintenance/uploads/") == {}  # imported: removed
    assert no_local_copy == []
    assert local_files(*sides) == []


def test_a_refused_upload_leaves_nothing_in_the_bucket(api, on_worker, sides, bucket):
    given = io.BytesIO(b"\x00\x01 not an import file")
    given.name = "rows.ndjson"
    response = on_worker(
        lambda: api.client.post(SERVICES, {"file": given}, headers=api.headers, format="multipart")
    )
    assert response.status_code == 400 and "file" in response.json()["errors"]
    assert bucket() == {}
    assert local_files(*sides) == []


def test_an_empty_storage_setting_means_the_local_folder():
    """A deployment template that passes CSADMIN_FILES_STORAGE through unset gives it empty."""
    storage = deployed_storage({"CSADMIN_FILES_STORAGE": "", "CSADMIN_FILES_STORAGE_OPTIONS": ""})
    assert storage == {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {}}
