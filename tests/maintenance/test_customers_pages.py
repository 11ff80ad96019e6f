"""The customers part of the Maintenance page: export as a job, import through the one
confirmation page (a dry run at once), refusals back on the page, and the job's page showing
the import's arguments and counts."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlparse

import pytest

from csadmin.jobs.models import JobRun
from csadmin.testing import make_user
from plugins.profiles.models import Customer
from tests.maintenance.test_customers import define_schemas
from tests.maintenance.test_pages import browser

ROWS = "".join(
    json.dumps(row) + "\n"
    for row in ({"customer_id": "C1", "LastName": "Lee"}, {"customer_id": "C2", "Age": "x"})
).encode()


@pytest.fixture
def page(admin, tenant):
    define_schemas(tenant, admin)
    return browser(admin, tenant)


def upload(page, run_jobs, content=ROWS, **fields):
    handle = io.BytesIO(content)
    handle.name = "people.ndjson"
    data = {"customers-import-file": handle, "customers-import-mode": "create"}
    data["customers-import-match"] = "customer_id"
    data.update({f"customers-import-{k}": v for k, v in fields.items()})
    return run_jobs(lambda: page.post("/maintenance/customers/import/", data))


def test_page_shows_the_customers_forms_with_the_tenants_keys(page):
    text = page.get("/maintenance/").content.decode()
    assert "customers-export-form" in text and "customers-import-form" in text
    assert "identification key ByEmail" in text
    assert "confirm(" not in text and "hx-confirm" not in text


def test_export_from_the_page_opens_the_job(page, tenant, run_jobs):
    response = run_jobs(
        lambda: page.post(
            "/maintenance/customers/export/",
            {"customers-export-format": "csv", "customers-export-extensions": "*"},
        )
    )
    job = JobRun.objects.get(tenant=tenant, kind="maintenance.customers_export")
    assert response.url == f"/jobs/{job.pk}/"
    assert job.state == "succeeded", job.error


def test_an_import_asks_first_then_runs_and_its_page_shows_arguments_and_counts(
    page, tenant, run_jobs
):
    response = upload(page, run_jobs)
    assert response.status_code == 302
    assert not JobRun.objects.exists()  # nothing queued before the confirmation
    confirm = page.get(response.url)
    text = confirm.content.decode()
    assert "Are you sure you want to import the customers of people.ndjson into Acme?" in text
    assert "Mode create" in text
    fields = {k: v[0] for k, v in parse_qs(urlparse(response.url).query).items()}
    done = run_jobs(lambda: page.post("/maintenance/customers/import/confirm/", fields))
    job = JobRun.objects.get(tenant=tenant, kind="maintenance.customers_import")
    assert done.url == f"/jobs/{job.pk}/"
    assert job.state == "succeeded", job.error
    assert job.counts["created"] == 1 and job.counts["errors"] == 1
    assert Customer.objects.filter(tenant=tenant, customer_id="C1").exists()
    shown = page.get(f"/jobs/{job.pk}/").content.decode()
    for word in ("create", "customer_id", "people.ndjson", "created", "unchanged"):
        assert word in shown, word
    assert job.arguments["upload"] not in shown
    # the same confirmation cannot be posted twice: its upload was imported
    again = page.post("/maintenance/customers/import/confirm/", fields)
    assert again.status_code == 400
    assert JobRun.objects.filter(kind="maintenance.customers_import").count() == 1


def test_a_dry_run_is_queued_at_once_and_writes_nothing(page, tenant, run_jobs):
    response = upload(page, run_jobs, **{"dry_run": "on"})
    job = JobRun.objects.get(tenant=tenant, kind="maintenance.customers_import")
    assert response.url == f"/jobs/{job.pk}/"
    assert job.arguments["dry_run"] is True and job.counts["created"] == 1
    assert not Customer.objects.filter(tenant=tenant).exists()


def test_a_confirmation_names_only_an_upload_of_this_session(page, admin, tenant, run_jobs):
    response = upload(page, run_jobs)
    other = browser(make_user("other-admin", tenant, ["Administrator"]), tenant)
    assert other.get(response.url).status_code == 302  # back to the page
    fields = {k: v[0] for k, v in parse_qs(urlparse(response.url).query).items()}
    assert other.post("/maintenance/customers/import/confirm/", fields).status_code == 400
    assert not JobRun.objects.exists()


def test_a_bad_file_or_choice_goes_back_to_the_page_saying_why(page, run_jobs):
    response = upload(page, run_jobs, content=b"customer_id,Shoe\n1,2\n")
    assert response.status_code == 302
    text = page.get("/maintenance/").content.decode()
    assert "column Shoe is neither" in text
    upload(page, run_jobs, match="NoSuchKey")
    assert "Match rows by" in page.get("/maintenance/").content.decode()
    assert not JobRun.objects.exists()


def test_a_supervisor_sees_no_customers_buttons_and_cannot_import(tenant, admin, run_jobs):
    define_schemas(tenant, admin)
    supervisor = browser(make_user("sup", tenant, ["Supervisor"]), tenant)
    text = supervisor.get("/maintenance/").content.decode()
    assert "Import customers…" not in text
    assert upload(supervisor, run_jobs).status_code == 403
    assert not JobRun.objects.exists()
