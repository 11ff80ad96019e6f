"""On PostgreSQL (and Redis for the worker): the import goes in through COPY, the stream reads
from a server-side cursor, and a worker killed mid-import or mid-purge leaves exact counts, no
duplicates, once the reaper has sent the job again."""

from __future__ import annotations

import json
from datetime import timedelta

import psycopg
import pytest
from django.db.backends.postgresql.base import DatabaseWrapper
from django.utils import timezone

from csadmin.audit.models import AuditEntry
from csadmin.jobs import reap_stale_jobs
from csadmin.jobs.models import JobRun
from csadmin.testing import require_service, uses_postgresql
from plugins.maintenance.exporting import parse_export_query, stream_ndjson
from plugins.maintenance.importing import run_import
from plugins.maintenance.reporting import QuietReporter
from plugins.maintenance.services import start_import, start_purge
from plugins.maintenance.uploads import keep_local_file
from plugins.services.bulk import loading as service_writes
from plugins.services.models import Service
from tests.jobs.test_worker import database_url, wait_for, worker  # noqa: F401
from tests.maintenance.conftest import LIMIT, make_service

pytestmark = pytest.mark.services
FROM = "2026-01-01T00:00:00Z"


@pytest.fixture
def postgresql():
    require_service(uses_postgresql(), "PostgreSQL")


def ndjson_services(path, count: int, prefix: str = "svc") -> None:
    with open(path, "w") as out:
        for n in range(count):
            row = {
                "service_id": f"{prefix}-{n:07d}",
                "service_type": "Sales",
                "customer_id": f"c{n % 97}",
                "started": "2026-01-01T00:00:00.000001Z",
                "started_data": {"n": n},
            }
            out.write(json.dumps(row) + "\n")


def test_import_goes_in_through_copy(postgresql, tenant, tmp_path, monkeypatch):
    calls = []
    real = service_writes._copy_rows
    monkeypatch.setattr(
        service_writes,
        "_copy_rows",
        lambda model, rows: calls.append(len(rows)) or real(model, rows),
    )
    ndjson_services(tmp_path / "rows.ndjson", 5000)
    with open(tmp_path / "errors.csv", "w") as errors:
        counts = run_import(
            tenant=tenant,
            source=tmp_path / "rows.ndjson",
            reporter=QuietReporter(),
            errors_out=errors,
        )
    assert counts["services"] == 5000 and counts["errors"] == 0
    assert calls == [2000, 2000, 1000]
    assert Service.objects.get(tenant=tenant, service_id="svc-0000042").started_data == {"n": 42}


def test_binary_copy_stores_every_column_as_the_orm_reads_it(postgresql, tenant, tmp_path):
    """The binary COPY writes timestamps, numbers, text and jsonb fields itself: each value
    must come back exactly (microseconds, unicode, escapes, nested and empty objects, null)."""
    data = {"é": 'ü \\ "q" \t ✓', "n": [1, 2.5, -0.0, 2**62, None, True, {}], "deep": {"a": {}}}
    service_row = {
        "service_id": "binary",
        "service_type": "Sales",
        "customer_id": "c1",
        "contact_key": "k",
        "started": "2026-01-01T00:00:00.000001Z",
        "completed": "2026-01-02T03:04:05.999999Z",
        "expiration_time": "2027-01-01T00:00:00Z",
        "est_duration": 10**9,
        "disposition_desc": "d" * 64,
        "started_data": data,
        "extensions": {},
    }
    state_row = {"service_id": "binary", "state_id": 7, "state_type": "Q", "started": FROM}
    counts = {}
    for name, row in (("services", service_row), ("states", state_row)):
        source = tmp_path / f"{name}.ndjson"
        source.write_text(json.dumps(row) + "\n")
        with open(tmp_path / "errors.csv", "w") as errors:
            done = run_import(
                tenant=tenant, source=source, reporter=QuietReporter(), errors_out=errors
            )
        counts.update({key: counts.get(key, 0) + value for key, value in done.items()})
    assert (counts["services"], counts["states"], counts["errors"]) == (1, 1, 0)
    service = Service.objects.get(tenant=tenant, service_id="binary")
    assert service.started_at.isoformat() == "2026-01-01T00:00:00.000001+00:00"
    assert service.completed_at.isoformat() == "2026-01-02T03:04:05.999999+00:00"
    assert service.expires_at.isoformat() == "2027-01-01T00:00:00+00:00"
    assert (service.customer_id, service.contact_key, service.est_duration) == ("c1", "k", 10**9)
    assert service.started_data == data
    assert (service.completed_data, service.extensions) == (None, {})
    state = service.states.get()
    assert (state.state_id, state.state_type, state.started_data) == (7, "Q", {})


def test_the_copy_writes_its_bytea_fields_with_the_bytes_dumper_in_c(postgresql, db):
    from django.db import connection
    from psycopg.adapt import PyFormat
    from psycopg.pq import Format

    with connection.cursor() as cursor:
        raw = service_writes._bytes_in_c(cursor.cursor)
        by_type = raw.adapters.get_dumper_by_oid(raw.adapters.types["bytea"].oid, Format.BINARY)
        assert by_type is raw.adapters.get_dumper(bytes, PyFormat.BINARY)
        assert by_type.__module__.startswith("psycopg_binary")  # no Python call per value
    with connection.cursor() as cursor:  # other cursors keep psycopg's own choice
        assert cursor.cursor.adapters.get_dumper_by_oid(17, Format.BINARY) is not by_type


def test_the_planner_learns_of_the_imported_services_before_their_children(
    postgresql, tenant, tmp_path
):
    """Without fresh statistics the children's service lookups filter the whole tenant per
    batch; the import refreshes them once its services are in."""
    from django.db import connection

    def service_rows_estimate() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'services_service'")
            return cursor.fetchone()[0]

    ndjson_services(tmp_path / "rows.ndjson", 3000)
    with open(tmp_path / "errors.csv", "w") as errors:
        run_import(
            tenant=tenant,
            source=tmp_path / "rows.ndjson",
            reporter=QuietReporter(),
            errors_out=errors,
        )
    assert service_rows_estimate() >= 3000


def test_stream_reads_from_a_server_side_cursor(postgresql, tenant, monkeypatch, db):
    for n in range(3):
        make_service(tenant, f"s{n}")
    named = []
    real = DatabaseWrapper.create_cursor

    def spy(self, name=None):
        named.append(name)
        return real(self, name)

    monkeypatch.setattr(DatabaseWrapper, "create_cursor", spy)
    query = parse_export_query({"time_from": "2000-01-01T00:00:00Z", "export_content": "true"})
    lines = "".join(stream_ndjson(tenant, query)).splitlines()
    assert len(lines) == 3
    assert any(name for name in named), named  # a named (server-side) cursor was opened


def test_a_worker_killed_mid_import_leaves_exact_counts(worker, tenant, admin, tmp_path):  # noqa: F811
    total = 60_000
    source = tmp_path / "big.ndjson"
    ndjson_services(source, total)
    token = keep_local_file(source)
    run = start_import(tenant=tenant, token=token, name="big.ndjson", max_errors=None, actor=admin)
    JobRun.objects.filter(pk=run.pk).update(arguments={**run.arguments, "batch": 300})
    # the job was sent on enqueue (no transaction here); it reads its arguments when it starts
    wait_for(
        lambda: Service.objects.filter(tenant=tenant).count() >= 3000,
        timeout=90,
        what="the import to commit some batches",
        worker=worker,
    )
    worker.kill()
    committed = Service.objects.filter(tenant=tenant).count()
    assert 0 < committed < total, "kill the worker mid-import"
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
    assert Service.objects.filter(tenant=tenant).count() == total
    assert final.counts["services"] + final.counts["skipped"] == total
    assert final.counts["skipped"] >= committed
    # running it again adds nothing
    again = keep_local_file(source)
    rerun = start_import(
        tenant=tenant, token=again, name="big.ndjson", max_errors=None, actor=admin
    )
    final = wait_for(
        lambda: JobRun.objects.filter(pk=rerun.pk, state__in=JobRun.FINISHED).first(),
        timeout=120,
        what="the second import to end",
        worker=worker,
    )
    assert (final.counts["services"], final.counts["skipped"]) == (0, total)


def test_a_worker_killed_mid_purge_leaves_exact_counts_once_sent_again(worker, tenant, admin):  # noqa: F811
    total = 40
    for n in range(total):
        make_service(tenant, f"old-{n:02}", states=2, tasks=1)
    ids = list(Service.objects.filter(tenant=tenant).order_by("pk").values_list("pk", flat=True))
    # Another transaction holds the 23rd service: the purge, by batches of 5 in id order, stops
    # in its fifth batch, with four batches (20 services) committed.
    with psycopg.connect(database_url()) as blocker:
        blocker.execute("SELECT id FROM services_service WHERE id = %s FOR UPDATE", [ids[22]])
        run = start_purge(
            tenant=tenant,
            body={"operation": "purge.service.all", "limit": LIMIT.isoformat()},
            actor=admin,
        )
        JobRun.objects.filter(pk=run.pk).update(arguments={**run.arguments, "batch": 5})
        wait_for(
            lambda: JobRun.objects.filter(pk=run.pk, counts__services=20).exists(),
            timeout=60,
            what="the purge to commit four batches",
            worker=worker,
        )
        worker.kill()  # while its fifth batch waits for the lock
        blocker.rollback()
    assert Service.objects.filter(tenant=tenant).count() == total - 20
    assert JobRun.objects.get(pk=run.pk).counts["services"] == 20  # committed with the batches

    assert reap_stale_jobs(now=timezone.now() + timedelta(minutes=6)) == 1  # sent again
    worker.start()
    final = wait_for(
        lambda: JobRun.objects.filter(pk=run.pk, state__in=JobRun.FINISHED).first(),
        timeout=90,
        what="the purge sent again to end",
        worker=worker,
    )
    assert final.state == "succeeded", final.error
    assert final.attempts == 2
    assert not Service.objects.filter(tenant=tenant).exists()
    expected = {"services": total, "states": 2 * total, "tasks": total, "events": total}
    assert final.counts == expected
    entry = AuditEntry.objects.get(tenant=tenant, plugin="maintenance", action="purge")
    assert {key: entry.after[key] for key in expected} == expected


def test_postgresql_renders_services_exactly_as_python_does(postgresql, tenant):
    import datetime as dt

    from plugins.maintenance.exporting import full_service
    from plugins.services.bulk import export as selectors
    from plugins.services.models import Task

    started = dt.datetime(2026, 1, 1, 10, 0, 0, 123999, tzinfo=dt.UTC)
    ended = started + dt.timedelta(seconds=1, microseconds=500)
    make_service(tenant, "plain", started=started, states=0, tasks=0, customer=None)
    make_service(
        tenant,
        "rich",
        started=started,
        completed=ended,
        expires=dt.datetime(2099, 1, 1, tzinfo=dt.UTC),
        states=2,
        tasks=2,
        extensions={"crm": {"id": 7}},
        disposition="Sold",
        est_duration=90,
        started_data={"timestamp": "theirs", "n": [1, "two"], "é": "ü"},
    )
    Task.objects.filter(service__service_id="rich", task_id=2).update(
        completed_at=None, extensions={"x": 1}, state_id=None
    )
    selection = selectors.export_selection(
        tenant,
        time_from=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
        time_to=dt.datetime(2100, 1, 1, tzinfo=dt.UTC),
    )
    from_sql = [json.loads(text) for text in selectors.export_full_json(selection)]
    from_python = [
        full_service(service, states, tasks)
        for chunk in selectors.export_service_chunks(selection)
        for service, states, tasks in chunk
    ]
    assert len(from_sql) == 2
    assert from_sql == from_python


def test_stream_ends_its_transaction_when_the_client_goes(postgresql, tenant):
    from django.db import connection

    for n in range(5):
        make_service(tenant, f"s{n}")
    query = parse_export_query({"time_from": "2000-01-01T00:00:00Z", "export_content": "true"})
    depth = len(connection.atomic_blocks)
    body = stream_ndjson(tenant, query, lines_per_chunk=1)
    assert next(body).startswith("{")
    # the cursor lives in a transaction of the stream's own (not a WITH HOLD cursor)
    assert len(connection.atomic_blocks) == depth + 1
    body.close()  # the client disconnected
    assert len(connection.atomic_blocks) == depth
