"""Customer profiles in bulk (spec §8) through the API: the profiles stream, the export job
(JSON and CSV) and the import job (modes, match, dry run, max errors), round trips into an
empty tenant, refusals naming the field, the API's rules and messages for each row, moving a
tenant (customers and services), tenant isolation and privileges."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from csadmin.jobs import JobCancelled
from csadmin.jobs.models import JobRun
from csadmin.testing import Api, make_user
from plugins.maintenance.reporting import QuietReporter
from plugins.profiles import services as profiles
from plugins.profiles.models import Customer
from plugins.services.models import Service
from tests.maintenance.conftest import RECENT, make_service
from tests.maintenance.test_files import FROM, accepted_job, download, export
from tests.profiles.conftest import ADDRESS, LOYALTY, PROFILE

FILES = "/genesys/1/cs/maintenance/profiles/files"
PEOPLE = [
    {
        "customer_id": "C1",
        "FirstName": "Ann",
        "LastName": "Lee",
        "PhoneNumber": '=HYPERLINK("x")',
        "Age": 41,
        "Address": [
            {"AddressType": 1, "Address": '1 Main St, "A"', "PostCode": "N1", "Country": "UK"},
            {"AddressType": 2, "Address": "-2 Side St", "PostCode": "N2", "Country": "UK"},
        ],
        "Loyalty": {"Points": 12, "Since": "2020-01-02", "Active": True, "Balance": 1.5},
    },
    {"customer_id": "-C2", "LastName": "+Bo", "EmailAddress": "@bo"},
    {"customer_id": "C3", "LastName": "Ünïcode ☃", "Address": []},
]


def define_schemas(tenant, actor):
    profiles.profile_schema_set(tenant=tenant, body=PROFILE, actor=actor)
    profiles.extension_schema_create(tenant=tenant, body=ADDRESS, actor=actor)
    profiles.extension_schema_create(tenant=tenant, body=LOYALTY, actor=actor)
    profiles.identification_key_create(
        tenant=tenant,
        body={"name": "ByEmail", "attributes": ["EmailAddress"], "unique": True},
        actor=actor,
    )


@pytest.fixture
def people(tenant, admin):
    define_schemas(tenant, admin)
    for body in PEOPLE:
        profiles.customer_create(tenant=tenant, body=body, actor=admin)
    return tenant


@pytest.fixture
def empty(other_tenant):
    """An Administrator's API in another tenant with the same schemas and no customers."""
    user = make_user("other-root", other_tenant, ["Administrator"])
    define_schemas(other_tenant, user)
    return Api(user, other_tenant)


def export_customers(api, run_jobs, fmt="json", extensions="*") -> tuple[JobRun, bytes]:
    response = run_jobs(
        lambda: api.post(f"maintenance/profiles/files?format={fmt}&extensions={extensions}")
    )
    job = accepted_job(response)
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    return job, download(api, job, f"customers.{fmt}")


def send(api, run_jobs, name, content: bytes, **fields):
    handle = io.BytesIO(content)
    handle.name = name
    return run_jobs(
        lambda: api.client.post(
            FILES, {"file": handle, **fields}, headers=api.headers, format="multipart"
        )
    )


def import_customers(api, run_jobs, name, content, **fields) -> JobRun:
    job = accepted_job(send(api, run_jobs, name, content, **fields))
    job.refresh_from_db()
    return job


def stream(api, accept="application/json", extensions="*"):
    response = api.client.get(
        f"/genesys/1/cs/maintenance/profiles/stream?extensions={extensions}",
        headers={**api.headers, "Accept": accept},
    )
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content).decode()


def ndjson(*rows) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def errors_of(api, job) -> list[list[str]]:
    """The job's errors.csv rows, found where the job's API `errors` says they are listed."""
    import csv

    listed = api.get(f"maintenance/jobs/{job.pk}").json()["errors"]
    assert any(line.endswith(f"/maintenance/jobs/{job.pk}/files/errors.csv") for line in listed)
    return list(csv.reader(io.StringIO(download(api, job, "errors.csv").decode())))[1:]


# -- the stream -----------------------------------------------------------------------------


def test_the_stream_answers_each_customer_as_the_api_does_in_id_order(api, people, other_tenant):
    rows = json.loads(stream(api))
    assert [row["customer_id"] for row in rows] == sorted(c["customer_id"] for c in PEOPLE)
    for row in rows:
        one = api.get(f"profiles/{row['customer_id']}?extensions=*")
        assert one.json() == row
    lines = stream(api, "application/x-ndjson", extensions="Loyalty").splitlines()
    assert [json.loads(line) for line in lines] == [
        api.get(f"profiles/{row['customer_id']}?extensions=Loyalty").json() for row in rows
    ]


def test_the_stream_refuses_an_unknown_extension_naming_the_parameter(api, people):
    response = api.get("maintenance/profiles/stream?extensions=Nope")
    assert response.status_code == 400
    assert "extensions" in response.json()["errors"]


def test_stream_and_jobs_stay_in_their_tenant(api, people, empty, run_jobs):
    assert json.loads(stream(empty)) == []
    job, _ = export_customers(api, run_jobs)
    assert empty.get(f"maintenance/jobs/{job.pk}/files/customers.json").status_code == 404
    assert empty.get(f"maintenance/jobs/{job.pk}").status_code == 404
    imported = import_customers(
        empty, run_jobs, "c.ndjson", ndjson({"customer_id": "G1", "LastName": "G"})
    )
    assert imported.state == "succeeded", imported.error
    assert "G1" not in stream(api)
    assert api.get(f"maintenance/jobs/{imported.pk}").status_code == 404


def test_a_supervisor_cannot_stream_export_or_import(api_as, people, run_jobs):
    supervisor = api_as("Supervisor")
    assert supervisor.get("maintenance/profiles/stream").status_code == 401
    assert supervisor.post("maintenance/profiles/files").status_code == 401
    assert send(supervisor, run_jobs, "c.ndjson", ndjson({"customer_id": "x"})).status_code == 401


# -- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_into_an_empty_tenant_round_trips(api, people, empty, run_jobs, fmt):
    job, content = export_customers(api, run_jobs, fmt)
    assert job.counts == {"customers": 3}
    imported = import_customers(empty, run_jobs, f"customers.{fmt}", content)
    assert imported.state == "succeeded", imported.error
    assert imported.counts == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "errors": 0,
    }
    _, again = export_customers(empty, run_jobs, fmt)
    assert again == content
    assert stream(empty) == stream(api)
    # re-importing in create mode changes nothing
    before = stream(empty)
    twice = import_customers(empty, run_jobs, f"customers.{fmt}", content)
    assert (twice.counts["created"], twice.counts["skipped"]) == (0, 3)
    assert stream(empty) == before
    # and in merge mode every row is unchanged
    merged = import_customers(empty, run_jobs, f"customers.{fmt}", content, mode="merge")
    assert merged.counts["unchanged"] == 3 and merged.counts["updated"] == 0


def test_csv_cells_that_look_like_formulas_are_escaped_and_restored(api, people, empty, run_jobs):
    _, content = export_customers(api, run_jobs, "csv")
    text = content.decode()
    assert "'=HYPERLINK" in text and "'-C2" in text and "'+Bo" in text and "'@bo" in text
    import csv

    for row in list(csv.reader(io.StringIO(text)))[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)
    import_customers(empty, run_jobs, "customers.csv", content)
    assert empty.get("profiles/-C2").json()["LastName"] == "+Bo"
    assert empty.get("profiles/C1").json()["PhoneNumber"] == '=HYPERLINK("x")'


def test_a_zip_of_the_export_imports(api, people, empty, run_jobs):
    _, content = export_customers(api, run_jobs, "json")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("export/customers.json", content)
    job = import_customers(empty, run_jobs, "backup.zip", archive.getvalue())
    assert job.state == "succeeded", job.error
    assert job.counts["created"] == 3


def test_the_stream_itself_imports(api, people, empty, run_jobs):
    job = import_customers(empty, run_jobs, "stream.json", stream(api).encode())
    assert job.counts["created"] == 3
    assert stream(empty) == stream(api)


# -- modes, match, dry run, max errors --------------------------------------------------------


def test_merge_and_replace_and_match_by_key(api, people, run_jobs):
    rows = ndjson({"EmailAddress": "@bo", "FirstName": "Bob"})
    merged = import_customers(api, run_jobs, "m.ndjson", rows, mode="merge", match="byemail")
    assert merged.counts["updated"] == 1, merged.counts
    body = api.get("profiles/-C2").json()
    assert (body["FirstName"], body["LastName"]) == ("Bob", "+Bo")
    replaced = import_customers(
        api,
        run_jobs,
        "r.ndjson",
        ndjson({"customer_id": "-C2", "LastName": "Only"}),
        mode="replace",
    )
    assert replaced.counts["updated"] == 1
    assert api.get("profiles/-C2").json() == {"customer_id": "-C2", "LastName": "Only"}


def test_a_dry_run_writes_nothing_and_reports_the_same(api, people, run_jobs):
    rows = ndjson(
        {"customer_id": "N1", "LastName": "New"},
        {"customer_id": "C1", "LastName": "Changed"},
        {"customer_id": "N2", "Age": "x"},
    )
    before = stream(api)
    dry = import_customers(api, run_jobs, "d.ndjson", rows, mode="merge", dry_run="true")
    assert stream(api) == before
    real = import_customers(api, run_jobs, "d.ndjson", rows, mode="merge")
    assert (
        dry.counts
        == real.counts
        == {"rows": 3, "created": 1, "updated": 1, "unchanged": 0, "skipped": 0, "errors": 1}
    )
    assert errors_of(api, dry) == errors_of(api, real)
    assert dry.arguments["dry_run"] is True


def test_max_errors_fails_the_job_and_writes_nothing_of_that_batch(api, people, run_jobs):
    rows = ndjson(
        {"customer_id": "N1", "LastName": "A"}, {"customer_id": "B1"}, {"customer_id": "B2"}
    )
    job = import_customers(api, run_jobs, "e.ndjson", rows, max_errors="2")
    assert job.state == "failed"
    assert "max_errors" in job.error
    assert not Customer.objects.filter(customer_id="N1").exists()


def test_bad_rows_are_refused_as_the_api_refuses_them(api, people, run_jobs):
    bad = [
        {"customer_id": "N1", "LastName": "X", "EmailAddress": "@bo"},  # unique key of -C2
        {"customer_id": "N2", "LastName": "X", "Address": [PEOPLE[0]["Address"][0]] * 2},
        {"customer_id": "N3", "LastName": "X", "Shoe": 1},
        {"customer_id": "N4", "Age": 1.5, "LastName": "X"},
    ]
    job = import_customers(
        api, run_jobs, "bad.ndjson", ndjson({"customer_id": "OK", "LastName": "Y"}, *bad)
    )
    assert job.state == "succeeded", job.error
    assert (job.counts["created"], job.counts["errors"]) == (1, 4)
    reported = {}
    for _file, line, _index, field, reason in errors_of(api, job):
        reported.setdefault(int(line), []).append((field, reason))
    for line, body in enumerate(bad, start=2):
        answer = api.post("profiles", body).json()
        expected = [(f, r) for f, reasons in answer["errors"].items() for r in reasons]
        assert reported[line] == expected, (line, answer)


def test_a_job_whose_every_row_is_bad_fails(api, people, run_jobs):
    job = import_customers(
        api, run_jobs, "bad.ndjson", ndjson({"customer_id": "x"}, {"customer_id": "y"})
    )
    assert job.state == "failed"
    assert "every row was refused" in job.error


# -- refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mode": "upsert"}, "mode"),
        ({"match": "NoSuchKey"}, "match"),
        ({"dry_run": "maybe"}, "dry_run"),
        ({"max_errors": "0"}, "max_errors"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_import_parameters_are_400_naming_the_field(
    api, people, run_jobs, media_root, fields, field
):
    response = send(api, run_jobs, "c.ndjson", ndjson({"customer_id": "x"}), **fields)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not JobRun.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("c.csv", b"customer_id,LastName,Shoe\nx,y,z\n", "column Shoe"),
        ("c.txt", b"hello", "must be"),
        ("c.csv", b"service_id,x\n1,2\n", "must be"),
    ],
)
def test_bad_files_are_400_naming_the_file(api, people, run_jobs, name, content, reason):
    response = send(api, run_jobs, name, content)
    assert response.status_code == 400, response.content
    assert reason in response.json()["errors"]["file"][0]


def test_zip_bomb_and_foreign_members_are_refused(api, people, run_jobs):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("customers.ndjson", b" " * 5_000_000)
    response = send(api, run_jobs, "bomb.zip", archive.getvalue())
    assert response.status_code == 400 and "inflates" in response.json()["errors"]["file"][0]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("services.json", b"[]")
    response = send(api, run_jobs, "services.zip", archive.getvalue())
    assert response.status_code == 400 and "customers" in response.json()["errors"]["file"][0]


def test_a_malformed_file_fails_naming_the_line(api, people, run_jobs):
    job = import_customers(
        api, run_jobs, "c.json", b'[{"customer_id": "A", "LastName": "x"},\n{oops'
    )
    assert job.state == "failed"
    assert "line 2" in job.error
    lines = import_customers(
        api, run_jobs, "c.ndjson", b'{"customer_id": "B", "LastName": "x"}\n{oops\n'
    )
    assert lines.state == "succeeded" and lines.counts["errors"] == 1
    assert errors_of(api, lines)[0][1:2] == ["2"]


def test_the_export_refuses_an_unknown_extension_or_format(api, people, run_jobs):
    assert "extensions" in api.post("maintenance/profiles/files?extensions=Nope").json()["errors"]
    assert "format" in api.post("maintenance/profiles/files?format=xml").json()["errors"]


def test_import_stops_between_batches_when_cancelled(people, tmp_path):
    from plugins.maintenance.customers.importing import run_customer_import

    class CancelAfter(QuietReporter):
        def __init__(self):
            super().__init__()
            self.seen = 0

        def check_cancelled(self):
            self.seen += 1
            if self.seen > 2:
                raise JobCancelled()

    source = tmp_path / "rows.ndjson"
    source.write_bytes(ndjson(*({"customer_id": f"N{n}", "LastName": "x"} for n in range(10))))
    with open(tmp_path / "errors.csv", "w") as errors, pytest.raises(JobCancelled):
        run_customer_import(
            tenant=people, source=source, reporter=CancelAfter(), errors_out=errors, batch=3
        )
    assert Customer.objects.filter(tenant=people, customer_id__startswith="N").count() == 6


def test_every_batch_is_written_when_a_load_never_calls_its_written_hook(
    people, tmp_path, monkeypatch
):
    """A batch loaded again row by row (another writer took a key first) may never call the
    hook that starts the next batch's check: the job starts it afterwards."""
    from plugins.maintenance.customers.importing import run_customer_import
    from plugins.profiles.bulk import loading

    load = loading.CustomerImport.load

    def without_hook(self, prepared, *, stop_at=None, on_written=None):
        return load(self, prepared, stop_at=stop_at)

    monkeypatch.setattr(loading.CustomerImport, "load", without_hook)
    source = tmp_path / "rows.ndjson"
    source.write_bytes(ndjson(*({"customer_id": f"N{n}", "LastName": "x"} for n in range(10))))
    with open(tmp_path / "errors.csv", "w") as errors:
        counts = run_customer_import(
            tenant=people, source=source, reporter=QuietReporter(), errors_out=errors, batch=3
        )
    assert (counts["rows"], counts["created"], counts["errors"]) == (10, 10, 0)
    assert Customer.objects.filter(tenant=people, customer_id__startswith="N").count() == 10


# -- moving a tenant ---------------------------------------------------------------------------


def test_moving_a_tenant_leaves_no_service_without_its_customer(
    api, people, empty, run_jobs, other_tenant
):
    make_service(people, "svc-1", customer="C1", started=RECENT)
    make_service(people, "svc-2", customer="-C2", started=RECENT)
    make_service(people, "svc-anon", customer=None, started=RECENT)
    _, customers = export_customers(api, run_jobs, "json")
    services_job = export(api, run_jobs, "json")
    services_file = download(api, services_job, "services.json")
    moved = import_customers(empty, run_jobs, "customers.json", customers)
    assert moved.counts["created"] == 3
    handle = io.BytesIO(services_file)
    handle.name = "services.json"
    job = accepted_job(
        run_jobs(
            lambda: empty.client.post(
                "/genesys/1/cs/maintenance/services/files",
                {"file": handle},
                headers=empty.headers,
                format="multipart",
            )
        )
    )
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    referred = set(
        Service.objects.filter(tenant=other_tenant, customer_id__isnull=False).values_list(
            "customer_id", flat=True
        )
    )
    assert referred == {"C1", "-C2"}
    present = set(
        Customer.objects.filter(tenant=other_tenant).values_list("customer_id", flat=True)
    )
    assert referred <= present
    assert FROM  # the services export's window covers every service
