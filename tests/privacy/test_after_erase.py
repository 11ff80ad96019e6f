"""After an erase nothing of the customer is returned by any read, list, identify, stream,
export, job file or page (spec §9); earlier job files that held it are withdrawn, and say so."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from csadmin.jobs.models import JobFile, JobLog, JobRun
from tests.privacy.conftest import CUSTOMER, OTHER

FAR_PAST = "2001-01-01T00:00:00.000Z"
FAR_FUTURE = "2099-01-01T00:00:00.000Z"


def job(response) -> JobRun:
    assert response.status_code == 202, response.content
    run = JobRun.objects.get(pk=response.json()["job_id"])
    assert run.state == JobRun.State.SUCCEEDED, run.error
    return run


def export_files(api, run_jobs, fmt: str, time_from=FAR_PAST, time_to=FAR_FUTURE) -> JobRun:
    query = f"time_from={time_from}&time_to={time_to}&export_content=true&format={fmt}"
    return job(run_jobs(lambda: api.post(f"maintenance/services/files?{query}")))


def export_customers(api, run_jobs, fmt: str) -> JobRun:
    return job(run_jobs(lambda: api.post(f"maintenance/profiles/files?format={fmt}&extensions=*")))


@pytest.fixture
def erased_world(world, api, run_jobs):
    """The world, with files made before the erase: a data export of the customer, one of
    another customer, services exports (JSON and CSV) that hold it and one that does not,
    customers exports (JSON and CSV)."""
    before = {
        "customers_json": export_customers(api, run_jobs, "json"),
        "customers_csv": export_customers(api, run_jobs, "csv"),
        "data_export": job(run_jobs(lambda: api.post(f"profiles/{CUSTOMER}/data-export"))),
        "other_export": job(run_jobs(lambda: api.post(f"profiles/{OTHER}/data-export"))),
        "json": export_files(api, run_jobs, "json"),
        "csv": export_files(api, run_jobs, "csv"),
        "empty": export_files(api, run_jobs, "json", FAR_PAST, "2001-01-02T00:00:00.000Z"),
    }
    before["data_export_file"] = before["data_export"].files.get()
    assert before["data_export_file"].exists()
    erase = job(run_jobs(lambda: api.post(f"profiles/{CUSTOMER}/erase", {"confirm": CUSTOMER})))
    return {**world, **before, "erase": erase}


def read_text(stored) -> str:
    with stored.open() as opened:
        return opened.read().decode()


def mentions(response, *values) -> bool:
    text = b"".join(response.streaming_content) if response.streaming else response.content
    return any(value.encode() in text for value in values)


def test_profiles_get_identify_and_list_know_nothing(erased_world, api):
    assert api.get(f"profiles/{CUSTOMER}").status_code == 404
    assert api.get("profiles?PhoneNumber=555-0177").json() == []
    assert api.get("profiles?PhoneNumber=555-0177&id_key=ByPhone").json() == []
    listed = api.get("profiles?LastName=Name%20of%20C-77")
    assert listed.status_code in (200, 400) and not mentions(listed, CUSTOMER)
    assert api.get(f"profiles/{OTHER}").status_code == 200


def test_services_reads_and_lists_know_nothing(erased_world, api):
    for suffix in ("", "/active", "/completed"):
        response = api.get(f"customers/{CUSTOMER}/services{suffix}")
        assert response.status_code == 200 and response.json() == []
        anonymous = api.get(f"services/anonymous/555-0177{suffix}")
        assert anonymous.status_code == 200 and anonymous.json() == []
    for service_id in erased_world["mine"]:
        assert api.get(f"services/{service_id}").status_code == 404
    assert len(api.get(f"customers/{OTHER}/services").json()) == 2


def test_the_maintenance_stream_knows_nothing(erased_world, api):
    base = f"maintenance/services/stream?time_from={quote(FAR_PAST)}"
    for content in ("false", "true"):
        for accept in ("application/json", "application/x-ndjson"):
            response = api.get(f"{base}&export_content={content}", headers={"Accept": accept})
            assert response.status_code == 200
            assert not mentions(response, CUSTOMER, *erased_world["mine"])
    assert mentions(api.get(f"{base}&export_content=true"), OTHER)


def test_a_new_export_job_knows_nothing(erased_world, api, run_jobs):
    for fmt in ("json", "csv"):
        run = export_files(api, run_jobs, fmt)
        for stored in run.files.all():
            text = read_text(stored)
            assert CUSTOMER not in text
            assert not any(service_id in text for service_id in erased_world["mine"])


def test_earlier_exports_that_held_the_customer_are_withdrawn(erased_world, api):
    for name in ("json", "csv"):
        run = erased_world[name]
        assert not run.files.exists()
        assert not (run.files.model.objects.filter(job=run).exists())
        log = JobLog.objects.filter(job=run, message__startswith="Files withdrawn").get()
        assert "erased" in log.message
        shown = api.get(f"maintenance/jobs/{run.pk}").json()
        assert shown["files"] == []
        assert api.get(f"maintenance/jobs/{run.pk}/files/services.{name}").status_code == 404
    kept = erased_world["empty"]
    assert kept.files.count() == 3 and all(f.exists() for f in kept.files.all())
    assert erased_world["erase"].counts["job_files"] == 8


def test_earlier_customers_exports_are_withdrawn(erased_world, api):
    for name in ("json", "csv"):
        run = erased_world[f"customers_{name}"]
        assert not run.files.exists()
        assert JobLog.objects.filter(job=run, message__startswith="Files withdrawn").exists()
        assert api.get(f"maintenance/jobs/{run.pk}/files/customers.{name}").status_code == 404


def test_the_profiles_stream_and_a_new_customers_export_know_nothing(erased_world, api, run_jobs):
    for accept in ("application/json", "application/x-ndjson"):
        response = api.get("maintenance/profiles/stream?extensions=*", headers={"Accept": accept})
        assert response.status_code == 200
        body = b"".join(response.streaming_content).decode()
        assert CUSTOMER not in body and OTHER in body
    for fmt in ("json", "csv"):
        run = export_customers(api, run_jobs, fmt)
        text = read_text(run.files.get())
        assert CUSTOMER not in text and OTHER in text


def test_the_earlier_data_export_is_gone_and_names_no_one(erased_world, api):
    run = erased_world["data_export"]
    assert not erased_world["data_export_file"].exists()
    assert not JobFile.objects.filter(job=run).exists()
    shown = api.get(f"maintenance/jobs/{run.pk}").json()
    assert shown["files"] == [] and CUSTOMER not in json.dumps(shown)
    assert shown["arguments"]["customer_id"].startswith("erased:")
    assert JobLog.objects.filter(job=run, message__startswith="Files withdrawn").exists()
    other = erased_world["other_export"]
    assert other.files.get().exists()  # another customer's export stays


def test_no_job_names_the_customer(erased_world, api):
    listed = api.get("maintenance/jobs?page_size=100")
    assert listed.status_code == 200
    assert not mentions(listed, CUSTOMER)
    erase = api.get(f"maintenance/jobs/{erased_world['erase'].pk}").json()
    assert erase["arguments"]["customer_id"].startswith("erased:")
    assert erase["counts"]["profiles"] == 1


def test_a_data_export_after_the_erase_is_404(erased_world, api):
    assert api.get(f"profiles/{CUSTOMER}").status_code == 404
    assert api.post(f"profiles/{CUSTOMER}/data-export").status_code == 404
    assert api.post(f"profiles/{CUSTOMER}/erase", {"confirm": CUSTOMER}).status_code == 404


def test_webhook_deliveries_know_nothing(erased_world, api):
    subscription = erased_world["subscription"]
    listed = api.get(f"metadata/subscriptions/{subscription.pk}/deliveries?page_size=100")
    assert listed.status_code == 200
    assert {d["service_id"] for d in listed.json()} == {
        *erased_world["theirs"],
        erased_world["anonymous"],
    }
    assert not mentions(listed, CUSTOMER, *erased_world["mine"])


@pytest.fixture
def web(client, admin):
    client.force_login(admin)
    return client


def test_pages_know_nothing(erased_world, web):
    assert web.get(f"/profiles/customers/{CUSTOMER}/").status_code == 404
    for service_id in erased_world["mine"]:
        assert web.get(f"/services/{service_id}/").status_code in (302, 404)
        assert not mentions(web.get(f"/services/?service_id={service_id}", follow=True), CUSTOMER)
    anything = (CUSTOMER, "555-0177", *erased_world["mine"])
    job_pages = [f"/jobs/{erased_world[name].pk}/" for name in ("erase", "data_export", "json")]
    for url in ("/", "/profiles/customers/", "/services/", "/maintenance/", "/jobs/", *job_pages):
        response = web.get(url)
        assert response.status_code == 200, url
        assert not mentions(response, *anything), url
    # A search echoes what was typed into its field: no row may answer it.
    customer_link = f"/profiles/customers/{CUSTOMER}/"
    for url in (
        f"/profiles/customers/?q={CUSTOMER}",
        "/profiles/customers/?q=555-0177",
        "/profiles/customers/?key=ByPhone&v.PhoneNumber=555-0177",
        "/services/?contact_key=555-0177",
        f"/services/customers/{CUSTOMER}/",
    ):
        response = web.get(url)
        assert response.status_code in (200, 404), url
        assert not mentions(response, customer_link, *erased_world["mine"]), url
    suggestions = web.get("/services/customer-ids/?customer_id=C-")
    assert not mentions(suggestions, CUSTOMER) and mentions(suggestions, OTHER)
    assert mentions(web.get("/profiles/customers/"), OTHER)
