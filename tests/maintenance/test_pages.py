"""The Maintenance page: preview counts, purge, policy, export download and files, import."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

from csadmin.audit.models import AuditEntry
from csadmin.jobs.models import JobRun
from csadmin.tenancy.selectors import TENANT_SESSION_KEY
from csadmin.testing import make_user
from plugins.maintenance.models import RetentionPolicy
from plugins.services.models import Service
from tests.jobs.test_services import broker_down  # noqa: F401
from tests.maintenance.conftest import LIMIT

LIMIT_TEXT = LIMIT.strftime("%Y-%m-%dT%H:%MZ")


def browser(user, tenant) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[TENANT_SESSION_KEY] = tenant.pk
    session.save()
    return client


@pytest.fixture
def page(admin, tenant):
    return browser(admin, tenant)


def test_page_shows_the_forms(page):
    response = page.get("/maintenance/")
    assert response.status_code == 200
    text = response.content.decode()
    for marker in ("purge-form", "policy-form", "export-form", "import-form", "Purge…"):
        assert marker in text
    assert "confirm(" not in text and "Dry run" not in text


def test_preview_counts_each_class(page, services_mix, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = page.get(
            f"/maintenance/preview/?limit={LIMIT_TEXT}&operation=purge.service.all",
            headers={"HX-Request": "true"},
        )
    text = response.content.decode()
    assert "<html" not in text
    # Each class counts its own old services; the one expired service is counted once, on its
    # own line, not added to every class.
    counts = {
        "purge.service.all": 4,
        "purge.service.started": 2,
        "purge.service.started.anonymous": 1,
        "purge.service.completed": 2,
        "purge.service.completed.anonymous": 1,
        "expired": 1,
    }
    for operation, count in counts.items():
        assert f'data-testid="preview-{operation}">{count}<' in text


def test_purge_from_the_page_runs_the_job(page, tenant, services_mix, run_jobs):
    response = run_jobs(
        lambda: page.post(
            "/maintenance/purge/",
            {"limit": LIMIT_TEXT, "operation": "purge.service.completed.anonymous"},
        )
    )
    job = JobRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.state == "succeeded" and job.counts["services"] == 2
    assert not Service.objects.filter(tenant=tenant, service_id="old-done-anon").exists()


def test_purge_asks_first_naming_tenant_cutoff_operation_and_counts(page, tenant, services_mix):
    operation = "purge.service.completed.anonymous"
    response = page.get("/maintenance/purge/", {"limit": LIMIT_TEXT, "operation": operation})
    text = response.content.decode()
    assert response.status_code == 200
    assert f"Are you sure you want to purge 2 services of {tenant.name}?" in text
    assert f'data-testid="confirm-tenant">{tenant.name}<' in text
    assert f"Operation {operation}; cutoff: started before {LIMIT_TEXT}." in text
    assert "started before the cutoff</span>: <strong>1</strong>" in text
    assert "Expired services (every operation removes them)</span>: <strong>1</strong>" in text
    assert not JobRun.objects.exists()  # asking is not purging
    back = f"/maintenance/?limit={LIMIT_TEXT.replace(':', '%3A')}&amp;operation={operation}#purge"
    assert f'href="{back}" data-testid="confirm-cancel"' in text
    again = page.get(back.replace("&amp;", "&")).content.decode()  # Cancel keeps the choice
    assert f'value="{operation}" selected' in again
    assert f'value="{LIMIT_TEXT}"' in again


def test_purge_confirmation_without_a_valid_time_goes_back_to_the_page(page):
    response = page.get("/maintenance/purge/", {"limit": "soon", "operation": "x"}, follow=True)
    assert response.redirect_chain[-1][0] == "/maintenance/"
    assert "needs a valid time and operation" in response.content.decode()
    assert not JobRun.objects.exists()


def test_policy_is_saved_and_audited(page, tenant):
    response = page.post(
        "/maintenance/policy/",
        {"policy-enabled": "on", "policy-operation": "purge.service.all", "policy-age_days": "7"},
    )
    assert response.status_code == 302
    policy = RetentionPolicy.objects.get(tenant=tenant)
    assert (policy.enabled, policy.operation, policy.age_days) == (True, "purge.service.all", 7)
    assert AuditEntry.objects.filter(plugin="maintenance", object_type="retention policy").exists()


def test_download_export_streams_the_selection(page, services_mix):
    response = page.get(
        "/maintenance/export/",
        {"time_from": "2000-01-01T00:00Z", "filter_events": "started", "format": "ndjson"},
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    ids = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert len(ids) == 6  # every live service (the expired one is not shown)


def test_import_from_the_page_goes_to_the_job(page, tenant, run_jobs):
    content = b'{"service_id": "p1", "service_type": "Sales", "started": "2020-01-01T00:00:00Z"}\n'
    upload = io.BytesIO(content)
    upload.name = "rows.ndjson"
    response = run_jobs(lambda: page.post("/maintenance/import/", {"file": upload}))
    job = JobRun.objects.get()
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert Service.objects.filter(tenant=tenant, service_id="p1").exists()


@pytest.mark.usefixtures("broker_down")
def test_an_import_page_refused_with_503_removes_its_upload(page, media_root):
    content = io.BytesIO(b"{}\n")
    content.name = "rows.ndjson"
    response = page.post("/maintenance/import/", {"file": content}, follow=True)
    assert "cannot be reached" in response.content.decode()
    assert not JobRun.objects.exists()
    uploads = media_root / "maintenance" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_page_upload_over_the_limit_is_refused(page, settings, run_jobs):
    settings.CSADMIN_IMPORT_MAX_BYTES = 100
    upload = io.BytesIO(b"{}\n" * 100)
    upload.name = "rows.ndjson"
    response = page.post("/maintenance/import/", {"file": upload}, follow=True)
    assert "larger than 100 bytes" in response.content.decode()
    assert not JobRun.objects.exists()


def test_import_page_checks_csrf(admin, tenant):
    client = browser(admin, tenant)
    client.handler.enforce_csrf_checks = True
    upload = io.BytesIO(b"{}\n")
    upload.name = "rows.ndjson"
    assert client.post("/maintenance/import/", {"file": upload}).status_code == 403


def test_supervisor_sees_the_page_but_cannot_purge(tenant, services_mix):
    supervisor = browser(make_user("sup", tenant, ["Supervisor"]), tenant)
    page = supervisor.get("/maintenance/")
    assert page.status_code == 200 and "Run purge" not in page.content.decode()
    refused = supervisor.post(
        "/maintenance/purge/", {"limit": LIMIT_TEXT, "operation": "purge.service.all"}
    )
    assert refused.status_code == 403
    assert Service.objects.filter(tenant=tenant).count() == 7


def test_export_files_from_the_page_opens_the_job(page, services_mix, run_jobs):
    response = run_jobs(
        lambda: page.post(
            "/maintenance/export/files/",
            {"time_from": "2000-01-01T00:00Z", "filter_events": "any", "format": "csv"},
            headers={"HX-Request": "true"},
        )
    )
    job = JobRun.objects.get()
    assert response.status_code == 204 and response["HX-Redirect"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.state == "succeeded" and job.arguments["format"] == "csv"
    assert set(job.files.values_list("name", flat=True)) == {
        "services.csv",
        "states.csv",
        "tasks.csv",
    }


def test_the_page_exports_one_zip_as_a_job(page, services_mix, run_jobs):
    run_jobs(
        lambda: page.post(
            "/maintenance/export/files/",
            {"time_from": "2000-01-01T00:00Z", "filter_events": "any", "format": "zip"},
            headers={"HX-Request": "true"},
        )
    )
    job = JobRun.objects.get()
    assert job.state == "succeeded" and job.arguments["format"] == "zip"
    assert list(job.files.values_list("name", flat=True)) == ["export.zip"]


def test_the_import_form_says_what_it_reads(page):
    text = page.get("/maintenance/").content.decode()
    assert "The download above with full content (JSON array or NDJSON" in text
    assert "A download of ids only cannot be imported" in text
    assert 'value="zip"' in text
