"""The Jobs pages: list with filters, a job's page, its live partial, cancel, retry, downloads."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from csadmin.jobs.models import JobFile, JobLog, JobRun
from csadmin.testing import make_user

State = JobRun.State


@pytest.fixture
def browser(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def _job(tenant, state=State.SUCCEEDED, **fields) -> JobRun:
    values = {"kind": "sample.count_notes", "plugin": "sample", "created_by": "root"}
    return JobRun.objects.create(tenant=tenant, state=state, **{**values, **fields})


def test_the_menu_shows_jobs_under_operations(browser, tenant):
    page = browser.get("/jobs/").content.decode()
    operations = page.split('<h2 class="nav-heading">Operations</h2>')[1].split("</ul>")[0]
    assert 'href="/jobs/"' in operations


def test_the_list_filters_and_pages(browser, tenant, django_assert_max_num_queries):
    purge = _job(tenant, State.FAILED, kind="maintenance.purge", plugin="maintenance")
    for _ in range(60):
        _job(tenant)
    with django_assert_max_num_queries(14):
        page = browser.get("/jobs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("data-job=") == 50
    assert "Older jobs" in html
    filtered = browser.get("/jobs/?state=failed&kind=maintenance.purge").content.decode()
    assert filtered.count("data-job=") == 1
    assert f'data-job="{purge.pk}"' in filtered


def test_the_list_answers_only_rows_to_htmx(browser, tenant):
    _job(tenant)
    response = browser.get("/jobs/?state=succeeded", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "data-job=" in html and "<html" not in html


def test_a_job_page_shows_progress_counts_error_log_and_files(browser, tenant, media_root):
    run = _job(
        tenant,
        State.FAILED,
        done=3,
        total=4,
        counts={"notes": 3},
        error="RuntimeError: <b>boom</b>",
    )
    JobLog.objects.create(job=run, level="error", message="<script>alert(1)</script>")
    from csadmin.jobs.files import store

    JobFile.objects.create(job=run, name="notes.txt", size=store(run.pk, "notes.txt", b"hi"))
    html = browser.get(f"/jobs/{run.pk}/").content.decode()
    assert 'aria-valuenow="75"' in html
    assert "&lt;b&gt;boom&lt;/b&gt;" in html and "<b>boom</b>" not in html
    assert "&lt;script&gt;" in html
    assert f'href="/jobs/{run.pk}/files/notes.txt"' in html
    assert "Retry" in html and "hx-trigger" not in html  # ended: no polling


def test_a_running_job_page_polls_and_the_partial_stops_when_it_ends(browser, tenant):
    run = _job(tenant, State.RUNNING, started_at=timezone.now(), done=1, total=2)
    html = browser.get(f"/jobs/{run.pk}/").content.decode()
    assert f'hx-get="/jobs/{run.pk}/live/"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "Cancel job" in html

    live = browser.get(f"/jobs/{run.pk}/live/", headers={"HX-Request": "true"})
    assert live.status_code == 200
    assert "<html" not in live.content.decode() and 'aria-valuenow="50"' in live.content.decode()

    JobRun.objects.filter(pk=run.pk).update(state=State.SUCCEEDED, done=2)
    ended = browser.get(f"/jobs/{run.pk}/live/", headers={"HX-Request": "true"})
    assert ended.status_code == 286
    assert 'aria-valuenow="100"' in ended.content.decode()
    assert "hx-trigger" not in ended.content.decode()


def test_cancel_and_retry_buttons_post(browser, tenant, notes, django_capture_on_commit_callbacks):
    running = _job(tenant, State.RUNNING, started_at=timezone.now())
    response = browser.post(f"/jobs/{running.pk}/cancel/")
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.cancel_requested

    failed = _job(tenant, State.FAILED, arguments={"batch": 5})
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/jobs/{failed.pk}/retry/")
    again = JobRun.objects.get(retry_of=failed)
    assert response["Location"] == f"/jobs/{again.pk}/"
    again.refresh_from_db()
    assert again.state == State.SUCCEEDED and again.arguments == {"batch": 5}


def test_a_queued_job_page_offers_send_again_which_keeps_the_job(
    browser, tenant, notes, django_capture_on_commit_callbacks
):
    queued = _job(tenant, State.QUEUED)
    page = browser.get(f"/jobs/{queued.pk}/").content.decode()
    assert "Send again" in page and "Cancel job" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(f"/jobs/{queued.pk}/retry/", follow=True)
    assert response.redirect_chain[0][0] == f"/jobs/{queued.pk}/"
    assert f"Job {queued.pk} sent to the workers again." in response.content.decode()
    queued.refresh_from_db()
    assert (queued.state, queued.attempts, queued.sends) == (State.SUCCEEDED, 1, 2)
    assert JobRun.objects.count() == 1


def test_cancel_refused_shows_a_message_and_changes_nothing(tenant):
    stranger = make_user("stranger", tenant, ["Supervisor"])
    run = _job(tenant, State.RUNNING)
    client = Client()
    client.force_login(stranger)
    response = client.post(f"/jobs/{run.pk}/cancel/")
    assert response.status_code == 400
    assert "jobs.runs.manage" in response.content.decode()  # the error summary says why
    assert "Cancel job" not in client.get(f"/jobs/{run.pk}/").content.decode()  # not offered
    run.refresh_from_db()
    assert not run.cancel_requested


def test_cancel_asks_on_the_one_confirmation_page_first(browser, tenant):
    run = _job(tenant, State.RUNNING, started_at=timezone.now())
    detail = browser.get(f"/jobs/{run.pk}/").content.decode()
    assert f'href="/jobs/{run.pk}/cancel/"' in detail and "confirm(" not in detail
    page = browser.get(f"/jobs/{run.pk}/cancel/").content.decode()
    assert f"Are you sure you want to cancel job {run.pk}?" in page
    assert 'data-testid="confirm-tenant"' in page
    run.refresh_from_db()
    assert not run.cancel_requested  # asking changes nothing
    ended = _job(tenant, State.SUCCEEDED)
    response = browser.post(f"/jobs/{ended.pk}/cancel/")
    assert response.status_code == 400
    assert f"Job {ended.pk} already ended (succeeded)." in response.content.decode()


def test_downloads_are_attachments_and_tenant_checked(browser, tenant, other_tenant):
    from csadmin.jobs.files import store

    mine, theirs = _job(tenant), _job(other_tenant)
    for run in (mine, theirs):
        JobFile.objects.create(job=run, name="out.csv", size=store(run.pk, "out.csv", b"a"))
    response = browser.get(f"/jobs/{mine.pk}/files/out.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="out.csv"'
    assert browser.get(f"/jobs/{theirs.pk}/files/out.csv").status_code == 404
    assert browser.get(f"/jobs/{theirs.pk}/").status_code == 404
    assert browser.get(f"/jobs/{mine.pk}/files/..%2Fout.csv").status_code == 404


def test_pages_need_jobs_runs_view(tenant):
    agent = make_user("agent", tenant, ["Agent Application"])
    run = _job(tenant)
    client = Client()
    client.force_login(agent)
    assert client.get("/jobs/").status_code == 403
    assert client.get(f"/jobs/{run.pk}/").status_code == 403
    assert client.post(f"/jobs/{run.pk}/retry/").status_code == 403


def test_a_job_page_shows_the_latest_log_lines(browser, tenant):
    run = _job(tenant)
    JobLog.objects.bulk_create(JobLog(job=run, message=f"line {n:04}") for n in range(600))
    html = browser.get(f"/jobs/{run.pk}/").content.decode()
    assert "line 0599" in html and "line 0100" in html
    assert "line 0099" not in html


def test_the_plugins_page_lists_each_plugins_jobs(browser):
    html = browser.get("/administration/plugins/").content.decode()
    sample = html.split('data-plugin="sample"')[1].split("</section>")[0]
    assert "<code>sample.count_notes</code>" in sample


def test_a_run_that_skipped_bad_rows_has_its_own_badge_with_the_count(browser, tenant):
    partial = _job(tenant, counts={"services": 7, "errors": 3})
    clean = _job(tenant, counts={"services": 7, "errors": 0})
    failed = _job(tenant, State.FAILED, counts={"errors": 2})
    listed = browser.get("/jobs/").content.decode()
    assert (
        '<span class="badge job-badge job-succeeded-with-errors" '
        'data-outcome="succeeded-with-errors">succeeded with 3 bad rows</span>'
    ) in listed
    assert '<span class="badge job-badge job-succeeded" data-outcome="succeeded">' in listed
    assert '<span class="badge job-badge job-failed" data-outcome="failed">failed</span>' in listed
    page = browser.get(f"/jobs/{partial.pk}/").content.decode()
    assert 'data-testid="job-state">succeeded with 3 bad rows</span>' in page
    assert (
        'data-testid="job-state">succeeded</span>'
        in browser.get(f"/jobs/{clean.pk}/").content.decode()
    )
    assert (
        'data-testid="job-state">failed</span>'
        in browser.get(f"/jobs/{failed.pk}/").content.decode()
    )


def test_a_run_shows_its_declared_arguments_labelled_and_a_dry_run_is_marked(browser, tenant):
    purge = _job(
        tenant,
        kind="maintenance.purge",
        plugin="maintenance",
        arguments={
            "operation": "purge.service.all",
            "limit": "2020-01-01T00:00:00+00:00",
            "dry_run": True,
        },
    )
    imported = _job(
        tenant,
        kind="maintenance.import",
        plugin="maintenance",
        arguments={"upload": "secret-token", "name": "services.json"},
    )
    page = browser.get(f"/jobs/{purge.pk}/").content.decode()
    assert 'data-testid="job-dry-run">dry run</span>' in page
    assert "<dt>operation</dt><dd><code>purge.service.all</code></dd>" in page
    assert "<dt>cutoff</dt><dd><code>2020-01-01T00:00:00+00:00</code></dd>" in page  # its title
    assert "<dt>dry run</dt><dd><code>yes</code></dd>" in page
    listed = browser.get("/jobs/").content.decode()
    purge_row = listed.split(f'data-job="{purge.pk}"')[1].split("</tr>")[0]
    assert "dry run</span>" in purge_row and "cutoff: <code>2020-01-01T00:00:00+00:00" in purge_row
    import_row = listed.split(f'data-job="{imported.pk}"')[1].split("</tr>")[0]
    assert "file name: <code>services.json</code>" in import_row
    assert "dry run" not in import_row
    import_page = browser.get(f"/jobs/{imported.pk}/").content.decode()
    assert "secret-token" not in import_page + import_row  # declared not shown
    assert "<dt>file name</dt><dd><code>services.json</code></dd>" in import_page


def test_retry_is_a_secondary_action_of_failed_and_cancelled_runs_only(browser, tenant):
    for state in (State.FAILED, State.CANCELLED):
        page = browser.get(f"/jobs/{_job(tenant, state).pk}/").content.decode()
        assert '<button class="btn" type="submit" data-testid="job-retry">Retry</button>' in page
        assert "btn-primary" not in page.split('<div class="actions">')[1]
    succeeded = browser.get(f"/jobs/{_job(tenant, State.SUCCEEDED).pk}/").content.decode()
    assert "job-retry" not in succeeded and ">Retry<" not in succeeded
