"""On PostgreSQL and Redis with a real worker: a full-content import (services with their
states and tasks nested) killed with kill -9 mid-way and sent again leaves exact counts, every
service with all its states and tasks, nothing twice; it goes in through COPY."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from csadmin.jobs import reap_stale_jobs
from csadmin.jobs.models import JobRun
from csadmin.testing import require_service, uses_postgresql
from plugins.maintenance.importing import run_import
from plugins.maintenance.reporting import QuietReporter
from plugins.maintenance.services import start_import
from plugins.maintenance.uploads import keep_local_file
from plugins.services.bulk import loading as service_writes
from plugins.services.models import Service, State, Task
from tests.jobs.test_worker import database_url, wait_for, worker  # noqa: F401

pytestmark = pytest.mark.services
STATES, TASKS = 3, 2


def _event(at: str, **data) -> dict:
    return {"timestamp": at, **data}


def full_services_ndjson(path, count: int, prefix: str = "full") -> None:
    """`count` completed services as the stream writes them, each with 3 states, 2 tasks."""
    start, end = "2026-01-01T00:00:00.000Z", "2026-01-01T00:05:00.000Z"
    common = {"est_duration": None, "disposition": None, "disposition_desc": None}
    with open(path, "w") as out:
        for n in range(count):
            states = [
                {
                    "state_id": s,
                    "state_type": "Browse",
                    **common,
                    "started": _event(start, page=s),
                    "completed": _event(end),
                    "duration": 300000,
                }
                for s in range(1, STATES + 1)
            ]
            tasks = [
                {
                    "task_id": t,
                    "task_type": "Call",
                    "state_id": 1,
                    **common,
                    "started": _event(start),
                    "completed": _event(end, result="ok"),
                    "duration": 300000,
                }
                for t in range(1, TASKS + 1)
            ]
            row = {
                "service_id": f"{prefix}-{n:07d}",
                "service_type": "Sales",
                "customer_id": f"c{n % 97}",
                "contact_key": None,
                **common,
                "started": _event(start, n=n),
                "completed": _event(end),
                "duration": 300000,
                "active_states": [],
                "completed_states": states,
                "active_tasks": [],
                "completed_tasks": tasks,
            }
            out.write(json.dumps(row) + "\n")


def counts_of(tenant) -> tuple[int, int, int]:
    return (
        Service.objects.filter(tenant=tenant).count(),
        State.objects.filter(service__tenant=tenant).count(),
        Task.objects.filter(service__tenant=tenant).count(),
    )


def services_missing_children(tenant) -> int:
    return (
        Service.objects.filter(tenant=tenant)
        .annotate(
            state_count=Count("states", distinct=True),
            task_count=Count("tasks", distinct=True),
        )
        .filter(~Q(state_count=STATES) | ~Q(task_count=TASKS))
        .count()
    )


def test_a_full_content_import_goes_in_through_copy(tenant, tmp_path, monkeypatch, db):
    require_service(uses_postgresql(), "PostgreSQL")
    copied = []
    real = service_writes._copy_rows
    monkeypatch.setattr(
        service_writes,
        "_copy_rows",
        lambda model, rows: copied.append((model.__name__, len(rows))) or real(model, rows),
    )
    full_services_ndjson(tmp_path / "full.ndjson", 500)
    with open(tmp_path / "errors.csv", "w") as errors:
        counts = run_import(
            tenant=tenant,
            source=tmp_path / "full.ndjson",
            reporter=QuietReporter(),
            errors_out=errors,
            batch=200,
        )
    assert (counts["services"], counts["states"], counts["tasks"]) == (500, 1500, 1000)
    assert copied[:3] == [("Service", 200), ("State", 600), ("Task", 400)]
    assert counts_of(tenant) == (500, 1500, 1000)


def test_a_worker_killed_mid_full_content_import_leaves_exact_counts(
    worker,  # noqa: F811
    tenant,
    admin,
    tmp_path,
):
    total = 6000
    source = tmp_path / "full.ndjson"
    full_services_ndjson(source, total)
    token = keep_local_file(source)
    run = start_import(tenant=tenant, token=token, name="full.ndjson", max_errors=None, actor=admin)
    JobRun.objects.filter(pk=run.pk).update(arguments={**run.arguments, "batch": 100})
    wait_for(
        lambda: Service.objects.filter(tenant=tenant).count() >= 800,
        timeout=90,
        what="the import to commit some batches",
        worker=worker,
    )
    worker.kill()
    committed = counts_of(tenant)
    assert 0 < committed[0] < total, "kill the worker mid-import"
    # a batch is whole: every committed service has all its states and tasks
    assert committed == (committed[0], committed[0] * STATES, committed[0] * TASKS)
    assert reap_stale_jobs(now=timezone.now() + timedelta(minutes=6)) == 1  # sent again
    worker.start()
    final = wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state__in=JobRun.FINISHED).first(),
        timeout=180,
        what="the redelivered import to end",
        worker=worker,
    )
    assert final.state == "succeeded", final.error
    assert final.attempts == 2
    assert counts_of(tenant) == (total, total * STATES, total * TASKS)
    assert services_missing_children(tenant) == 0
    # the second attempt skipped what the first had committed, and added the rest
    left = total - committed[0]
    assert (final.counts["services"], final.counts["states"], final.counts["tasks"]) == (
        left,
        left * STATES,
        left * TASKS,
    )
    assert final.counts["skipped"] == committed[0] * (1 + STATES + TASKS)
    # running it again adds nothing
    rerun = start_import(
        tenant=tenant,
        token=keep_local_file(source),
        name="full.ndjson",
        max_errors=None,
        actor=admin,
    )
    final = wait_for(
        lambda: JobRun.objects.filter(pk=rerun.pk, state__in=JobRun.FINISHED).first(),
        timeout=120,
        what="the second import to end",
        worker=worker,
    )
    assert final.state == "succeeded", final.error
    assert (final.counts["services"], final.counts["states"], final.counts["tasks"]) == (0, 0, 0)
    assert final.counts["skipped"] == total * (1 + STATES + TASKS)
    assert counts_of(tenant) == (total, total * STATES, total * TASKS)
