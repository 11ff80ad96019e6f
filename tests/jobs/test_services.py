"""Cancel, retry, who may do them, the reaper (jobs sent again or failed), and a broker that
cannot be reached."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from csadmin.celery import app
from csadmin.jobs import cancel_job, enqueue_job, reap_stale_jobs, retry_job
from csadmin.jobs.models import JobRun
from csadmin.jobs.tasks import REAPER_TASK, reap_stale_jobs_task
from csadmin.pluginlib import ConflictError, NotFoundError, Refused, ServiceUnavailable
from csadmin.testing import make_user
from tests.jobs import jobs_for_tests

State = JobRun.State


def _job(tenant, state=State.QUEUED, **fields) -> JobRun:
    return JobRun.objects.create(
        tenant=tenant, kind="sample.count_notes", state=state, arguments={"batch": 3}, **fields
    )


# -- cancel ------------------------------------------------------------------------------------
def test_cancelling_a_queued_job_ends_it_and_it_never_runs(
    tenant, admin, django_capture_on_commit_callbacks
):
    jobs_for_tests.CALLS.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = enqueue_job(tenant=tenant, kind="tests.recorder", arguments={}, actor=admin)
    cancel_job(tenant=tenant, job_id=run.pk, actor=admin)
    callbacks[0]()  # the message arrives after the cancel
    run.refresh_from_db()
    assert run.state == State.CANCELLED
    assert run.attempts == 0
    assert jobs_for_tests.CALLS == []


def test_cancelling_a_running_job_asks_it_to_stop(tenant, admin):
    run = _job(tenant, State.RUNNING, created_by_user=admin)
    cancelled = cancel_job(tenant=tenant, job_id=run.pk, actor=admin)
    assert cancelled.state == State.RUNNING and cancelled.cancel_requested
    assert run.log_lines.filter(message="Cancel requested by root.").exists()


@pytest.mark.parametrize("state", [State.SUCCEEDED, State.FAILED, State.CANCELLED])
def test_an_ended_job_cannot_be_cancelled(tenant, admin, state):
    run = _job(tenant, state)
    with pytest.raises(ConflictError) as refused:
        cancel_job(tenant=tenant, job_id=run.pk, actor=admin)
    assert list(refused.value.errors) == ["state"]


def test_another_tenants_job_is_not_found(tenant, other_tenant, admin):
    run = _job(other_tenant)
    with pytest.raises(NotFoundError):
        cancel_job(tenant=tenant, job_id=run.pk, actor=admin)
    with pytest.raises(NotFoundError):
        retry_job(tenant=tenant, job_id=run.pk, actor=admin)
    run.refresh_from_db()
    assert run.state == State.QUEUED and not run.cancel_requested


# -- who may cancel and retry ------------------------------------------------------------------
def test_owner_may_cancel_without_the_manage_privilege(tenant):
    owner = make_user("owner", tenant, ["Supervisor"])  # reads everything, manages nothing
    run = _job(tenant, created_by_user=owner, created_by="owner")
    assert cancel_job(tenant=tenant, job_id=run.pk, actor=owner).state == State.CANCELLED


def test_someone_else_without_manage_may_not_cancel_or_retry(tenant, admin):
    stranger = make_user("stranger", tenant, ["Supervisor"])
    running = _job(tenant, State.RUNNING, created_by_user=admin)
    ended = _job(tenant, State.FAILED, created_by_user=admin)
    with pytest.raises(Refused) as refused:
        cancel_job(tenant=tenant, job_id=running.pk, actor=stranger)
    assert "jobs.runs.manage" in refused.value.message
    with pytest.raises(Refused):
        retry_job(tenant=tenant, job_id=ended.pk, actor=stranger)
    running.refresh_from_db()
    assert not running.cancel_requested
    assert JobRun.objects.count() == 2


@pytest.mark.parametrize("role", ["Administrator", "Maintenance Operator"])
def test_holders_of_manage_may_cancel_anyones_job(tenant, role):
    owner = make_user("owner", tenant, ["Supervisor"])
    manager = make_user("manager", tenant, [role])
    run = _job(tenant, State.RUNNING, created_by_user=owner)
    assert cancel_job(tenant=tenant, job_id=run.pk, actor=manager).cancel_requested


# -- retry -------------------------------------------------------------------------------------
def test_retry_runs_a_new_job_with_the_same_arguments(
    tenant, admin, notes, django_capture_on_commit_callbacks
):
    failed = _job(tenant, State.FAILED, error="boom")
    with django_capture_on_commit_callbacks(execute=True):
        again = retry_job(tenant=tenant, job_id=failed.pk, actor=admin)
    again.refresh_from_db()
    assert again.pk != failed.pk
    assert again.retry_of == failed
    assert again.arguments == {"batch": 3}
    assert again.kind == failed.kind
    assert again.state == State.SUCCEEDED and again.counts == {"notes": 5}
    failed.refresh_from_db()
    assert (failed.state, failed.error) == (State.FAILED, "boom")


def test_a_running_job_cannot_be_retried(tenant, admin):
    run = _job(tenant, State.RUNNING)
    with pytest.raises(ConflictError) as refused:
        retry_job(tenant=tenant, job_id=run.pk, actor=admin)
    assert list(refused.value.errors) == ["state"]
    assert JobRun.objects.count() == 1


def test_retrying_a_queued_job_sends_it_again_and_it_still_runs_once(
    tenant, admin, django_capture_on_commit_callbacks
):
    jobs_for_tests.CALLS.clear()
    with django_capture_on_commit_callbacks(execute=False) as first:
        run = enqueue_job(tenant=tenant, kind="tests.recorder", arguments={}, actor=admin)
    with django_capture_on_commit_callbacks(execute=False) as again:
        same = retry_job(tenant=tenant, job_id=run.pk, actor=admin)
    assert same.pk == run.pk and same.state == State.QUEUED
    assert same.sends == 2 and same.sent_at is not None
    assert same.log_lines.filter(message="Sent again by root.").exists()
    assert JobRun.objects.count() == 1
    again[0]()  # the new message arrives first and runs the job ...
    first[0]()  # ... the original one, found late, is dropped
    run.refresh_from_db()
    assert (run.state, run.attempts) == (State.SUCCEEDED, 1)
    assert [run.pk] == jobs_for_tests.CALLS


# -- the reaper --------------------------------------------------------------------------------
def test_the_reaper_sends_a_job_whose_worker_died_again(
    tenant, notes, django_capture_on_commit_callbacks
):
    now = timezone.now()
    stale = _job(
        tenant,
        State.RUNNING,
        started_at=now,
        heartbeat_at=now - timedelta(minutes=6),
        attempts=1,
        counts={"notes": 2},
    )
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert reap_stale_jobs(now=now) == 1
    stale.refresh_from_db()
    assert (stale.state, stale.sends, stale.sent_at, stale.error) == (State.QUEUED, 1, now, "")
    assert stale.log_lines.filter(
        level="warning",
        message="The worker running this job stopped answering (no heartbeat for 5 minutes); "
        "sent again for attempt 2 of 3.",
    ).exists()
    assert len(sent) == 1
    sent[0]()  # a worker takes the new message
    stale.refresh_from_db()
    assert (stale.state, stale.attempts, stale.counts) == (State.SUCCEEDED, 2, {"notes": 5})


def test_the_reaper_fails_a_stale_job_whose_kind_is_gone(tenant):
    now = timezone.now()
    stale = _job(tenant, State.RUNNING, started_at=now, heartbeat_at=now - timedelta(minutes=6))
    JobRun.objects.filter(pk=stale.pk).update(kind="removed.plugin_job", attempts=1)
    assert reap_stale_jobs(now=now) == 1
    stale.refresh_from_db()
    assert stale.state == State.FAILED
    assert stale.error == (
        "It cannot be sent again: its job kind removed.plugin_job is no longer installed."
    )


def test_the_reaper_fails_a_stale_job_out_of_attempts(tenant):
    now = timezone.now()
    stale = _job(tenant, State.RUNNING, started_at=now, heartbeat_at=now - timedelta(minutes=6))
    JobRun.objects.filter(pk=stale.pk).update(attempts=3)
    assert reap_stale_jobs(now=now) == 1
    stale.refresh_from_db()
    assert stale.state == State.FAILED
    assert stale.error == (
        "The worker running this job stopped answering (no heartbeat for 5 minutes), "
        "after 3 attempts."
    )
    assert stale.finished_at == now
    assert stale.log_lines.filter(level="error").exists()


def test_the_reaper_leaves_live_young_and_ended_jobs_alone(tenant):
    now = timezone.now()
    alive = _job(tenant, State.RUNNING, started_at=now, heartbeat_at=now - timedelta(minutes=4))
    young = _job(tenant, State.QUEUED, created_at=now - timedelta(minutes=9))
    done = _job(tenant, State.SUCCEEDED, heartbeat_at=now - timedelta(hours=1))
    assert reap_stale_jobs(now=now) == 0
    for untouched, state in (
        (alive, State.RUNNING),
        (young, State.QUEUED),
        (done, State.SUCCEEDED),
    ):
        untouched.refresh_from_db()
        assert untouched.state == state and untouched.sends == 1
        assert not untouched.log_lines.exists()


def test_the_reaper_sends_a_queued_job_whose_message_was_lost_again(
    tenant, django_capture_on_commit_callbacks
):
    now = timezone.now()
    lost = _job(tenant, State.QUEUED, created_at=now - timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert reap_stale_jobs(now=now) == 1
    lost.refresh_from_db()
    assert (lost.state, lost.sends, lost.sent_at) == (State.QUEUED, 2, now)
    assert lost.log_lines.filter(message__endswith="sent again (2 of 3 sends).").exists()
    assert len(sent) == 1
    # not again before another timeout since this send
    assert reap_stale_jobs(now=now + timedelta(minutes=9)) == 0


def test_the_reaper_fails_a_queued_job_sent_too_often(tenant):
    now = timezone.now()
    lost = _job(tenant, State.QUEUED, sends=3, sent_at=now - timedelta(minutes=11))
    assert reap_stale_jobs(now=now) == 1
    lost.refresh_from_db()
    assert lost.state == State.FAILED
    assert lost.error == (
        "No worker took this job: sent 3 times, 10 minutes apart. Are workers reading the "
        "queue 'celery'?"
    )


def test_a_queued_job_waiting_behind_others_is_not_sent_again(tenant, monkeypatch):
    from csadmin.jobs import services as jobs_services

    monkeypatch.setattr(jobs_services, "messages_waiting", lambda: 4)  # the queue is busy
    now = timezone.now()
    waiting = _job(tenant, State.QUEUED, created_at=now - timedelta(hours=3))
    assert reap_stale_jobs(now=now) == 0
    waiting.refresh_from_db()
    assert (waiting.state, waiting.sends) == (State.QUEUED, 1)


def test_the_queued_timeout_is_a_setting(tenant, settings):
    settings.CSADMIN_JOBS_QUEUED_TIMEOUT = 3600
    now = timezone.now()
    waiting = _job(tenant, State.QUEUED, created_at=now - timedelta(minutes=30))
    assert reap_stale_jobs(now=now) == 0
    assert reap_stale_jobs(now=now + timedelta(minutes=31)) == 1
    waiting.refresh_from_db()
    assert waiting.sends == 2


def test_the_reaper_runs_every_minute_through_beat(tenant):
    assert settings.CELERY_BEAT_SCHEDULE["jobs-reaper"] == {
        "task": REAPER_TASK,
        "schedule": 60.0,
    }
    assert REAPER_TASK in app.tasks
    old = timezone.now() - timedelta(minutes=10)
    stale = _job(tenant, State.RUNNING, started_at=old, heartbeat_at=old, attempts=3)
    assert reap_stale_jobs_task.apply().get() == 1
    stale.refresh_from_db()
    assert stale.state == State.FAILED


# -- the broker is down ------------------------------------------------------------------------
@pytest.fixture
def broker_down():
    """Not eager, and the broker's address answers nothing."""
    changed = {
        "task_always_eager": False,
        "broker_url": "redis://127.0.0.1:1/0",
        "broker_write_url": None,
    }
    saved = {key: app.conf[key] for key in changed}
    app.conf.update(changed)
    yield
    app.conf.update(saved)


def test_enqueue_answers_503_and_writes_nothing_when_the_broker_is_down(tenant, admin, broker_down):
    with pytest.raises(ServiceUnavailable) as refused:
        enqueue_job(tenant=tenant, kind="sample.count_notes", arguments={}, actor=admin)
    assert refused.value.status_code == 503
    assert "cannot be reached" in refused.value.message
    assert not JobRun.objects.exists()


def test_a_send_that_fails_after_commit_marks_the_job_failed(
    tenant, admin, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(jobs_for_tests.recorder, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        run = enqueue_job(tenant=tenant, kind="tests.recorder", arguments={}, actor=admin)
    run.refresh_from_db()
    assert run.state == State.FAILED
    assert run.error == "The job queue cannot be reached right now; try again later."
    assert run.finished_at is not None


def test_a_system_job_without_an_actor(tenant, notes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run = enqueue_job(tenant=tenant, kind="sample.count_notes", arguments={}, actor=None)
    run.refresh_from_db()
    assert (run.created_by, run.created_by_user, run.state) == ("system", None, State.SUCCEEDED)
