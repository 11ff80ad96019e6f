"""The @job decorator and the handle, run eagerly in the test process."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from csadmin.jobs import MAX_DELIVERIES, JobHandle, enqueue_job, job
from csadmin.jobs import runtime as jobs_runtime
from csadmin.jobs.models import JobFile, JobLog, JobRun
from csadmin.pluginlib import ValidationFailed
from csadmin.pluginlib.registry import registry
from tests.jobs import jobs_for_tests

State = JobRun.State


def test_sample_job_runs_with_progress_counts_log_and_file(tenant, admin, notes, run_job):
    run = run_job(tenant=tenant, actor=admin, arguments={"batch": 2})

    assert run.state == State.SUCCEEDED
    assert (run.done, run.total) == (5, 5)
    assert run.counts == {"notes": 5}
    assert run.attempts == 1
    assert run.plugin == "sample"
    assert run.created_by == "root" and run.created_by_user == admin
    assert run.started_at and run.finished_at and run.finished_at >= run.started_at
    assert run.error == ""
    messages = list(run.log_lines.values_list("level", "message"))
    assert messages == [
        ("info", "Counting 5 notes in batches of 2."),
        ("info", "Counted 5 notes."),
    ]
    stored = JobFile.objects.get(job=run)
    assert stored.name == "notes.txt"
    with stored.open() as opened:
        assert opened.read() == b"note 0\nnote 1\nnote 2\nnote 3\nnote 4"
    assert stored.size == len(b"note 0\nnote 1\nnote 2\nnote 3\nnote 4")


def test_a_job_registers_with_the_registry_under_its_plugin():
    assert registry.jobs()["sample.count_notes"] == "sample"
    assert "sample.count_notes" in registry.jobs_of("sample")


def test_decorator_defaults_the_kind_to_module_and_function():
    @job
    def unnamed(handle):
        pass

    assert unnamed.name == f"{__name__}.unnamed"
    assert unnamed.acks_late is True
    assert unnamed.reject_on_worker_lost is True
    assert registry.jobs()[unnamed.name] == "core"


def test_unknown_kind_is_refused_naming_the_field(tenant, admin):
    with pytest.raises(ValidationFailed) as refused:
        enqueue_job(tenant=tenant, kind="nope.nothing", arguments={}, actor=admin)
    assert refused.value.errors == {"kind": ["nope.nothing is not a registered job"]}
    assert not JobRun.objects.exists()


@pytest.mark.parametrize("arguments", [[1, 2], {"when": timezone.now()}, "text"])
def test_arguments_must_be_a_json_object(tenant, admin, arguments):
    with pytest.raises(ValidationFailed) as refused:
        enqueue_job(tenant=tenant, kind="sample.count_notes", arguments=arguments, actor=admin)
    assert list(refused.value.errors) == ["arguments"]
    assert not JobRun.objects.exists()


def test_enqueue_waits_for_the_commit(tenant, admin, notes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = enqueue_job(tenant=tenant, kind="sample.count_notes", arguments={}, actor=admin)
    assert run.state == State.QUEUED
    assert len(callbacks) == 1
    callbacks[0]()
    run.refresh_from_db()
    assert run.state == State.SUCCEEDED


def test_a_failing_body_ends_failed_with_its_error(tenant, admin, notes, run_job):
    run = run_job(tenant=tenant, actor=admin, arguments={"batch": 1, "fail_after": 2})

    assert run.state == State.FAILED
    assert run.error == "RuntimeError: asked to fail after 2 notes"
    assert run.counts == {"notes": 2}
    assert run.log_lines.filter(level="error", message=run.error).exists()
    assert run.finished_at is not None


def test_cancel_during_the_run_ends_cancelled_at_the_next_check(tenant, admin, run_job):
    run = run_job(tenant=tenant, actor=admin, kind=jobs_for_tests.self_cancelling)

    assert run.state == State.CANCELLED
    assert run.cancel_requested
    assert (run.done, run.total) == (1, 3)  # stopped before the last batch
    assert run.log_lines.filter(message="Cancelled.").exists()


def test_progress_writes_are_throttled(tenant, admin, run_job):
    with CaptureQueriesContext(connection) as queries:
        run = run_job(tenant=tenant, actor=admin, kind=jobs_for_tests.chatty)
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "jobs_jobrun"')]
    # start + at most a couple of throttled writes + finish, not 2000 writes
    assert len(updates) <= 5
    assert run.state == State.SUCCEEDED
    assert (run.done, run.total, run.counts) == (1000, 1000, {"items": 1000})


def _running(tenant, **fields) -> JobRun:
    now = timezone.now()
    defaults = {"started_at": now, "heartbeat_at": now, "attempts": 1}
    return JobRun.objects.create(
        tenant=tenant, kind="tests.recorder", state=State.RUNNING, **{**defaults, **fields}
    )


def test_progress_is_written_first_then_at_most_every_half_second(tenant, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(jobs_runtime.time, "monotonic", lambda: clock[0])
    run = _running(tenant)
    handle = JobHandle(run)

    handle.progress(1, 10)
    assert JobRun.objects.get(pk=run.pk).done == 1
    clock[0] += 0.2
    handle.progress(2)
    assert JobRun.objects.get(pk=run.pk).done == 1  # held back
    assert handle.due_for_flush() is False
    clock[0] += 0.4
    assert handle.due_for_flush() is True  # the heartbeat thread would write it now
    handle.progress(3)
    assert (JobRun.objects.get(pk=run.pk).done, JobRun.objects.get(pk=run.pk).total) == (3, 10)


def test_heartbeat_is_due_every_two_seconds_even_without_news(tenant, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(jobs_runtime.time, "monotonic", lambda: clock[0])
    run = _running(tenant, heartbeat_at=timezone.now() - timedelta(minutes=1))
    handle = JobHandle(run)
    handle.flush()
    clock[0] += 1.9
    assert handle.due_for_flush() is False
    clock[0] += 0.2
    assert handle.due_for_flush() is True
    before = JobRun.objects.get(pk=run.pk).heartbeat_at
    handle.flush()
    assert JobRun.objects.get(pk=run.pk).heartbeat_at >= before


def test_heartbeat_thread_writes_while_the_body_is_busy(transactional_db, tenant, monkeypatch):
    monkeypatch.setattr(jobs_runtime, "FLUSH_MAX_SECONDS", 0.1)
    monkeypatch.setattr(jobs_runtime, "FLUSH_MIN_SECONDS", 0.05)
    run = _running(tenant, heartbeat_at=timezone.now() - timedelta(minutes=10))
    handle = JobHandle(run)
    thread = jobs_runtime.Heartbeat(handle)
    thread.start()
    try:
        deadline = timezone.now() + timedelta(seconds=5)
        while timezone.now() < deadline:
            if JobRun.objects.get(pk=run.pk).heartbeat_at > timezone.now() - timedelta(seconds=5):
                break
    finally:
        thread.stop()
    assert JobRun.objects.get(pk=run.pk).heartbeat_at > timezone.now() - timedelta(seconds=5)
    assert not thread.is_alive()


def test_log_levels_are_normalised_and_lines_capped(tenant, monkeypatch):
    monkeypatch.setattr(jobs_runtime, "MAX_LOG_LINES", 3)
    handle = JobHandle(_running(tenant))
    handle.log("WARNING", "careful")
    handle.log("shout", "x" * 5000)
    for n in range(5):
        handle.log("info", f"line {n}")
    lines = list(JobLog.objects.filter(job_id=handle.job_id).values_list("level", "message"))
    assert lines[0] == ("warning", "careful")
    assert lines[1] == ("info", "x" * 2000)
    assert lines[-1] == ("warning", "Further log lines were left out.")
    assert len(lines) == 4


def test_files_from_bytes_path_and_file_object(tenant, tmp_path, media_root):
    handle = JobHandle(_running(tenant))
    source = tmp_path / "source.csv"
    source.write_bytes(b"a,b\n1,2\n")
    handle.add_file("from-bytes.json", b"[]")
    handle.add_file("from_path.csv", source)
    handle.add_file("from-object.ndjson", io.BytesIO(b"{}\n"))
    with handle.open_file("streamed.csv", "w", encoding="utf-8") as out:
        out.write("x,y\n")
    folder = media_root / "jobs" / str(handle.job_id)
    assert sorted(p.name for p in folder.iterdir()) == [
        "from-bytes.json",
        "from-object.ndjson",
        "from_path.csv",
        "streamed.csv",
    ]
    assert (folder / "from_path.csv").read_bytes() == b"a,b\n1,2\n"
    sizes = dict(JobFile.objects.filter(job_id=handle.job_id).values_list("name", "size"))
    assert sizes == {
        "from-bytes.json": 2,
        "from_path.csv": 8,
        "from-object.ndjson": 3,
        "streamed.csv": 4,
    }
    handle.add_file("from-bytes.json", b"[1]")  # same name replaces
    assert JobFile.objects.get(job_id=handle.job_id, name="from-bytes.json").size == 3


@pytest.mark.parametrize(
    "name",
    [
        "../escape.txt",
        "a/b.txt",
        "..",
        ".env",
        "",
        "x" * 101,
        "a..b",
        "/etc/passwd",
        "c:\\x",
        "é.txt",
        "a.txt\n",
    ],
)
def test_file_names_outside_the_pattern_are_refused(tenant, name, media_root):
    handle = JobHandle(_running(tenant))
    with pytest.raises(ValidationFailed) as refused:
        handle.add_file(name, b"x")
    assert list(refused.value.errors) == ["name"]
    assert not JobFile.objects.exists()
    assert not (media_root / "escape.txt").exists()


def test_a_run_sent_again_counts_the_attempt_and_starts_its_progress_over(tenant, admin):
    # The reaper queued it again after its first attempt's worker died.
    run = _running(tenant, attempts=1, done=3, counts={"x": 1}, created_by_user=admin)
    JobRun.objects.filter(pk=run.pk).update(state=State.QUEUED)
    jobs_for_tests.recorder.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.state == State.SUCCEEDED
    assert run.attempts == 2
    assert run.done == 0
    assert run.counts == {"x": 1}  # the body reported no counts of its own: earlier ones stay
    assert run.log_lines.filter(
        level="warning", message__startswith="Delivered again (attempt 2 of 3)"
    ).exists()


def test_a_second_message_for_a_running_job_is_dropped(tenant):
    jobs_for_tests.CALLS.clear()
    run = _running(tenant, attempts=1, done=3)
    jobs_for_tests.recorder.apply(args=[run.pk])
    run.refresh_from_db()
    assert (run.state, run.attempts, run.done) == (State.RUNNING, 1, 3)
    assert jobs_for_tests.CALLS == []


def test_two_messages_of_one_queued_job_run_it_once(tenant, admin):
    jobs_for_tests.CALLS.clear()
    run = JobRun.objects.create(tenant=tenant, kind="tests.recorder", created_by_user=admin)
    jobs_for_tests.recorder.apply(args=[run.pk])
    jobs_for_tests.recorder.apply(args=[run.pk])
    run.refresh_from_db()
    assert (run.state, run.attempts) == (State.SUCCEEDED, 1)
    assert [run.pk] == jobs_for_tests.CALLS


def test_a_run_out_of_attempts_is_failed_without_running_it(tenant):
    jobs_for_tests.CALLS.clear()
    run = _running(tenant, attempts=MAX_DELIVERIES)
    JobRun.objects.filter(pk=run.pk).update(state=State.QUEUED)
    jobs_for_tests.recorder.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.state == State.FAILED
    assert run.attempts == MAX_DELIVERIES
    assert run.error.startswith("Stopped after 3 attempts")
    assert jobs_for_tests.CALLS == []


def _requeued_by_the_reaper(run) -> None:
    """What the reaper does to a run whose worker went silent: the next attempt claims it."""
    JobRun.objects.filter(pk=run.pk).update(state=State.QUEUED)
    jobs_runtime.start_run(run.pk)


def test_an_attempt_that_lost_its_claim_writes_nothing_and_stops(tenant):
    run = _running(tenant, attempts=1)
    stale = JobHandle(run)
    _requeued_by_the_reaper(run)  # attempt 2 now owns the run
    stale.progress(7, 10)
    stale.flush()
    assert JobRun.objects.get(pk=run.pk).done == 0  # attempt 2's progress, untouched
    with pytest.raises(jobs_runtime.ClaimLost):
        stale.check_cancelled()
    stale.log("info", "late news")  # known lost: not logged
    assert not run.log_lines.filter(message="late news").exists()


def test_a_batch_of_an_attempt_that_lost_its_claim_is_rolled_back(tenant):
    from tests.sample_plugin.models import Note

    run = _running(tenant, attempts=1)
    stale = JobHandle(run)
    _requeued_by_the_reaper(run)

    def work():
        Note.objects.create(tenant=tenant, text="written by the old attempt")
        return {"notes": 1}

    with pytest.raises(jobs_runtime.ClaimLost):
        stale.counted(work)
    assert not Note.objects.filter(text="written by the old attempt").exists()
    assert JobRun.objects.get(pk=run.pk).counts == {}


def test_counted_work_and_its_counts_are_written_together(tenant):
    run = _running(tenant, attempts=2, counts={"notes": 5})
    handle = JobHandle(run)
    assert handle.earlier_counts == {"notes": 5}
    handle.set_counts(**handle.earlier_counts)
    assert handle.counted(lambda: {"notes": 3}) == {"notes": 3}
    # written at once, not at the next throttled flush
    assert JobRun.objects.get(pk=run.pk).counts == {"notes": 8}
    assert handle.counts == {"notes": 8}


def test_an_attempt_that_lost_its_claim_does_not_finish_the_run(tenant):
    run = JobRun.objects.create(tenant=tenant, kind="tests.recorder")

    def overtaken(handle):
        _requeued_by_the_reaper(run)  # attempt 2 claims it while attempt 1 still runs
        handle.check_cancelled()

    jobs_runtime.execute(run.pk, overtaken, in_worker=False)
    run.refresh_from_db()
    assert (run.state, run.attempts, run.finished_at) == (State.RUNNING, 2, None)


@pytest.mark.parametrize("state", [State.SUCCEEDED, State.FAILED, State.CANCELLED])
def test_a_delivery_of_an_ended_job_does_nothing(tenant, state):
    jobs_for_tests.CALLS.clear()
    run = JobRun.objects.create(tenant=tenant, kind="tests.recorder", state=state, attempts=1)
    jobs_for_tests.recorder.apply(args=[run.pk])
    run.refresh_from_db()
    assert (run.state, run.attempts) == (state, 1)
    assert jobs_for_tests.CALLS == []


def test_a_delivery_of_a_deleted_job_does_nothing(db):
    jobs_for_tests.CALLS.clear()
    jobs_for_tests.recorder.apply(args=[999_999])
    assert jobs_for_tests.CALLS == []


def test_a_run_the_reaper_ended_is_not_overwritten_by_a_late_finish(tenant, monkeypatch):
    run = JobRun.objects.create(tenant=tenant, kind="tests.recorder")

    def reaped_meanwhile(handle):
        JobRun.objects.filter(pk=handle.job_id).update(state=State.FAILED, error="reaped")

    jobs_runtime.execute(run.pk, reaped_meanwhile, in_worker=False)
    run.refresh_from_db()
    assert (run.state, run.error) == (State.FAILED, "reaped")
