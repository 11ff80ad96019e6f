"""The export stream: the four filters with their semantics, ids or full content, JSON array
or NDJSON, the parameter rules, tenant isolation and access."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from plugins.services.models import Event
from tests.maintenance.conftest import NOW, OLD, RECENT, make_service

WEEK_AGO = (NOW - dt.timedelta(days=7)).isoformat().replace("+00:00", "Z")
FAR = (NOW - dt.timedelta(days=1000)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def journeys(tenant):
    make_service(tenant, "started-recently", started=RECENT)  # active
    make_service(tenant, "ended-recently", started=OLD, completed=RECENT)  # inactive
    make_service(tenant, "old-and-done", started=OLD, completed=OLD)  # out of the window
    touched = make_service(tenant, "old-but-touched", started=OLD)  # active, event recently
    Event.objects.create(
        tenant=tenant, service=touched, kind=Event.Kind.STATE_START, at=RECENT, payload={}
    )
    make_service(tenant, "expired", started=RECENT, expires=NOW - dt.timedelta(minutes=1))


def body_of(response) -> list:
    assert response.status_code == 200, b"".join(response.streaming_content)
    return json.loads(b"".join(response.streaming_content))


def stream(api, **params):
    query = "&".join(f"{k}={v}" for k, v in {"time_from": WEEK_AGO, **params}.items())
    return api.get(f"maintenance/services/stream?{query}")


@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, {"started-recently", "ended-recently", "old-but-touched"}),
        ({"filter_events": "started"}, {"started-recently"}),
        ({"filter_events": "completed"}, {"ended-recently"}),
        (
            {"export_content": "true", "filter_state": "active"},
            {"started-recently", "old-but-touched"},
        ),
        ({"export_content": "true", "filter_state": "inactive"}, {"ended-recently"}),
        (
            {"time_from": FAR, "filter_events": "started"},
            {"started-recently", "ended-recently", "old-and-done", "old-but-touched"},
        ),
    ],
)
def test_filters_select_by_event_then_state(api, journeys, params, expected):
    items = body_of(stream(api, **params))
    ids = {item["service_id"] if isinstance(item, dict) else item for item in items}
    assert ids == expected


def test_time_to_bounds_the_window(api, journeys):
    before_recent = (RECENT - dt.timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert body_of(
        stream(api, time_from=FAR, time_to=before_recent, filter_events="completed")
    ) == ["old-and-done"]


def test_full_content_carries_states_and_tasks(api, journeys):
    items = body_of(stream(api, export_content="true", filter_events="started"))
    (service,) = items
    assert service["service_id"] == "started-recently"
    assert [s["state_id"] for s in service["active_states"]] == [1]
    assert [t["task_id"] for t in service["active_tasks"]] == [1]


def test_ndjson_gives_one_service_per_line(api, journeys):
    response = api.get(
        f"maintenance/services/stream?time_from={WEEK_AGO}&export_content=true",
        headers={"Accept": "application/x-ndjson"},
    )
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 3
    assert {json.loads(line)["service_id"] for line in lines} == {
        "started-recently",
        "ended-recently",
        "old-but-touched",
    }


def test_stream_reads_chunk_by_chunk(api, tenant, django_assert_max_num_queries):
    for n in range(30):
        make_service(tenant, f"s{n}", started=RECENT)
    from plugins.maintenance.exporting import parse_export_query, stream_json_array

    query = parse_export_query({"time_from": WEEK_AGO, "export_content": "true"})
    # a fixed number of queries whatever the number of services: the services, then one
    # query for the states and one for the tasks per chunk
    with django_assert_max_num_queries(4):
        items = json.loads("".join(stream_json_array(tenant, query)))
    assert len(items) == 30


@pytest.mark.parametrize(
    "params, field",
    [
        ({"time_from": ""}, "time_from"),
        ({"time_from": "not-a-time"}, "time_from"),
        ({"filter_state": "active"}, "filter_state"),
        ({"export_content": "true", "filter_state": "sleepy"}, "filter_state"),
        ({"filter_events": "ended"}, "filter_events"),
        ({"export_content": "maybe"}, "export_content"),
        ({"time_to": "soon"}, "time_to"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(api, params, field):
    response = stream(api, **params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_stream_shows_only_the_callers_tenant(api, journeys, other_tenant):
    make_service(other_tenant, "globex-service", started=RECENT)
    ids = body_of(stream(api))
    assert "globex-service" not in ids


def test_supervisor_gets_401(api_as, journeys):
    assert stream(api_as("Supervisor")).status_code == 401
