"""The management commands (same functions as the jobs) and the nightly retention policy."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from csadmin.celery import app
from csadmin.jobs.models import JobRun
from plugins.maintenance.models import RetentionPolicy
from plugins.maintenance.services import retention_policy_save, run_retention_policies
from plugins.maintenance.tasks import RETENTION_TASK
from plugins.services.models import Service, State
from tests.maintenance.conftest import LIMIT, OLD, RECENT, make_service


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_then_import_commands_round_trip(tenant, other_tenant, tmp_path):
    make_service(tenant, "a", started=OLD, states=2, tasks=1)
    make_service(tenant, "b", started=RECENT, completed=RECENT, states=1, tasks=0)
    out, err = run("cs_export", "--tenant", "Acme", "--format", "csv", "--out", str(tmp_path))
    assert "services=2" in out and "100.0%" in err
    for name in ("services", "states", "tasks"):
        out, err = run("cs_import", str(tmp_path / f"{name}.csv"), "--tenant", "Globex")
        assert "errors=0" in out
    assert Service.objects.filter(tenant=other_tenant).count() == 2
    assert State.objects.filter(service__tenant=other_tenant).count() == 3
    out, _ = run("cs_import", str(tmp_path / "services.csv"), "--tenant", "Globex")
    assert "services=0" in out and "skipped=2" in out


def test_the_export_command_writes_one_zip_that_the_import_command_reads_whole(
    tenant, other_tenant, tmp_path
):
    make_service(tenant, "a", started=OLD, states=2, tasks=1)
    make_service(tenant, "b", started=RECENT, completed=RECENT, states=1, tasks=0)
    out, _ = run("cs_export", "--tenant", "Acme", "--format", "zip", "--out", str(tmp_path))
    assert "services=2" in out and [p.name for p in tmp_path.iterdir()] == ["export.zip"]
    out, _ = run("cs_import", str(tmp_path / "export.zip"), "--tenant", "Globex")
    assert "services=2" in out and "states=3" in out and "tasks=1" in out and "errors=0" in out
    assert State.objects.filter(service__tenant=other_tenant).count() == 3


def test_import_command_writes_the_error_report(tenant, tmp_path):
    source = tmp_path / "rows.ndjson"
    source.write_text(
        json.dumps({"service_id": "ok", "service_type": "S", "started": "2020-01-01T00:00:00Z"})
        + "\n"
        + json.dumps({"service_id": "bad"})
        + "\n"
    )
    out, _ = run("cs_import", str(source), "--tenant", "Acme", "--errors", str(tmp_path / "e.csv"))
    assert "errors=1" in out
    assert ",2,,service_type," in (tmp_path / "e.csv").read_text()


def test_purge_command_dry_run_then_real(tenant, services_mix):
    limit = LIMIT.isoformat()
    out, _ = run(
        "cs_purge",
        "--tenant",
        "Acme",
        "--limit",
        limit,
        "--operation",
        "purge.service.all",
        "--dry-run",
    )
    assert "Would remove" in out and "services=5" in out
    assert Service.objects.filter(tenant=tenant).count() == 7
    out, err = run(
        "cs_purge",
        "--tenant",
        "Acme",
        "--limit",
        limit,
        "--operation",
        "purge.service.all",
        "--batch",
        "2",
    )
    assert "services=5" in out and "100.0%" in err
    assert Service.objects.filter(tenant=tenant).count() == 2


def test_commands_refuse_an_unknown_tenant(db, tmp_path):
    with pytest.raises(CommandError, match="No tenant"):
        run("cs_export", "--tenant", "Nobody", "--out", str(tmp_path))


def test_policy_rules(tenant, admin):
    with pytest.raises(Exception, match="age_days"):
        retention_policy_save(
            tenant=tenant, enabled=True, operation="purge.service.all", age_days=0, actor=admin
        )
    with pytest.raises(Exception, match="operation"):
        retention_policy_save(
            tenant=tenant, enabled=True, operation="purge.nothing", age_days=3, actor=admin
        )


def test_nightly_run_queues_a_purge_per_enabled_policy(tenant, other_tenant, admin, run_jobs):
    make_service(tenant, "old-done", started=OLD, completed=OLD)
    make_service(tenant, "recent-done", started=RECENT, completed=RECENT)
    make_service(other_tenant, "old-done-elsewhere", started=OLD, completed=OLD)
    retention_policy_save(
        tenant=tenant, enabled=True, operation="purge.service.completed", age_days=30, actor=admin
    )
    retention_policy_save(
        tenant=other_tenant,
        enabled=False,
        operation="purge.service.completed",
        age_days=30,
        actor=admin,
    )
    runs = run_jobs(run_retention_policies)
    assert [r.tenant_id for r in runs] == [tenant.pk]
    job = JobRun.objects.get()
    assert job.state == "succeeded" and job.counts["services"] == 1
    assert set(Service.objects.values_list("service_id", flat=True)) == {
        "recent-done",
        "old-done-elsewhere",
    }
    assert RetentionPolicy.objects.get(tenant=tenant).last_run_at is not None


def test_the_nightly_task_is_scheduled():
    entry = app.conf.beat_schedule["maintenance-retention-policies"]
    assert entry["task"] == RETENTION_TASK
    assert RETENTION_TASK in app.tasks
