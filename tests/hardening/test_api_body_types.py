"""Every body has the type its operation documents, and every name follows its rule.

The operations are read from the OpenAPI document, so an operation added later is covered
without a change here.
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from csadmin.pluginlib import NAME_PATTERN, ValidationFailed, name_problems

API = "/genesys/1/cs"
NOT_OBJECTS = ["[]", "null", "3", "0", '"text"', "true", "false", "[{}]"]


def json_body_operations() -> list[tuple[str, str]]:
    from django.test import Client

    document = json.loads(Client().get(f"{API}/schema/?format=json").content)
    return sorted(
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    )


@pytest.fixture
def world(api):
    """A service with state 1 and task 1, a customer with an extension record: the ids every
    path of a JSON-body operation needs, so that a refusal is not a 404 in disguise."""
    assert api.put("metadata/profiles", {"attributes": [{"name": "Name", "type": "string"}]})
    address = {
        "name": "Address",
        "type": "multi-valued",
        "attributes": [{"name": "Street", "type": "string", "unique": True}],
    }
    assert api.post("metadata/profiles/extensions", address).status_code == 201
    customer = {"customer_id": "C1", "Name": "Ann", "Address": [{"Street": "Main"}]}
    assert api.post("profiles", customer).status_code == 201
    sid = api.post("services/start", {"service_type": "Sales"}).json()["service_id"]
    assert api.post(f"services/{sid}/states/start", {"state_type": "Talk"}).status_code == 201
    assert api.post(f"services/{sid}/tasks/start", {"task_type": "Call"}).status_code == 201
    return {
        "service_id": sid,
        "state_id": "1",
        "task_id": "1",
        "customer_id": "C1",
        "name": "Address",
        "extension": "Address",
        "subscription_id": "999999",
    }


def send(api, method: str, path: str, raw: str):
    return api.client.generic(
        method, path, raw, content_type="application/json", headers=api.headers
    )


@pytest.mark.parametrize(("method", "path"), json_body_operations())
def test_a_body_that_is_not_an_object_is_refused_naming_the_body(api, world, method, path):
    service = f"services/{world['service_id']}?active_states=true&active_tasks=true"
    before = api.get(service).json()
    for raw in NOT_OBJECTS:
        response = send(api, method, path.format(**world), raw)
        assert response.status_code == 400, (raw, response.content)
        assert response.json()["errors"] == {"body": ["must be a JSON object"]}, raw
    assert api.get(service).json() == before  # nothing ended, nothing stored


def test_the_body_check_covers_the_operations_of_the_issue():
    operations = set(json_body_operations())
    assert ("POST", f"{API}/services/{{service_id}}/end") in operations
    assert ("PUT", f"{API}/services/{{service_id}}/extensions/{{name}}") in operations


@pytest.mark.parametrize("path", ["end", "states/1/end", "tasks/1/end"])
def test_an_end_without_a_body_is_an_empty_event(api, world, path):
    sid = world["service_id"]
    response = api.client.post(f"{API}/services/{sid}/{path}", headers=api.headers)
    assert response.status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "services_composite/start", {"service_type": "S", "states": {}}, "states"),
        ("POST", "services_composite/start", {"service_type": "S", "tasks": 3}, "tasks"),
        ("POST", "services/{sid}/states/transition", {"from": [], "to": {}}, "from"),
        ("POST", "services/{sid}/states/transition", {"from": {"state_id": 1}, "to": []}, "to"),
        ("POST", "services/start", {"service_type": ["S"]}, "service_type"),
        ("POST", "services/start", {"service_type": "S", "ttl": "5"}, "ttl"),
        ("PUT", "services/{sid}", {"ttl": {}}, "ttl"),
        ("POST", "metadata/identification-keys", {"name": "K", "attributes": {}}, "attributes"),
        (
            "POST",
            "metadata/profiles/extensions",
            {"name": "E", "type": "multi-valued", "attributes": {}},
            "attributes",
        ),
        (
            "POST",
            "metadata/profiles/extensions",
            {"name": "E", "type": "multi-valued", "attributes": [3]},
            "attributes[0]",
        ),
        ("PUT", "metadata/profiles", {"attributes": {"name": "A"}}, "attributes"),
        (
            "POST",
            "metadata/subscriptions",
            {"name": "s", "target_url": "https://example.com/h", "kinds": {}},
            "kinds",
        ),
        ("POST", "maintenance/purge", {"operation": "purge.service.all", "limit": 3}, "limit"),
        ("POST", "server/mode", {"mode": ["production"]}, "mode"),
    ],
)
def test_a_field_of_the_wrong_type_is_refused_naming_the_field(
    api, world, method, path, body, field
):
    response = api.call(method, path.format(sid=world["service_id"]), body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()


BAD_NAMES = ["Bad\nName", "Tab\tName", "Bell\x07", "1st", "_x", "A-b", "Ä", "A" * 27, "A b"]


@pytest.mark.parametrize("where", ["", "states/1/", "tasks/1/"])
def test_an_extension_name_of_a_service_state_or_task_follows_the_rule_of_names(api, world, where):
    sid = world["service_id"]
    for name in BAD_NAMES:
        path = f"services/{sid}/{where}extensions/{quote(name, safe='')}"  # as clients send it
        response = api.put(path, {"a": 1})
        assert response.status_code == 400, (name, response.content)
        assert response.json()["errors"]["name"] == name_problems(name)
    document = api.get(f"services/{sid}/{where}".rstrip("/")).json()
    assert "extensions" not in document


@pytest.mark.parametrize("where", ["", "states/1/", "tasks/1/"])
def test_an_extension_name_following_the_rule_is_stored(api, world, where):
    sid = world["service_id"]
    response = api.put(f"services/{sid}/{where}extensions/Order_2", {"a": 1})
    assert response.status_code == 200
    assert response.json()["extensions"] == {"Order_2": {"a": 1}}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("metadata/profiles/extensions", {"name": "Bad\nName", "type": "classifier"}, "name"),
        (
            "metadata/profiles/extensions",
            {
                "name": "Ok",
                "type": "multi-valued",
                "attributes": [{"name": "a\n", "type": "string"}],
            },
            "attributes[0].name",
        ),
        ("metadata/identification-keys", {"name": "K\n", "attributes": ["Name"]}, "name"),
    ],
)
def test_schema_and_key_names_with_control_characters_are_refused(api, world, path, body, field):
    response = api.post(path, body)
    assert response.status_code == 400
    assert "may contain only letters, digits and _" in response.json()["errors"][field]


@pytest.mark.parametrize(
    "name", ["A", "a1", "Abc_9", "A" * 26, *BAD_NAMES, "", "A\n", "\nA", "A\x00"]
)
def test_the_documented_pattern_is_the_rule_the_server_checks(name):
    """OpenAPI reads the pattern as ECMA-262, where `$` is the end of the text: fullmatch."""
    documented = re.fullmatch(NAME_PATTERN.removeprefix("^").removesuffix("$"), name)
    assert (documented is not None and len(name) <= 26) == (not name_problems(name))


@pytest.mark.parametrize("body", [None, [], 0, ""])
def test_the_services_refuse_an_end_event_that_is_not_an_object(api, world, body):
    """The rule holds below the API too: a caller of the services cannot end with a non-object."""
    from django.db import transaction

    from plugins.services import services
    from plugins.services.models import Service

    service = Service.objects.get(service_id=world["service_id"])
    for end in (
        lambda: services.service_end(
            tenant=service.tenant, service_id=service.service_id, body=body, actor=None
        ),
        lambda: services.state_end(
            tenant=service.tenant, service_id=service.service_id, state_id=1, body=body, actor=None
        ),
        lambda: services.task_end(
            tenant=service.tenant, service_id=service.service_id, task_id=1, body=body, actor=None
        ),
    ):
        with pytest.raises(ValidationFailed) as refused, transaction.atomic():
            end()
        assert refused.value.errors == {"body": ["must be a JSON object"]}
    service.refresh_from_db()
    assert service.is_active


@pytest.mark.parametrize("value", ["Sal\nes", "Sales\t", "\x1bSales", "Sa\x7fles", "Sa\x85les"])
def test_a_type_name_with_control_characters_is_refused(api, world, value):
    sid = world["service_id"]
    calls = [
        ("services/start", {"service_type": value}, "service_type"),
        (f"services/{sid}/states/start", {"state_type": value}, "state_type"),
        (f"services/{sid}/tasks/start", {"task_type": "Call", "media_type": value}, "media_type"),
        (
            "services_composite/start",
            {"service_type": "Sales", "states": [{"state_type": value}]},
            "states[0].state_type",
        ),
        (f"services/{sid}/end", {"disposition": value}, "disposition"),
    ]
    for path, body, field in calls:
        response = api.post(path, body)
        assert response.status_code == 400, (path, response.content)
        assert response.json()["errors"] == {field: ["must not contain control characters"]}


def test_a_business_attribute_value_name_with_control_characters_is_refused(tenant, admin):
    from plugins.services import services

    with pytest.raises(ValidationFailed) as refused:
        services.business_value_add(
            tenant=tenant, attribute="Service.type", name="Sal\nes", actor=admin
        )
    assert refused.value.errors == {"name": ["must not contain control characters"]}
