"""Export files and import: the round trip into an empty tenant, CSV formula escaping, bad rows
reported by line, max_errors, re-import adding nothing, upload limits and types, isolation, and
uploads no job reads removed (a refused import's at once, orphans by an hourly sweep)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from csadmin.jobs import JobCancelled
from csadmin.jobs.models import JobRun
from csadmin.testing import Api, make_user
from plugins.maintenance.reporting import QuietReporter
from plugins.maintenance.services import sweep_orphan_uploads
from plugins.services.models import Service, State, Task
from tests.jobs.test_services import broker_down  # noqa: F401
from tests.maintenance.conftest import OLD, RECENT, make_service

FROM = "2000-01-01T00:00:00Z"


def accepted_job(response) -> JobRun:
    assert response.status_code == 202, response.content
    return JobRun.objects.get(pk=response.json()["job_id"])


def export(api, run_jobs, fmt="json", **params) -> JobRun:
    query = "&".join(f"{k}={v}" for k, v in {"time_from": FROM, "format": fmt, **params}.items())
    job = accepted_job(run_jobs(lambda: api.post(f"maintenance/services/files?{query}")))
    assert job.state == "succeeded", job.error
    return job


def download(api, job, name) -> bytes:
    response = api.get(f"maintenance/jobs/{job.pk}/files/{name}")
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def upload(api, run_jobs, name, content: bytes, **fields):
    def send():
        return api.client.post(
            "/genesys/1/cs/maintenance/services/files",
            {"file": io.BytesIO(content), **fields} | {"file": _named(name, content)},
            headers=api.headers,
            format="multipart",
        )

    return run_jobs(send)


def _named(name, content):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def import_file(api, run_jobs, name, content, **fields) -> JobRun:
    job = accepted_job(upload(api, run_jobs, name, content, **fields))
    job.refresh_from_db()
    return job


@pytest.fixture
def rich_services(tenant):
    make_service(tenant, "svc-a", started=OLD, completed=RECENT, states=2, tasks=3)
    make_service(
        tenant,
        "svc-b",
        started=RECENT,
        customer=None,
        states=1,
        tasks=0,
        contact_key='=HYPERLINK("http://x")',
        started_data={"note": "+1 555", "quote": "'=kept", "nested": {"a": [1, 2]}},
        disposition_desc="-minus",
    )
    make_service(tenant, "@svc-c", started=RECENT, states=0, tasks=0, est_duration=30)


@pytest.fixture
def empty_tenant_api(other_tenant):
    return Api(make_user("other-root", other_tenant, ["Administrator"]), other_tenant)


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_into_an_empty_tenant_round_trips(
    api, empty_tenant_api, other_tenant, rich_services, run_jobs, fmt
):
    job = export(api, run_jobs, fmt)
    assert job.counts == {"services": 3, "states": 3, "tasks": 3}
    files = {name: download(api, job, f"{name}.{fmt}") for name in ("services", "states", "tasks")}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for name, content in files.items():
            out.writestr(f"{name}.{fmt}", content)
    imported = import_file(empty_tenant_api, run_jobs, "export.zip", archive.getvalue())
    assert imported.state == "succeeded", imported.error
    assert imported.counts["services"] == 3
    assert imported.counts["states"] == 3 and imported.counts["tasks"] == 3
    assert imported.counts["errors"] == 0
    again = export(empty_tenant_api, run_jobs, fmt)
    for name, content in files.items():
        assert download(empty_tenant_api, again, f"{name}.{fmt}") == content
    # The API numbers the next state and task of an imported service past the imported ones.
    state = empty_tenant_api.post("services/svc-b/states/start", {"state_type": "Qualify"})
    assert state.status_code == 201, state.json()
    assert state.json()["state_id"] == 2
    task = empty_tenant_api.post("services/svc-b/tasks/start", {"task_type": "Call"})
    assert task.json()["task_id"] == 1


def test_csv_cells_that_look_like_formulas_are_escaped(api, rich_services, run_jobs):
    job = export(api, run_jobs, "csv")
    text = download(api, job, "services.csv").decode()
    assert "'=HYPERLINK" in text
    assert "'-minus" in text
    assert "'@svc-c" in text
    for line in text.splitlines()[1:]:
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "-", "@"))


def test_reimporting_the_same_file_adds_nothing(api, tenant, rich_services, run_jobs):
    job = export(api, run_jobs, "json")
    content = download(api, job, "services.json")
    first = import_file(api, run_jobs, "services.json", content)
    assert first.counts["services"] == 0 and first.counts["skipped"] == 3
    states = download(api, job, "states.json")
    again = import_file(api, run_jobs, "states.json", states)
    assert again.counts["states"] == 0 and again.counts["skipped"] == 3
    assert Service.objects.filter(tenant=tenant).count() == 3
    assert State.objects.filter(service__tenant=tenant).count() == 3


BAD_NDJSON = "\n".join(
    [
        json.dumps({"service_id": "good-1", "service_type": "Sales", "started": FROM}),
        json.dumps({"service_id": "bad-type", "started": FROM}),
        "{not json",
        json.dumps({"service_id": "good-2", "service_type": "Sales", "started": FROM}),
        json.dumps({"service_id": "bad-time", "service_type": "Sales", "started": "noon"}),
        json.dumps(
            {"service_id": "bad-ttl", "service_type": "Sales", "started": FROM, "est_duration": -1}
        ),
    ]
).encode()


def test_bad_rows_are_reported_by_line_and_good_rows_imported(api, tenant, run_jobs):
    job = import_file(api, run_jobs, "rows.ndjson", BAD_NDJSON)
    assert job.state == "succeeded", job.error
    assert job.counts["services"] == 2 and job.counts["errors"] == 4
    assert set(Service.objects.filter(tenant=tenant).values_list("service_id", flat=True)) == {
        "good-1",
        "good-2",
    }
    report = download(api, job, "errors.csv").decode().splitlines()
    assert report[0] == "file,line,index,field,reason"
    lines = {tuple(row.split(",")[1:4]) for row in report[1:]}
    assert lines == {
        ("2", "", "service_type"),
        ("3", "", "row"),
        ("5", "", "started"),
        ("6", "", "est_duration"),
    }


def test_bad_rows_of_a_one_line_json_array_are_reported_by_their_index(api, tenant, run_jobs):
    rows = [
        {"service_id": "good-1", "service_type": "Sales", "started": FROM},
        {"service_id": "bad-1", "started": FROM},
        {"service_id": "good-2", "service_type": "Sales", "started": FROM},
        {"service_id": "bad-2", "service_type": "Sales", "started": FROM, "est_duration": -1},
    ]
    job = import_file(api, run_jobs, "rows.json", json.dumps(rows).encode())
    assert job.state == "succeeded", job.error
    assert job.counts["services"] == 2 and job.counts["errors"] == 2
    report = download(api, job, "errors.csv").decode().splitlines()
    assert report[0] == "file,line,index,field,reason"
    assert {tuple(row.split(",")[1:4]) for row in report[1:]} == {
        ("1", "1", "service_type"),
        ("1", "3", "est_duration"),
    }


def test_a_broken_json_array_fails_naming_the_line_and_element(api, tenant, run_jobs):
    content = b'[{"service_id": "a"},{"service_id": "b"},{"service_id": ]'
    job = import_file(api, run_jobs, "rows.json", content)
    assert job.state == "failed"
    assert "rows.json line 1, element 2: is not valid JSON" in job.error  # as uploaded
    report = download(api, job, "errors.csv").decode().splitlines()
    assert report[-1].split(",")[:4] == ["rows.json", "1", "2", "file"]


def test_a_file_of_service_ids_only_fails_saying_so(api, tenant, run_jobs):
    ids = json.dumps([f"svc-{n}" for n in range(104)]).encode()
    job = import_file(api, run_jobs, "export.json", ids)
    assert job.state == "failed"
    assert "this file holds service ids only: export with full content" in job.error
    assert not Service.objects.filter(tenant=tenant).exists()


def test_an_import_whose_every_row_is_bad_fails(api, tenant, run_jobs):
    rows = "".join(json.dumps({"service_id": f"bad-{n}", "started": FROM}) + "\n" for n in range(3))
    job = import_file(api, run_jobs, "rows.ndjson", rows.encode())
    assert job.state == "failed"
    assert "every row was refused (3 of 3)" in job.error
    assert job.counts["errors"] == 3
    report = download(api, job, "errors.csv").decode().splitlines()
    assert [row.split(",")[1] for row in report[1:]] == ["1", "2", "3"]


def test_max_errors_fails_the_job(api, tenant, run_jobs):
    job = import_file(api, run_jobs, "rows.ndjson", BAD_NDJSON, max_errors="2")
    assert job.state == "failed"
    assert "max_errors" in job.error
    assert "errors.csv" in job.files.values_list("name", flat=True)
    assert not Service.objects.filter(tenant=tenant).exists()


def test_json_array_rows_report_their_line_and_index(api, tenant, run_jobs):
    content = (
        b'[\n{"service_id": "a", "service_type": "Sales", "started": "2020-01-01T00:00:00Z"},\n'
        b'{"service_id": "b", "started": "2020-01-01T00:00:00Z"}\n]\n'
    )
    job = import_file(api, run_jobs, "x.json", content)
    report = download(api, job, "errors.csv").decode().splitlines()
    assert report[1].split(",")[1:4] == ["3", "1", "service_type"]


def test_states_of_an_unknown_service_are_reported(api, tenant, run_jobs):
    content = b"service_id,state_id,state_type,started\nnowhere,1,Browse,2020-01-01T00:00:00Z\n"
    job = import_file(api, run_jobs, "states.csv", content)
    assert job.counts["states"] == 0 and job.counts["errors"] == 1
    assert "nowhere" in download(api, job, "errors.csv").decode()


def test_type_is_judged_by_content_not_name(api, run_jobs):
    response = upload(api, run_jobs, "services.json", b"\x89PNG\r\n\x1a\n binary")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert not JobRun.objects.exists()


def test_upload_over_the_limit_is_413(api, run_jobs, settings):
    settings.CSADMIN_IMPORT_MAX_BYTES = 1000
    response = upload(api, run_jobs, "big.ndjson", b"{}\n" * 2000)
    assert response.status_code == 413
    assert "file" in response.json()["errors"]
    assert not JobRun.objects.exists()


def test_zip_bomb_is_refused_before_inflating(api, run_jobs):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("services.ndjson", b" " * 5_000_000)
    response = upload(api, run_jobs, "bomb.zip", archive.getvalue())
    assert response.status_code == 400
    assert "inflates" in response.json()["errors"]["file"][0]


def test_zip_with_other_members_is_refused(api, run_jobs):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("../../etc/passwd", b"x")
    response = upload(api, run_jobs, "evil.zip", archive.getvalue())
    assert response.status_code == 400


def test_export_files_and_jobs_stay_in_their_tenant(
    api, empty_tenant_api, rich_services, run_jobs, other_tenant
):
    make_service(other_tenant, "globex-only", started=RECENT)
    job = export(api, run_jobs, "json")
    assert b"globex-only" not in download(api, job, "services.json")
    assert empty_tenant_api.get(f"maintenance/jobs/{job.pk}/files/services.json").status_code == 404
    assert empty_tenant_api.get(f"maintenance/jobs/{job.pk}").status_code == 404


def test_supervisor_cannot_export_or_import(api_as, run_jobs):
    supervisor = api_as("Supervisor")
    assert supervisor.post(f"maintenance/services/files?time_from={FROM}").status_code == 401
    assert upload(supervisor, run_jobs, "x.ndjson", b"{}\n").status_code == 401


def test_tasks_import_checks_rules(api, tenant, run_jobs):
    make_service(tenant, "host", states=1, tasks=0)
    content = "\n".join(
        json.dumps(row)
        for row in [
            {"service_id": "host", "task_id": 1, "task_type": "Call", "started": FROM},
            {"service_id": "host", "task_id": 0, "task_type": "Call", "started": FROM},
            {"service_id": "host", "task_id": 2, "started": FROM},
        ]
    ).encode()
    job = import_file(api, run_jobs, "tasks.ndjson", content)
    assert job.counts["tasks"] == 1 and job.counts["errors"] == 2
    assert Task.objects.filter(service__tenant=tenant).count() == 1
    started = api.post("services/host/tasks/start", {"task_type": "Call"})
    assert started.status_code == 201, started.json()
    assert started.json()["task_id"] == 2  # past the imported task 1


def test_an_imported_upload_is_removed_and_a_retry_says_why(api, tenant, run_jobs, media_root):
    from csadmin.jobs import retry_job

    job = import_file(api, run_jobs, "rows.ndjson", BAD_NDJSON)
    uploads = media_root / "maintenance" / "uploads"
    assert not any(uploads.iterdir())
    again = run_jobs(lambda: retry_job(tenant=tenant, job_id=job.pk, actor=job.created_by_user))
    again.refresh_from_db()
    assert again.state == "failed" and "upload it again" in again.error


def test_nul_characters_are_bad_rows_not_a_failed_batch(api, tenant, run_jobs):
    rows = [
        {"service_id": "nul\u0000id", "service_type": "S", "started": FROM},
        {
            "service_id": "fine",
            "service_type": "S",
            "started": FROM,
            "started_data": {"a": "\u0000"},
        },
        {"service_id": "ok", "service_type": "S", "started": FROM},
    ]
    content = "\n".join(json.dumps(row) for row in rows).encode()
    job = import_file(api, run_jobs, "rows.ndjson", content)
    assert job.state == "succeeded", job.error
    assert (job.counts["services"], job.counts["errors"]) == (1, 2)


class CancelAfter(QuietReporter):
    """A reporter whose job is cancelled after `checks` checks (as a click on Cancel would)."""

    def __init__(self, checks: int) -> None:
        super().__init__()
        self.checks, self.seen = checks, 0

    def check_cancelled(self) -> None:
        self.seen += 1
        if self.seen > self.checks:
            raise JobCancelled()


def test_import_stops_between_batches_when_cancelled(tenant, tmp_path):
    from plugins.maintenance.importing import run_import

    source = tmp_path / "rows.ndjson"
    source.write_text(
        "".join(
            json.dumps({"service_id": f"s{n}", "service_type": "S", "started": FROM}) + "\n"
            for n in range(10)
        )
    )
    with open(tmp_path / "errors.csv", "w") as errors, pytest.raises(JobCancelled):
        run_import(
            tenant=tenant, source=source, reporter=CancelAfter(2), errors_out=errors, batch=3
        )
    assert Service.objects.filter(tenant=tenant).count() == 6


def test_export_stops_between_chunks_when_cancelled(tenant, rich_services, tmp_path):
    from contextlib import contextmanager

    from plugins.maintenance.exporting import parse_export_query, write_export_files

    @contextmanager
    def open_file(name):
        with open(tmp_path / name, "w") as out:
            yield out

    query = parse_export_query({"time_from": FROM}, for_files=True)
    with pytest.raises(JobCancelled):
        write_export_files(
            tenant=tenant, query=query, fmt="json", open_file=open_file, reporter=CancelAfter(0)
        )


class RecordsCollector(CancelAfter):
    """Notes whether automatic garbage collection was on at each check between batches."""

    def __init__(self, checks: int) -> None:
        super().__init__(checks)
        self.collector_on: list[bool] = []

    def check_cancelled(self) -> None:
        import gc

        self.collector_on.append(gc.isenabled())
        super().check_cancelled()


@pytest.mark.parametrize("checks", [10, 1])
def test_the_collector_is_paused_during_an_import_and_restored_after(tenant, tmp_path, checks):
    import gc

    from plugins.maintenance.importing import run_import

    source = tmp_path / "rows.ndjson"
    source.write_text(
        "".join(
            json.dumps({"service_id": f"s{n}", "service_type": "S", "started": FROM}) + "\n"
            for n in range(6)
        )
    )
    reporter = RecordsCollector(checks)
    assert gc.isenabled()
    with open(tmp_path / "errors.csv", "w") as errors:
        try:
            run_import(tenant=tenant, source=source, reporter=reporter, errors_out=errors, batch=3)
        except JobCancelled:
            assert checks == 1  # the second batch was cancelled: restored on the way out too
    assert reporter.collector_on == [False, False]
    assert gc.isenabled()


# -- uploads no job reads ----------------------------------------------------------------------
@pytest.mark.usefixtures("broker_down")
def test_an_import_refused_with_503_removes_its_upload(api, run_jobs, media_root):
    response = upload(api, run_jobs, "rows.ndjson", BAD_NDJSON)
    assert response.status_code == 503, response.content
    assert "cannot be reached" in response.json()["message"]
    assert not JobRun.objects.exists()
    uploads = media_root / "maintenance" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def _kept_upload(token: str, age: dt.timedelta) -> Path:
    """An upload in the default storage (the local folder under MEDIA_ROOT), written `age` ago."""
    path = Path(settings.MEDIA_ROOT) / "maintenance" / "uploads" / token / "upload"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"{}\n")
    then = (timezone.now() - age).timestamp()
    for item in (path, path.parent):
        os.utime(item, (then, then))
    return path.parent


def _import_run(tenant, token: str, state: str, ended_ago: dt.timedelta | None = None) -> JobRun:
    return JobRun.objects.create(
        tenant=tenant,
        kind="maintenance.import",
        state=state,
        arguments={"upload": token, "name": "rows.ndjson"},
        finished_at=timezone.now() - ended_ago if ended_ago else None,
    )


def test_the_sweep_removes_day_old_uploads_no_import_job_may_read(tenant, media_root):
    day, hour = dt.timedelta(days=1), dt.timedelta(hours=1)
    orphan = _kept_upload("orphan" + "o" * 20, 2 * day)
    long_ended = _kept_upload("longended" + "e" * 20, 3 * day)
    _import_run(tenant, long_ended.name, "failed", ended_ago=2 * day)
    queued = _kept_upload("queued" + "q" * 20, 2 * day)
    _import_run(tenant, queued.name, "queued")
    running = _kept_upload("running" + "r" * 20, 2 * day)
    _import_run(tenant, running.name, "running")
    recently_failed = _kept_upload("recent" + "f" * 20, 2 * day)  # a retry still reads it
    _import_run(tenant, recently_failed.name, "failed", ended_ago=hour)
    young = _kept_upload("young" + "y" * 20, hour)  # its request may still be running
    stranger = media_root / "maintenance" / "uploads" / "not a token"
    stranger.mkdir()

    assert sweep_orphan_uploads() == 2

    assert not orphan.exists() and not long_ended.exists()
    for kept in (queued, running, recently_failed, young, stranger):
        assert kept.exists(), kept.name


def test_the_upload_sweep_runs_every_hour_through_beat(tenant, media_root):
    from csadmin.celery import app
    from plugins.maintenance import tasks

    assert app.conf.beat_schedule["maintenance-sweep-orphan-uploads"] == {
        "task": tasks.SWEEP_UPLOADS_TASK,
        "schedule": 3600.0,
    }
    _kept_upload("orphan" + "o" * 20, dt.timedelta(days=2))
    assert tasks.sweep_orphan_uploads.apply().get() == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("filter_events=sometimes", "filter_events"),
        ("filter_state=asleep", "filter_state"),
        ("export_content=perhaps", "export_content"),
        ("time_from=yesterday", "time_from"),
        ("format=xml", "format"),
    ],
)
def test_an_import_refuses_a_malformed_export_parameter(api, run_jobs, media_root, query, field):
    """An import takes none of the export's parameters, but a malformed one is refused rather
    than ignored, before the upload is kept."""

    def send():
        return api.client.post(
            f"/genesys/1/cs/maintenance/services/files?{query}",
            {"file": _named("rows.ndjson", BAD_NDJSON)},
            headers=api.headers,
            format="multipart",
        )

    response = run_jobs(send)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not JobRun.objects.exists()
    uploads = media_root / "maintenance" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_an_import_takes_well_formed_export_parameters(api, run_jobs):
    job = accepted_job(
        run_jobs(
            lambda: api.client.post(
                "/genesys/1/cs/maintenance/services/files?filter_events=started&format=csv",
                {"file": _named("rows.ndjson", BAD_NDJSON)},
                headers=api.headers,
                format="multipart",
            )
        )
    )
    assert job.kind == "maintenance.import"
