"""POST /profiles/{id}/data-export (spec §9): one zip of everything stored about a customer."""

from __future__ import annotations

import json
import zipfile

from csadmin.audit.models import AuditEntry
from csadmin.jobs.models import JobRun
from plugins.maintenance.exporting import ExportQuery, json_items
from tests.privacy.conftest import CUSTOMER, OTHER, SECRET

EXPORT = f"profiles/{CUSTOMER}/data-export"


def exported(api, run_jobs, customer_id=CUSTOMER) -> tuple[JobRun, zipfile.ZipFile]:
    response = run_jobs(lambda: api.post(f"profiles/{customer_id}/data-export"))
    assert response.status_code == 202, response.json()
    assert response["Location"].endswith(f"/maintenance/jobs/{response.json()['job_id']}")
    run = JobRun.objects.get(pk=response.json()["job_id"])
    assert run.state == JobRun.State.SUCCEEDED, run.error
    stored = run.files.get()
    assert stored.name == f"customer-{customer_id}.zip"
    return run, zipfile.ZipFile(stored.open())


def lines(archive, name) -> list[dict]:
    return [json.loads(line) for line in archive.read(name).decode().splitlines()]


def test_the_zip_holds_profile_services_events_and_deliveries(world, api, run_jobs, tenant):
    run, archive = exported(api, run_jobs)
    assert sorted(archive.namelist()) == [
        "deliveries.ndjson",
        "events.ndjson",
        "profile.json",
        "services.ndjson",
    ]
    profile = json.loads(archive.read("profile.json"))
    assert profile["customer_id"] == CUSTOMER
    assert profile["PhoneNumber"] == "555-0177"
    assert len(profile["Address"]) == 2 and profile["Loyalty"]["Points"] == 10
    services = lines(archive, "services.ndjson")
    assert sorted(s["service_id"] for s in services) == sorted(world["mine"])
    assert all(s["customer_id"] == CUSTOMER for s in services)
    events = lines(archive, "events.ndjson")
    assert {e["service_id"] for e in events} == set(world["mine"])
    # start, two states, a task, a state's end: as many as were recorded
    assert len(events) == 3 * 5
    deliveries = lines(archive, "deliveries.ndjson")
    assert len(deliveries) == 4  # three services, and one whose service was purged
    assert {d["target_url"] for d in deliveries} == {"https://crm.example/hook"}
    assert {d["status"] for d in deliveries} == {"delivered"}
    assert SECRET not in archive.read("deliveries.ndjson").decode()
    assert run.counts == {
        "profiles": 1,
        "extension_records": 3,
        "services": 3,
        "events": 15,
        "deliveries": 4,
    }


def test_services_are_written_as_the_maintenance_stream_writes_them(world, api, run_jobs, tenant):
    _run, archive = exported(api, run_jobs)
    import datetime as dt

    query = ExportQuery(
        time_from=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        time_to=dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
        filter_events="any",
        filter_state="any",
        export_content=True,
    )
    streamed = [json.loads(text) for text in json_items(tenant, query)]
    mine = [s for s in streamed if s["customer_id"] == CUSTOMER]
    assert lines(archive, "services.ndjson") == mine
    assert any(s["active_states"] and s["completed_states"] for s in mine)


def test_unknown_customer_is_404_and_queues_nothing(world, api):
    response = api.post("profiles/nobody/data-export")
    assert response.status_code == 404
    assert "nobody" in response.json()["message"]
    assert not JobRun.objects.exists()


def test_the_audit_names_who_and_counts_never_the_data(world, api, run_jobs, admin):
    run, _archive = exported(api, run_jobs)
    entry = AuditEntry.objects.get(action="data-export")
    assert entry.actor == admin.username
    assert entry.after == {"job": run.pk, **run.counts}
    text = json.dumps([entry.object_id, entry.before, entry.after])
    for value in (CUSTOMER, "555-0177", "High St"):
        assert value not in text


def test_other_customers_and_tenants_stay_out(world, api, run_jobs, other_tenant, api_as):
    _run, archive = exported(api, run_jobs, OTHER)
    assert CUSTOMER not in archive.read("services.ndjson").decode()
    assert CUSTOMER not in archive.read("deliveries.ndjson").decode()
    outsider = api_as("Administrator", in_tenant=other_tenant)
    assert outsider.post(EXPORT).status_code == 404


def test_privilege_is_administrative(world, api_as):
    for role in ("Supervisor", "Agent Application", "Maintenance Operator", "Schema Designer"):
        response = api_as(role).post(EXPORT)
        assert response.status_code == 401, role
        assert "profiles.customers.privacy" in response.json()["message"]


def test_only_holders_of_the_privilege_download_the_zip(
    world, api, run_jobs, api_as, client, tenant
):
    from csadmin.testing import make_user

    run, _archive = exported(api, run_jobs)
    name = f"customer-{CUSTOMER}.zip"
    assert api.get(f"maintenance/jobs/{run.pk}/files/{name}").status_code == 200
    for role in ("Maintenance Operator", "Supervisor"):
        reader = api_as(role)
        assert reader.get(f"maintenance/jobs/{run.pk}").status_code == 200  # sees the job
        refused = reader.get(f"maintenance/jobs/{run.pk}/files/{name}")
        assert refused.status_code == 403, role
        assert "profiles.customers.privacy" in refused.json()["message"]
    client.force_login(make_user("operator", tenant, ["Maintenance Operator"]))
    assert client.get(f"/jobs/{run.pk}/files/{name}").status_code == 403
