"""Job files and uploads go through the storage API only: with the "jobs" and "uploads"
storages set to a backend that is not the local filesystem, and the web side and the worker
side each given its own empty MEDIA_ROOT, every job that reads or writes files works, the web
side downloads what the worker wrote, and nothing lands in either local folder."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages

from csadmin.jobs.models import JobRun
from csadmin.jobs.storage import DatabaseStorage
from tests.privacy.conftest import CUSTOMER, OTHER

NOT_LOCAL = {
    "memory": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "database": {"BACKEND": "csadmin.jobs.storage.DatabaseStorage"},
}
FROM = "2000-01-01T00:00:00Z"
SERVICES = "/genesys/1/cs/maintenance/services/files"
CUSTOMERS = "/genesys/1/cs/maintenance/profiles/files"


@pytest.fixture(params=sorted(NOT_LOCAL))
def sides(request, settings, tmp_path):
    """Two machines: the web's and the worker's local folders, empty and apart; both reach the
    same storage, in memory or in the database (a new one per test: the storages are rebuilt
    when STORAGES changes)."""
    backend = NOT_LOCAL[request.param]
    web, worker = tmp_path / "web", tmp_path / "worker"
    web.mkdir()
    worker.mkdir()
    settings.STORAGES = {**settings.STORAGES, "jobs": backend, "uploads": backend}
    settings.MEDIA_ROOT = web
    return web, worker


@pytest.fixture
def on_worker(sides, django_capture_on_commit_callbacks):
    """Call `action()` on the web side (its MEDIA_ROOT); the jobs it queued then run as a
    worker would, with the worker's MEDIA_ROOT."""
    web, worker = sides

    def run(action):
        with django_capture_on_commit_callbacks() as queued:
            result = action()
        settings.MEDIA_ROOT = worker
        try:
            while queued:
                with django_capture_on_commit_callbacks() as more:
                    for callback in queued:
                        callback()
                queued = more
        finally:
            settings.MEDIA_ROOT = web
        return result

    return run


def finished(response) -> JobRun:
    assert response.status_code == 202, response.content
    run = JobRun.objects.get(pk=response.json()["job_id"])
    assert run.state == JobRun.State.SUCCEEDED, run.error
    return run


def download(api, run: JobRun, name: str) -> bytes:
    response = api.get(f"maintenance/jobs/{run.pk}/files/{name}")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def upload(api, on_worker, address: str, name: str, content: bytes, **fields) -> JobRun:
    given = io.BytesIO(content)
    given.name = name
    return finished(
        on_worker(
            lambda: api.client.post(
                address, {"file": given, **fields}, headers=api.headers, format="multipart"
            )
        )
    )


def kept_uploads() -> list[str]:
    """The upload folders in the storage (none at all, where a storage has no empty folders)."""
    try:
        folders, _ = storages["uploads"].listdir("maintenance/uploads")
    except FileNotFoundError:
        return []
    return folders


def local_files(*folders) -> list:
    return [path for folder in folders for path in folder.rglob("*")]


def test_every_file_job_works_with_a_storage_that_is_not_local(world, api, on_worker, sides):
    export = f"maintenance/services/files?time_from={FROM}&export_content=true"
    services_json = finished(on_worker(lambda: api.post(f"{export}&format=json")))
    exported = json.loads(download(api, services_json, "services.json"))
    assert {row["service_id"] for row in exported} >= set(world["mine"])

    services_zip = finished(on_worker(lambda: api.post(f"{export}&format=zip")))
    with zipfile.ZipFile(io.BytesIO(download(api, services_zip, "export.zip"))) as archive:
        assert {"services.json", "states.json", "tasks.json"} <= set(archive.namelist())

    rows = [
        {"service_id": "imported-1", "service_type": "Sales", "started": FROM},
        {"service_id": "no-type", "started": FROM},
    ]
    content = "\n".join(json.dumps(row) for row in rows).encode()
    imported = upload(api, on_worker, SERVICES, "rows.ndjson", content)
    assert imported.counts["services"] == 1 and imported.counts["errors"] == 1
    assert b"rows.ndjson,2,,service_type,is required" in download(api, imported, "errors.csv")

    customers_json = finished(
        on_worker(lambda: api.post("maintenance/profiles/files?format=json&extensions=*"))
    )
    people = json.loads(download(api, customers_json, "customers.json"))
    assert {CUSTOMER, OTHER} <= {person["customer_id"] for person in people}

    newcomer = [{"customer_id": "C-99", "LastName": "Newcomer"}]
    customers_in = upload(api, on_worker, CUSTOMERS, "people.json", json.dumps(newcomer).encode())
    assert customers_in.counts["created"] == 1, customers_in.counts

    data_export = finished(on_worker(lambda: api.post(f"profiles/{CUSTOMER}/data-export")))
    archive_name = data_export.files.get().name
    with zipfile.ZipFile(io.BytesIO(download(api, data_export, archive_name))) as archive:
        assert archive.namelist()

    erase = finished(
        on_worker(lambda: api.post(f"profiles/{CUSTOMER}/erase", {"confirm": CUSTOMER}))
    )
    assert erase.counts["job_files"] >= 3
    jobs = storages["jobs"]
    for run, name in (
        (services_json, "services.json"),
        (customers_json, "customers.json"),
        (data_export, archive_name),
    ):
        assert not jobs.exists(f"jobs/{run.pk}/{name}"), name
        assert api.get(f"maintenance/jobs/{run.pk}/files/{name}").status_code == 404
    assert jobs.exists(f"jobs/{imported.pk}/errors.csv")  # holds no customer: kept

    assert kept_uploads() == []  # imported: removed
    assert local_files(*sides) == []


def test_a_refused_upload_is_never_kept(world, api, on_worker, sides):
    given = io.BytesIO(b"\x00\x01 not an import file")
    given.name = "rows.ndjson"
    response = on_worker(
        lambda: api.client.post(SERVICES, {"file": given}, headers=api.headers, format="multipart")
    )
    assert response.status_code == 400 and "file" in response.json()["errors"]
    assert kept_uploads() == []
    assert local_files(*sides) == []


# -- the import jobs read their upload where the storage keeps it -----------------------------

# tempfile's makers of files and folders that have a path: a local copy would need one of them
NAMED_LOCAL_FILES = ("NamedTemporaryFile", "TemporaryDirectory", "mkdtemp", "mkstemp")


@pytest.fixture
def no_local_copy(sides, monkeypatch, tmp_path):
    """No local path to be had: the storages have none (the database's path() raises
    NotImplementedError, as an object store's does; the memory one's names no file on disk),
    tempfile's makers of named files and folders refuse, and the temporary folder must stay
    empty. Answers the refused calls (none, it is hoped)."""
    if type(storages["uploads"]) is DatabaseStorage:
        with pytest.raises(NotImplementedError):
            storages["uploads"].path("maintenance/uploads")
    refused = []
    for maker in NAMED_LOCAL_FILES:

        def refuse(*args, maker=maker, **kwargs):
            refused.append(f"tempfile.{maker}")
            raise AssertionError(f"tempfile.{maker} called: a local copy")

        monkeypatch.setattr(tempfile, maker, refuse)
    temporary = tmp_path / "temporary"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    yield refused
    assert list(temporary.iterdir()) == []


def ndjson(*rows) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def zipped(**members: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


GOOD_SERVICE = {"service_id": "imported-1", "service_type": "Sales", "started": FROM}
UNTYPED_SERVICE = {"service_id": "no-type", "started": FROM}
GOOD_CUSTOMER = {"customer_id": "C-91", "LastName": "Newcomer"}
NAMELESS_CUSTOMER = {"customer_id": "C-92", "FirstName": "Nameless"}

# address, file name, content, counts expected, the errors.csv row of the bad row
IMPORTS = {
    "services-ndjson": (
        SERVICES,
        "rows.ndjson",
        ndjson(GOOD_SERVICE, UNTYPED_SERVICE),
        {"services": 1, "errors": 1},
        "rows.ndjson,2,,service_type,",
    ),
    "services-csv": (
        SERVICES,
        "rows.csv",
        f"service_id,service_type,started\nimported-1,Sales,{FROM}\nno-type,,{FROM}\n".encode(),
        {"services": 1, "errors": 1},
        "rows.csv,3,,service_type,",
    ),
    "services-zip": (
        SERVICES,
        "export.zip",
        zipped(**{"services.json": json.dumps([GOOD_SERVICE, UNTYPED_SERVICE]).encode()}),
        {"services": 1, "errors": 1},
        "services.json,1,1,service_type,",
    ),
    "customers-ndjson": (
        CUSTOMERS,
        "people.ndjson",
        ndjson(GOOD_CUSTOMER, NAMELESS_CUSTOMER),
        {"created": 1, "errors": 1},
        "people.ndjson,2,,LastName,",
    ),
    "customers-csv": (
        CUSTOMERS,
        "people.csv",
        b"customer_id,LastName,FirstName\nC-91,Newcomer,\nC-92,,Nameless\n",
        {"created": 1, "errors": 1},
        "people.csv,3,,LastName,",
    ),
}


@pytest.mark.parametrize("kind", sorted(IMPORTS))
def test_the_import_jobs_read_the_upload_from_the_storage_with_no_local_copy(
    world, api, on_worker, sides, no_local_copy, kind
):
    address, name, content, expected, bad_row = IMPORTS[kind]
    imported = upload(api, on_worker, address, name, content)
    assert {key: imported.counts[key] for key in expected} == expected, imported.counts
    assert bad_row in download(api, imported, "errors.csv").decode()
    assert no_local_copy == []
    assert kept_uploads() == []  # imported: removed
    assert local_files(*sides) == []


class ForwardOnly(io.RawIOBase):
    """A stored file read as some storages give it: forward only, no seeking."""

    def __init__(self, given) -> None:
        self.given = given

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.given.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.given.close()
        super().close()


def test_an_upload_that_cannot_seek_is_spooled_once_and_still_read_whole(
    world, api, on_worker, sides, no_local_copy, monkeypatch
):
    uploads = storages["uploads"]
    opened = []
    stored_open = uploads.open

    def open_forward_only(name, mode="rb"):
        opened.append(name)
        return File(io.BufferedReader(ForwardOnly(stored_open(name, mode))), name=name)

    monkeypatch.setattr(uploads, "open", open_forward_only)
    _, name, content, expected, bad_row = IMPORTS["services-zip"]
    imported = upload(api, on_worker, SERVICES, name, content)
    assert {key: imported.counts[key] for key in expected} == expected, imported.counts
    assert bad_row in download(api, imported, "errors.csv").decode()
    assert len(opened) == 1  # read from the storage once, the zip then read from the spool
    assert no_local_copy == []
