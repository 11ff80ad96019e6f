"""The Jobs pages in a browser: the list, a running job's live progress bar, a download."""

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from csadmin.jobs.files import store
from csadmin.jobs.models import JobFile, JobLog, JobRun
from csadmin.tenancy.models import Tenant
from tests.e2e.test_accessibility import _audit, _describe, _refused

pytestmark = pytest.mark.e2e


def test_jobs_list_live_progress_and_download(signed_in_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    page = signed_in_page
    tenant = Tenant.objects.get(name="Environment")
    now = timezone.now()
    finished = JobRun.objects.create(
        tenant=tenant,
        kind="sample.count_notes",
        plugin="sample",
        created_by="admin",
        state=JobRun.State.FAILED,
        error="The job ran past its time limit.",
        done=3,
        total=3,
        counts={"notes": 3},
        started_at=now,
        finished_at=now,
    )
    JobFile.objects.create(
        job=finished, name="notes.txt", size=store(finished.pk, "notes.txt", b"a\nb")
    )
    running = JobRun.objects.create(
        tenant=tenant,
        kind="sample.count_notes",
        plugin="sample",
        created_by="admin",
        state=JobRun.State.RUNNING,
        done=1,
        total=4,
        started_at=now,
        heartbeat_at=now,
    )

    page.goto(f"{page.base_url}/")
    page.locator("nav.sidenav").get_by_role("link", name="Jobs").click()
    rows = page.get_by_test_id("job-list").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("running")

    page.get_by_role("link", name=str(running.pk), exact=True).click()
    bar = page.get_by_test_id("job-progress")
    expect(bar).to_have_attribute("aria-valuenow", "25")
    # The worker reports progress, then ends the job: the page follows without a reload.
    JobRun.objects.filter(pk=running.pk).update(done=2)
    expect(bar).to_have_attribute("aria-valuenow", "50", timeout=5000)
    JobLog.objects.create(job=running, level="info", message="all counted")
    JobRun.objects.filter(pk=running.pk).update(
        state=JobRun.State.SUCCEEDED, done=4, counts={"notes": 4}, finished_at=timezone.now()
    )
    expect(page.get_by_test_id("job-state")).to_have_text("succeeded", timeout=5000)
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.get_by_test_id("job-counts")).to_contain_text("4")
    expect(page.get_by_test_id("job-log")).to_contain_text("all counted")
    expect(page.get_by_test_id("job-live")).not_to_have_attribute("hx-trigger", re.compile(".*"))

    page.goto(f"{page.base_url}/jobs/{finished.pk}/")
    with page.expect_download() as download_info:
        page.get_by_test_id("job-files").get_by_role("link", name="notes.txt").click()
    download = download_info.value
    assert download.suggested_filename == "notes.txt"
    assert Path(download.path()).read_bytes() == b"a\nb"

    # A failed run's Retry asks first, then opens the new run (jobs run eagerly in tests).
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Retry").click()
    page.wait_for_url(lambda url: not url.endswith(f"/jobs/{finished.pk}/"))
    again = JobRun.objects.get(retry_of=finished)
    assert page.url == f"{page.base_url}/jobs/{again.pk}/"
    expect(page.get_by_test_id("job-state")).to_have_text("succeeded")
    expect(page.get_by_text(f"Job {finished.pk} started again as job {again.pk}.")).to_be_visible()


def test_a_job_with_bad_rows_shows_its_own_badge_and_count(signed_in_page):
    page = signed_in_page
    tenant = Tenant.objects.get(name="Environment")
    now = timezone.now()
    partial = JobRun.objects.create(
        tenant=tenant,
        kind="maintenance.import",
        plugin="maintenance",
        created_by="admin",
        state=JobRun.State.SUCCEEDED,
        arguments={"upload": "token", "name": "services.ndjson"},
        counts={"rows": 10, "services": 6, "errors": 4},
        started_at=now,
        finished_at=now,
    )
    page.goto(f"{page.base_url}/jobs/")
    row = page.locator(f'tr[data-job="{partial.pk}"]')
    badge = row.locator(".job-badge")
    expect(badge).to_have_text("succeeded with 4 bad rows")
    expect(badge).to_have_attribute("data-outcome", "succeeded-with-errors")
    expect(row).to_contain_text("file name: services.ndjson")
    # Not the colour of a clean success: the attention colours, with the count in its text.
    colours = badge.evaluate("b => getComputedStyle(b).backgroundColor")
    assert colours == "rgb(255, 248, 197)"
    page.get_by_role("link", name=str(partial.pk), exact=True).click()
    expect(page.get_by_test_id("job-state")).to_have_text("succeeded with 4 bad rows")
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)


def test_every_job_badge_passes_axe(signed_in_page):
    """One run per outcome, and a dry run: axe checks the badges' contrast on the list."""
    page = signed_in_page
    tenant = Tenant.objects.get(name="Environment")
    for state, counts in [
        ("queued", {}),
        ("running", {}),
        ("succeeded", {}),
        ("succeeded", {"errors": 2}),
        ("failed", {}),
        ("cancelled", {}),
    ]:
        JobRun.objects.create(
            tenant=tenant,
            kind="maintenance.purge",
            plugin="maintenance",
            state=state,
            counts=counts,
            arguments={"operation": "purge.service.all", "dry_run": True},
        )
    violations = [v for v in _audit(page, Axe(), "/jobs/") if _refused(v)]
    assert not violations, _describe("/jobs/", violations)
    expect(page.locator(".job-dry-run")).to_have_count(6)
    expect(page.locator(".job-badge")).to_have_count(6)
