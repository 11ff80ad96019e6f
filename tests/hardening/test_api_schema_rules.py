"""The OpenAPI document carries the rules the server enforces, so a client generated from it
refuses what the server refuses: name patterns, minimums, closed objects."""

from __future__ import annotations

import json

import pytest

from csadmin.pluginlib import NAME_MAX, NAME_PATTERN

API = "/genesys/1/cs"
NAME_RULE = {"type": "string", "pattern": NAME_PATTERN, "minLength": 1, "maxLength": NAME_MAX}


@pytest.fixture(scope="module")
def document():
    from django.test import Client

    return json.loads(Client().get(f"{API}/schema/?format=json").content)


def component(document, name: str) -> dict:
    return document["components"]["schemas"][name]


def path_parameter(document, method: str, path: str, name: str) -> dict:
    operation = document["paths"][f"{API}/{path}"][method]
    return next(p for p in operation["parameters"] if p["in"] == "path" and p["name"] == name)


def json_body(document, method: str, path: str) -> dict:  # the schema of a JSON body
    return document["paths"][f"{API}/{path}"][method]["requestBody"]["content"]["application/json"][
        "schema"
    ]


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        ("ExtensionSchemaRequest", "name"),
        ("AttributeRequest", "name"),
        ("IdentificationKeyRequest", "name"),
        ("IdentificationKeyRequest", "source"),
    ],
)
def test_names_in_bodies_carry_the_rule_of_names(document, schema, field):
    documented = component(document, schema)["properties"][field]
    assert {k: documented[k] for k in NAME_RULE} == NAME_RULE


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("put", "services/{service_id}/extensions/{name}", "name"),
        ("put", "services/{service_id}/states/{state_id}/extensions/{name}", "name"),
        ("put", "services/{service_id}/tasks/{task_id}/extensions/{name}", "name"),
        ("get", "metadata/profiles/extensions/{name}", "name"),
        ("put", "metadata/profiles/extensions/{name}", "name"),
        ("delete", "metadata/profiles/extensions/{name}", "name"),
        ("get", "metadata/identification-keys/{name}", "name"),
        ("put", "profiles/{customer_id}/extensions/{extension}/by/unique", "extension"),
    ],
)
def test_names_in_paths_carry_the_rule_of_names(document, method, path, name):
    assert path_parameter(document, method, path, name)["schema"] == NAME_RULE


def test_unique_items_name_attributes_by_the_rule_of_names(document):
    items = component(document, "ExtensionSchemaRequest")["properties"]["unique"]["items"]
    assert items["oneOf"][0] == NAME_RULE
    assert items["oneOf"][1] == {"type": "array", "items": NAME_RULE, "minItems": 1}


def test_minimums_are_documented(document):
    key = component(document, "IdentificationKeyRequest")["properties"]["attributes"]
    assert key["minItems"] == 1
    assert key["items"]["pattern"] == r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$"
    length = component(document, "AttributeRequest")["properties"]["length"]
    assert (length["minimum"], length["maximum"]) == (1, 65535)
    kinds = component(document, "SubscriptionInputRequest")["properties"]["kinds"]
    assert kinds["minItems"] == 1


def test_profile_extensions_need_at_least_one_extension(document):
    body = json_body(document, "post", "profiles/{customer_id}/extensions")
    assert body["type"] == "object"
    assert body["minProperties"] == 1


CLOSED = {
    "ExtensionSchemaRequest": ("POST", "metadata/profiles/extensions"),
    "AttributeRequest": ("PUT", "metadata/profiles"),
    "ProfileSchemaRequest": ("PUT", "metadata/profiles"),
    "IdentificationKeyRequest": ("POST", "metadata/identification-keys"),
    "SubscriptionInputRequest": ("POST", "metadata/subscriptions"),
    "PatchedSubscriptionInputRequest": ("PATCH", "metadata/subscriptions/1"),
}


@pytest.mark.parametrize("name", sorted(CLOSED))
def test_bodies_that_refuse_unknown_fields_are_closed_objects(document, name):
    assert component(document, name)["additionalProperties"] is False


def test_bodies_that_keep_unknown_fields_stay_open(document):
    """Events keep any other key as attached data (spec §4)."""
    for name in ("ServiceStartRequest", "EventRequest", "StateStartRequest", "TaskStartRequest"):
        assert "additionalProperties" not in component(document, name), name
    for name in ("Attribute", "ExtensionSchema"):  # answers are described, not closed
        assert "additionalProperties" not in component(document, name), name


def test_the_expiry_needs_ttl_or_expiration_time(document):
    assert component(document, "ExpiryRequest")["anyOf"] == [
        {"required": ["ttl"]},
        {"required": ["expiration_time"]},
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "services/{service_id}"), ("post", "profiles/{customer_id}/extensions")],
)
def test_a_body_that_cannot_be_empty_is_required(document, method, path):
    assert document["paths"][f"{API}/{path}"][method]["requestBody"]["required"] is True


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "metadata/profiles/extensions", {"name": "E", "type": "classifier", "x": 1}),
        ("PUT", "metadata/profiles", {"attributes": [{"name": "A", "type": "string", "x": 1}]}),
        ("PUT", "metadata/profiles", {"attributes": [], "x": 1}),
        ("POST", "metadata/identification-keys", {"name": "K", "attributes": ["A"], "x": 1}),
        (
            "POST",
            "metadata/subscriptions",
            {"name": "s", "target_url": "https://a.example", "x": 1},
        ),
    ],
)
def test_the_server_refuses_unknown_fields_where_the_document_says_so(api, method, path, body):
    response = api.call(method, path, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert any("x" in key or any("x" in m for m in messages) for key, messages in errors.items())


def test_the_document_is_valid(document):
    from drf_spectacular.validation import validate_schema

    validate_schema(document)


def test_what_the_document_marks_nullable_the_server_reads_as_not_given(api, document):
    attribute = component(document, "AttributeRequest")["properties"]["length"]
    extension = component(document, "ExtensionSchemaRequest")["properties"]
    assert attribute["nullable"] and extension["attributes"]["nullable"]
    assert extension["unique"]["nullable"]
    body = {"attributes": [{"name": "Note", "type": "string", "length": None}]}
    assert api.put("metadata/profiles", body).json()["attributes"][0]["length"] == 256
    bare = {"name": "Flag", "type": "classifier", "attributes": None, "unique": None}
    assert api.post("metadata/profiles/extensions", bare).status_code == 201


def test_type_names_are_documented_without_control_characters(document):
    from plugins.services.events import WITHOUT_CONTROL_CHARACTERS

    for schema, field in [("ServiceStartRequest", "service_type"), ("EventRequest", "disposition")]:
        name = component(document, schema)["properties"][field]["oneOf"][0]
        assert name["pattern"] == WITHOUT_CONTROL_CHARACTERS == r"^[^\x00-\x1f\x7f-\x9f]*$"
