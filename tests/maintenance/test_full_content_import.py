"""Importing the stream's full content (services with their states and tasks nested): each part
checked by the files' row rules, a service taken whole or not at all, every refusal pointing at
its row (line, or index in a JSON array) and at the nested field's path."""

from __future__ import annotations

import copy
import csv
import io
import json

import pytest

from plugins.services.bulk import RowProblems, import_full_service_row
from plugins.services.models import Service, State, Task
from tests.maintenance.test_files import download, import_file

T0 = "2026-03-01T10:00:00.000Z"
T1 = "2026-03-01T10:05:00.250Z"


def state(number: int, *, done: bool = True, **extra) -> dict:
    item = {
        "state_id": number,
        "state_type": "Browse",
        "est_duration": None,
        "disposition": None,
        "disposition_desc": None,
        "started": {"timestamp": T0, "page": number},
    }
    if done:
        item.update(completed={"timestamp": T1}, duration=300250)
    return {**item, **extra}


def task(number: int, *, done: bool = True, **extra) -> dict:
    item = {
        "task_id": number,
        "task_type": "Call",
        "state_id": 1,
        "est_duration": 30,
        "disposition": None,
        "disposition_desc": None,
        "started": {"timestamp": T0},
    }
    if done:
        item.update(completed={"timestamp": T1, "result": "ok"}, duration=300250)
    return {**item, **extra}


def full(service_id: str, **extra) -> dict:
    """A completed service as the stream writes it, with two states and a task."""
    body = {
        "service_id": service_id,
        "service_type": "Sales",
        "customer_id": "cust-1",
        "contact_key": None,
        "est_duration": 60,
        "disposition": "Sold",
        "disposition_desc": None,
        "started": {"timestamp": T0, "channel": "web"},
        "completed": {"timestamp": T1},
        "duration": 300250,
        "extensions": {"crm": {"id": 7}},
        "active_states": [],
        "completed_states": [state(1), state(2)],
        "active_tasks": [],
        "completed_tasks": [task(1)],
    }
    return {**body, **extra}


def ndjson(*rows) -> bytes:
    return "".join(json.dumps(row) + "\n" for row in rows).encode()


def report_of(api, job) -> list[list[str]]:
    return list(csv.reader(io.StringIO(download(api, job, "errors.csv").decode())))


def test_a_full_service_goes_in_with_its_states_and_tasks(api, tenant, run_jobs):
    job = import_file(api, run_jobs, "export.ndjson", ndjson(full("svc-1"), full("svc-2")))
    assert job.state == "succeeded", job.error
    assert (job.counts["services"], job.counts["states"], job.counts["tasks"]) == (2, 4, 2)
    service = Service.objects.get(tenant=tenant, service_id="svc-1")
    assert service.started_data == {"channel": "web"} and service.completed_data == {}
    assert service.extensions == {"crm": {"id": 7}} and service.disposition == "Sold"
    assert sorted(State.objects.filter(service=service).values_list("state_id", flat=True)) == [
        1,
        2,
    ]
    first = State.objects.get(service=service, state_id=1)
    assert first.started_data == {"page": 1} and first.completed_at is not None
    only = Task.objects.get(service=service)
    assert only.completed_data == {"result": "ok"} and only.state_id == 1
    # the API numbers the next state past the imported ones
    response = api.post("services/svc-1/states/start", {"state_type": "Browse"})
    assert response.status_code == 400  # the service is completed: as the API refuses it


BAD_SERVICES = [
    (
        full("not-a-list", completed_states={"state_id": 1}),
        [("completed_states", "must be a list of states")],
    ),
    (
        full("no-state-id", completed_states=[state(1), {**state(2), "state_id": None}]),
        [("completed_states[1].state_id", "is required")],
    ),
    (
        full("twice", completed_states=[state(1), state(1)]),
        [("completed_states[1].state_id", "repeats state 1 of this service")],
    ),
    (
        full("item-not-object", completed_tasks=[task(1), "task 2"]),
        [("completed_tasks[1]", "must be a JSON object")],
    ),
    (
        full("bad-time", completed_states=[state(1), state(2), state(3, started={"x": 1})]),
        [("completed_states[2].started.timestamp", "is required")],
    ),
    (
        full("unknown-key", active_tasks=[task(2, done=False, colour="red")]),
        [("active_tasks[0].colour", "is not a field of a task")],
    ),
    (
        full("ended-but-active", active_states=[state(3)]),
        [("active_states[0].completed", "must be absent in active_states")],
    ),
    (
        full("event-not-object", started="2026-03-01T10:00:00Z", completed=T1),
        [
            (
                "completed",
                "must be an object holding a timestamp (and the data attached to the event)",
            )
        ],
    ),
    (
        full("negative", completed_tasks=[task(1, est_duration=-5)]),
        [("completed_tasks[0].est_duration", None)],
    ),
]


@pytest.mark.parametrize(
    "row, expected", BAD_SERVICES, ids=[r["service_id"] for r, _ in BAD_SERVICES]
)
def test_each_broken_rule_is_named_by_its_path_in_the_service(tenant, row, expected):
    with pytest.raises(RowProblems) as refused:
        import_full_service_row(tenant, row, {})
    problems = refused.value.problems
    for field, reason in expected:
        assert any(f == field and (reason is None or r == reason) for f, r in problems), problems


def test_values_the_importing_tenant_lacks_are_named_by_their_path(tenant, admin):
    from plugins.services import services

    services.business_value_add(tenant=tenant, attribute="State.type", name="Queue", actor=admin)
    known = __import__("plugins.services.bulk", fromlist=["x"]).import_known_values(tenant)
    row = full("svc", completed_states=[state(1), state(2), {**state(3), "state_type": "Queue"}])
    with pytest.raises(RowProblems) as refused:
        import_full_service_row(tenant, row, known)
    assert [f for f, _ in refused.value.problems] == [
        "completed_states[0].state_type",
        "completed_states[1].state_type",
    ]


def test_a_bad_service_is_skipped_whole_and_reported_by_line(api, tenant, run_jobs):
    broken = full("broken", completed_tasks=[task(1), task(2, task_type="")])
    content = ndjson(full("good-1"), broken, "{not json", full("good-2"))
    job = import_file(api, run_jobs, "export.ndjson", content)
    assert job.state == "succeeded", job.error
    assert job.counts["services"] == 2 and job.counts["errors"] == 2
    assert not Service.objects.filter(tenant=tenant, service_id="broken").exists()
    assert State.objects.filter(service__tenant=tenant).count() == 4  # none of "broken"'s
    report = report_of(api, job)
    assert report[0] == ["file", "line", "index", "field", "reason"]
    assert [row[:4] for row in report[1:]] == [
        ["export.ndjson", "2", "", "completed_tasks[1].task_type"],
        ["export.ndjson", "3", "", "row"],
    ]


def test_a_json_array_reports_the_element_index_and_line(api, tenant, run_jobs):
    rows = [full("good-1"), full("bad", active_states=5), full("good-2")]
    one_line = import_file(api, run_jobs, "export.json", json.dumps(rows).encode())
    assert one_line.counts["services"] == 2 and one_line.counts["errors"] == 1
    assert report_of(api, one_line)[1][:5] == [
        "export.json",
        "1",
        "1",
        "active_states",
        "must be a list of states",
    ]
    rows = [{**row, "service_id": "again-" + row["service_id"]} for row in rows]
    pretty = json.dumps(rows, indent=1).encode()  # element 1 starts on a later line
    job = import_file(api, run_jobs, "export.json", pretty)
    line = pretty.decode().splitlines().index(" {", 2) + 1
    assert report_of(api, job)[1][1:4] == [str(line), "1", "active_states"]


def test_a_stream_of_service_ids_only_fails_saying_so(api, tenant, run_jobs):
    for name, content in [
        ("ids.ndjson", b'"svc-1"\n"svc-2"\n'),
        ("ids.json", json.dumps(["svc-1", "svc-2"]).encode()),
    ]:
        job = import_file(api, run_jobs, name, content)
        assert job.state == "failed"
        assert f"{name}: this file holds service ids only: export with full content" in job.error
    assert not Service.objects.filter(tenant=tenant).exists()


def test_a_service_repeated_in_the_file_goes_in_once(api, tenant, run_jobs):
    changed = copy.deepcopy(full("svc-1"))
    changed["completed_states"].append(state(3))
    job = import_file(api, run_jobs, "export.ndjson", ndjson(full("svc-1"), changed))
    assert job.state == "succeeded", job.error
    assert job.counts["services"] == 1 and job.counts["skipped"] >= 1
    assert Service.objects.filter(tenant=tenant).count() == 1


def test_max_errors_stops_a_full_content_import(api, tenant, run_jobs):
    bad = [full(f"bad-{n}", active_states="x") for n in range(3)]
    job = import_file(api, run_jobs, "export.ndjson", ndjson(*bad, full("good")), max_errors="2")
    assert job.state == "failed" and "max_errors" in job.error
    assert not Service.objects.filter(tenant=tenant).exists()


def test_the_duration_keeps_its_sub_millisecond_remainder(tenant):
    # timestamps 1 ms apart with a duration of 0: the exact span was under a millisecond
    row = full(
        "short",
        started={"timestamp": "2026-03-01T10:00:00.004Z"},
        completed={"timestamp": "2026-03-01T10:00:00.005Z"},
        duration=0,
        completed_states=[],
        completed_tasks=[],
    )
    values = import_full_service_row(tenant, row, {}).service
    assert values["started_at"].microsecond == 4999
    assert (values["completed_at"] - values["started_at"]).total_seconds() * 1000 < 1
    exact = import_full_service_row(tenant, {**row, "duration": 1}, {}).service
    assert exact["started_at"].microsecond == 4000


def test_the_error_report_runs_no_formula_of_the_file(api, tenant, run_jobs):
    row = full("svc", **{'=HYPERLINK("http://x")': 1})
    job = import_file(api, run_jobs, "@export.ndjson", ndjson(row, full("good")))
    assert job.counts["errors"] == 1
    report = report_of(api, job)
    assert report[1] == [
        "'@export.ndjson",
        "1",
        "",
        '\'=HYPERLINK("http://x")',
        "is not a field of a service",
    ]


def test_unknown_columns_of_the_files_rows_are_refused_by_name(api, tenant, run_jobs):
    good = {"service_id": "good", "service_type": "Sales", "started": T0}
    rows = ndjson(good, {**good, "service_id": "misspelt", "contact_kye": "k-1"})
    job = import_file(api, run_jobs, "services.ndjson", rows)
    assert job.counts["services"] == 1 and job.counts["errors"] == 1
    assert report_of(api, job)[1][1:5] == [
        "2",
        "",
        "contact_kye",
        "is not a column of a service row",
    ]
    states = (
        b"service_id,state_id,state_type,started,colour\ngood,1,Browse,2026-03-01T10:00:00Z,red\n"
    )
    refused = import_file(api, run_jobs, "states.csv", states)
    assert refused.state == "failed" and refused.counts["errors"] == 1
    assert report_of(api, refused)[1][1:5] == ["2", "", "colour", "is not a column of a state row"]
    assert not State.objects.filter(service__tenant=tenant).exists()
