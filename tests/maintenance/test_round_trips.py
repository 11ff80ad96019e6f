"""Round trips that close: a tenant's services, made through the API (states, tasks, attached
data, dispositions, anonymous and identified, active and completed, expiration times,
extensions), streamed out with full content (JSON array and NDJSON), imported into an empty
tenant and streamed out of it give the same stream; so do the export files job's json, csv and
zip. On PostgreSQL the stream is the SQL-built one (export_full_json)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from csadmin.testing import Api, make_user
from plugins.services import services as service_writes
from plugins.services.models import Service, State, Task
from tests.maintenance.test_files import download, export, import_file

FROM = "2000-01-01T00:00:00Z"
NDJSON = "application/x-ndjson"
VALUES = {
    "Service.type": ("Sales", "Support"),
    "State.type": ("Browse", "Queue", "Talk"),
    "Task.type": ("Call", "Email"),
    "Disposition": ("Sold", "Lost"),
}


def add_values(tenant, actor) -> None:
    """The business attribute values the services name: the importing tenant needs them too
    (a tenant with values for an attribute refuses any other name)."""
    for attribute, names in VALUES.items():
        for name in names:
            service_writes.business_value_add(
                tenant=tenant, attribute=attribute, name=name, actor=actor
            )


def created(response, key: str):
    assert response.status_code == 201, response.json()
    return response.json()[key]


def ok(response) -> None:
    assert response.status_code in (200, 204), response.content


def make_journeys(api) -> None:
    """Four services of every kind, through the API's own calls."""
    # identified, completed: states and tasks ended, dispositions, data, extensions
    sold = created(
        api.post(
            "services_composite/start",
            {
                "service_type": "Sales",
                "customer_id": "cust-1",
                "contact_key": "+1 555 0100",
                "est_duration": 120,
                "media_type": "voice",
                "campaign": {"name": "winter", "codes": [1, 2]},
                "states": [{"state_type": "Browse", "page": "/offers"}],
                "tasks": [{"task_type": "Call", "state_index": 0, "queue": "vip"}],
            },
        ),
        "service_id",
    )
    talk = created(
        api.post(
            f"services/{sold}/states/transition",
            {
                "from": {"state_id": 1, "disposition": "Lost", "disposition_desc": "moved on"},
                "to": {"state_type": "Talk", "est_duration": 30},
            },
        ),
        "state_id",
    )
    email = created(api.post(f"services/{sold}/tasks/start", {"task_type": "Email"}), "task_id")
    ok(api.put(f"services/{sold}/extensions/crm", {"id": 7, "tags": ["a", "b"]}))
    ok(api.put(f"services/{sold}/states/{talk}/extensions/notes", {"text": "=SUM(A1)"}))
    ok(api.put(f"services/{sold}/tasks/{email}/extensions/mail", {"to": "x@example.com"}))
    ok(api.post(f"services/{sold}/tasks/{email}/end", {"disposition": "Sold", "result": "ok"}))
    ok(
        api.post(
            f"services/{sold}/end",
            {"disposition": "Sold", "disposition_desc": "-10% deal", "amount": 99.5},
        )
    )
    # anonymous, active, with an expiration time, an active state and task
    anonymous = created(
        api.post(
            "services/start",
            {"service_type": "Support", "contact_key": "@anon", "ttl": 86_400, "é": "ü"},
        ),
        "service_id",
    )
    state = created(
        api.post(f"services/{anonymous}/states/start", {"state_type": "Queue"}), "state_id"
    )
    created(
        api.post(f"services/{anonymous}/tasks/start", {"task_type": "Call", "state_id": state}),
        "task_id",
    )
    # identified, active, no states or tasks, an expiration time set by the TTL call
    bare = created(
        api.post("services/start", {"service_type": "Support", "customer_id": "cust-2"}),
        "service_id",
    )
    ok(api.put(f"services/{bare}", {"expiration_time": "2099-01-01T00:00:00.000Z"}))
    # anonymous and completed at once
    short = created(
        api.post("services/start", {"service_type": "Sales", "contact_key": "k-3"}),
        "service_id",
    )
    ok(api.post(f"services/{short}/end", {}))


@pytest.fixture
def journeys(api, tenant, admin):
    add_values(tenant, admin)
    make_journeys(api)


@pytest.fixture
def empty_api(other_tenant):
    user = make_user("mover", other_tenant, ["Administrator"])
    add_values(other_tenant, user)
    return Api(user, other_tenant)


def stream(api, accept: str = "application/json") -> bytes:
    response = api.get(
        f"maintenance/services/stream?time_from={FROM}&export_content=true",
        headers={"Accept": accept},
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def tenant_counts(tenant) -> tuple[int, int, int]:
    return (
        Service.objects.filter(tenant=tenant).count(),
        State.objects.filter(service__tenant=tenant).count(),
        Task.objects.filter(service__tenant=tenant).count(),
    )


@pytest.mark.parametrize(
    "accept, name", [("application/json", "export.json"), (NDJSON, "export.ndjson")]
)
def test_the_full_stream_imports_into_an_empty_tenant_and_streams_out_the_same(
    api, tenant, other_tenant, journeys, empty_api, run_jobs, accept, name
):
    content = stream(api, accept)
    assert len(json.loads(content) if accept != NDJSON else content.splitlines()) == 4
    job = import_file(empty_api, run_jobs, name, content)
    assert job.state == "succeeded", job.error
    assert job.counts == {
        "rows": 4,
        "services": 4,
        "states": 3,
        "tasks": 3,
        "skipped": 0,
        "errors": 0,
    }
    assert tenant_counts(other_tenant) == tenant_counts(tenant) == (4, 3, 3)
    assert stream(empty_api, accept) == content
    # the other shape too: the import did not depend on the stream's own format
    other = NDJSON if accept != NDJSON else "application/json"
    assert stream(empty_api, other) == stream(api, other)


def test_importing_the_full_stream_twice_adds_nothing(api, tenant, journeys, run_jobs):
    content = stream(api, NDJSON)
    job = import_file(api, run_jobs, "export.ndjson", content)
    assert job.state == "succeeded", job.error
    assert (job.counts["services"], job.counts["states"], job.counts["tasks"]) == (0, 0, 0)
    assert job.counts["skipped"] == 4 + 3 + 3
    assert tenant_counts(tenant) == (4, 3, 3)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_export_files_round_trip_through_an_empty_tenant(
    api, journeys, empty_api, run_jobs, fmt
):
    job = export(api, run_jobs, fmt)
    files = {name: download(api, job, f"{name}.{fmt}") for name in ("services", "states", "tasks")}
    for name, content in files.items():  # services first: states and tasks need them
        imported = import_file(empty_api, run_jobs, f"{name}.{fmt}", content)
        assert imported.state == "succeeded", imported.error
        assert imported.counts["errors"] == 0
    again = export(empty_api, run_jobs, fmt)
    for name, content in files.items():
        assert download(empty_api, again, f"{name}.{fmt}") == content
    assert stream(empty_api) == stream(api)


def test_the_zip_export_holds_the_files_and_a_manifest_and_imports_in_one_job(
    api, journeys, empty_api, other_tenant, run_jobs
):
    job = export(api, run_jobs, "zip")
    assert job.counts == {"services": 4, "states": 3, "tasks": 3}
    assert list(job.files.values_list("name", flat=True)) == ["export.zip"]
    content = download(api, job, "export.zip")
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert sorted(archive.namelist()) == [
            "manifest.json",
            "services.json",
            "states.json",
            "tasks.json",
        ]
        manifest = json.loads(archive.read("manifest.json"))
        members = {name: archive.read(name) for name in archive.namelist()}
    assert manifest["counts"] == {"services": 4, "states": 3, "tasks": 3}
    assert manifest["format"] == "json" and manifest["product"] == "csadmin"
    assert manifest["version"] and manifest["exported_at"].endswith("Z")
    assert manifest["query"]["time_from"].startswith("2000-01-01")
    imported = import_file(empty_api, run_jobs, "export.zip", content)
    assert imported.state == "succeeded", imported.error
    assert imported.counts["services"] == 4 and imported.counts["states"] == 3
    assert imported.counts["tasks"] == 3 and imported.counts["errors"] == 0
    assert tenant_counts(other_tenant) == (4, 3, 3)
    assert stream(empty_api) == stream(api)
    again = export(empty_api, run_jobs, "json")
    for name in ("services", "states", "tasks"):
        assert download(empty_api, again, f"{name}.json") == members[f"{name}.json"]


def test_a_zip_whose_files_disagree_with_its_manifest_is_reported(
    api, journeys, empty_api, run_jobs
):
    content = download(api, export(api, run_jobs, "zip"), "export.zip")
    cut = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as archive,
        zipfile.ZipFile(cut, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for name in archive.namelist():
            data = archive.read(name)
            if name == "tasks.json":  # the last task gone: the file was cut short
                rows = json.loads(data)[:-1]
                data = ("[\n" + ",\n".join(json.dumps(row) for row in rows) + "\n]\n").encode()
            out.writestr(name, data)
    job = import_file(empty_api, run_jobs, "export.zip", cut.getvalue())
    assert job.counts["tasks"] == 2 and job.counts["errors"] == 1
    report = download(empty_api, job, "errors.csv").decode().splitlines()
    assert report[1] == "manifest.json,,,counts.tasks,the manifest counts 3; the zip holds 2"


@pytest.mark.parametrize(
    "manifest",
    [b"not json", b"[1, 2]", b'{"counts": {"services": -1}}', b'{"counts": {"tasks": "3"}}'],
)
def test_a_zip_with_a_malformed_manifest_is_refused_at_upload(api, run_jobs, manifest):
    from tests.maintenance.test_files import upload

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("services.ndjson", b"")
        out.writestr("manifest.json", manifest)
    response = upload(api, run_jobs, "export.zip", archive.getvalue())
    assert response.status_code == 400
    assert "manifest.json must be a JSON object" in response.json()["errors"]["file"][0]
