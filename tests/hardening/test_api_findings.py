"""Findings of the API fuzzing, pinned: each answered outside its documented schema once."""

import json

from django.test import Client

from csadmin.api.pagination import KeysetPagination


def test_unknown_api_paths_answer_json_404_even_to_a_session_without_csrf_token(admin):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post("/genesys/1/cs/services/x/states/not-a-number/end", {})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["exception"] == "NotFoundException"


def test_a_null_profile_schema_is_refused_not_read_as_empty(api):
    assert api.put("metadata/profiles", {"attributes": [{"name": "A", "type": "string"}]})
    response = api.put("metadata/profiles", {"attributes": None})
    assert response.status_code == 400
    assert response.json()["errors"] == {"attributes": ["is required"]}
    assert [a["name"] for a in api.get("metadata/profiles").json()["attributes"]] == ["A"]


def test_a_blank_job_filter_is_refused(api):
    response = api.get("maintenance/jobs?state=")
    assert response.status_code == 400
    assert "state" in response.json()["errors"]


def test_every_operation_documents_the_common_errors(client):
    document = json.loads(client.get("/genesys/1/cs/schema/?format=json").content)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"400", "401", "403"} <= set(operation["responses"]), (method, path)


def test_page_size_is_documented_as_served(api):
    parameter = KeysetPagination.openapi_parameters()[1]
    assert "maximum" not in parameter.type  # more than the maximum is served as the maximum
    assert str(KeysetPagination.max_page_size) in parameter.description


def test_timestamps_with_any_iso_offset_are_served_not_500(api):
    for value in ("1055-04-15T06:20:57-22:07", "2026-01-01T00:00:00+23:59"):
        response = api.get("services/anonymous/k1", data={"started_from": value})
        assert response.status_code == 200, (value, response.content)
    started = api.post(
        "services/start", {"service_type": "Sales", "expiration_time": "2999-01-01T00:00:00-22:00"}
    )
    assert started.status_code == 201, started.content
    edge = api.get("services/anonymous/k1", data={"started_to": "0001-01-01T00:00:00+01:00"})
    assert edge.status_code == 400
    assert edge.json()["errors"] == {"started_to": ["must be an ISO-8601 timestamp"]}
