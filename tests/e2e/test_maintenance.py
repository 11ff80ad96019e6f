"""The Maintenance page in a browser: an import with its progress, counts and error report;
a purge after its preview."""

import json
import re
from pathlib import Path

import pytest
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import expect

from csadmin.jobs.models import JobRun
from csadmin.tenancy.models import Tenant
from plugins.services.models import Service
from tests.maintenance.conftest import LIMIT, OLD, RECENT, make_service

pytestmark = pytest.mark.e2e


@pytest.fixture
def files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return tmp_path


def test_import_shows_progress_counts_and_the_error_report(signed_in_page, files):
    page = signed_in_page
    rows = [
        {"service_id": "e2e-1", "service_type": "Sales", "started": "2026-01-01T00:00:00Z"},
        {"service_id": "e2e-2", "started": "2026-01-01T00:00:00Z"},
        {"service_id": "e2e-3", "service_type": "Sales", "started": "2026-01-01T00:00:00Z"},
    ]
    upload = files / "rows.ndjson"
    upload.write_text("\n".join(json.dumps(row) for row in rows) + "\n")

    page.goto(f"{page.base_url}/")
    page.locator("nav.sidenav").get_by_role("link", name="Maintenance").click()
    form = page.get_by_test_id("import-form")
    form.locator("input[type=file]").set_input_files(str(upload))
    form.get_by_role("button", name="Import").click()

    # It ended, but not with every row: its badge says so, with the count.
    expect(page.get_by_test_id("job-state")).to_have_text("succeeded with 1 bad row")
    expect(page.get_by_test_id("job-state")).to_have_attribute(
        "data-outcome", "succeeded-with-errors"
    )
    expect(page.get_by_test_id("job-arguments")).to_contain_text("rows.ndjson")
    expect(page.get_by_test_id("job-progress")).to_have_attribute("aria-valuenow", "100")
    counts = page.get_by_test_id("job-counts")
    expect(counts).to_contain_text("services")
    expect(counts).to_contain_text("errors")
    with page.expect_download() as download_info:
        page.get_by_test_id("job-files").get_by_role("link", name="errors.csv").click()
    report = Path(download_info.value.path()).read_text().splitlines()
    assert report[1].split(",")[1:4] == ["2", "", "service_type"]
    environment = Tenant.objects.get(name="Environment")
    assert Service.objects.filter(tenant=environment, service_id__startswith="e2e-").count() == 2


def test_purge_after_its_preview(signed_in_page, files):
    page = signed_in_page
    environment = Tenant.objects.get(name="Environment")
    make_service(environment, "e2e-old-done", started=OLD, completed=OLD, customer=None)
    make_service(environment, "e2e-old-open", started=OLD)
    make_service(environment, "e2e-recent", started=RECENT, completed=RECENT)

    page.goto(f"{page.base_url}/maintenance/")
    page.fill("#id_limit", LIMIT.strftime("%Y-%m-%dT%H:%MZ"))
    page.select_option("#id_operation", "purge.service.completed.anonymous")
    page.get_by_test_id("preview-purge").click()
    preview = page.get_by_test_id("purge-preview")
    in_class = Q(started_at__lt=LIMIT, completed_at__isnull=False, customer_id=None)
    expired = Q(expires_at__lte=timezone.now())  # every purge removes those too, counted once
    of_class = Service.objects.filter(in_class & ~expired, tenant=environment).count()
    expired_count = Service.objects.filter(expired, tenant=environment).count()
    expected = Service.objects.filter(in_class | expired, tenant=environment).count()
    cell = preview.get_by_test_id("preview-purge.service.completed.anonymous")
    expect(cell).to_have_text(str(of_class))
    expect(preview.get_by_test_id("preview-expired")).to_have_text(str(expired_count))
    assert not JobRun.objects.exists()  # the preview counts; it queues nothing
    page.get_by_test_id("run-purge").click()
    expect(page.get_by_test_id("confirm-heading")).to_have_text(
        f"Are you sure you want to purge {expected} services of Environment?"
    )
    expect(page.get_by_test_id("confirm-tenant")).to_have_text("Environment")
    expect(page.get_by_test_id("confirmation")).to_contain_text(
        "Operation purge.service.completed.anonymous"
    )
    page.get_by_test_id("confirm-cancel").click()
    page.wait_for_url(re.compile(r"/maintenance/\?"))
    assert Service.objects.filter(service_id="e2e-old-done").exists()
    expect(page.locator("#id_operation")).to_have_value("purge.service.completed.anonymous")
    page.get_by_test_id("run-purge").click()
    page.get_by_role("button", name=f"Yes, purge {expected} services").click()
    expect(page.get_by_test_id("job-state")).to_have_text("succeeded")
    expect(page.get_by_test_id("job-counts")).to_contain_text(str(expected))
    assert not Service.objects.filter(service_id="e2e-old-done").exists()
    assert Service.objects.filter(service_id__in=["e2e-old-open", "e2e-recent"]).count() == 2
