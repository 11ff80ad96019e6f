"""Extension schemas, the profile schema and identification keys through the API (spec §2)."""

import copy
import json

import pytest

from csadmin.audit.models import AuditEntry
from csadmin.tenancy.services import set_server_mode
from plugins.profiles.models import ExtensionRecord, ExtensionSchema, IdentificationKey
from tests.profiles.conftest import ADDRESS, PROFILE

EXT = "metadata/profiles/extensions"


def test_create_get_list_extension_schema(api, tenant):
    response = api.post(EXT, ADDRESS)
    assert response.status_code == 201, response.json()
    assert response.json() == {"name": "Address"}
    assert response["Location"].endswith("/genesys/1/cs/metadata/profiles/extensions/Address")
    got = api.get(f"{EXT}/address").json()  # looked up ignoring case
    assert got["type"] == "multi-valued"
    assert got["unique"] == ["AddressType", ["PostCode", "Country"]]
    assert got["attributes"][1] == {
        "name": "Address",
        "type": "string",
        "length": 256,
        "mandatory": True,
        "unique": False,
        "encrypt": False,
    }
    assert got["attributes"][0]["default"] == 0
    assert [s["name"] for s in api.get(EXT).json()] == ["Address"]
    entry = AuditEntry.objects.get(action="extension_schema.create")
    assert entry.plugin == "profiles" and entry.object_id == "Address"


def test_length_and_mandatory_may_be_strings(api):
    body = {
        "name": "Note",
        "type": "multi-valued",
        "attributes": [{"name": "Text", "type": "string", "length": "10", "mandatory": "true"}],
    }
    assert api.post(EXT, body).status_code == 201
    attribute = api.get(f"{EXT}/Note").json()["attributes"][0]
    assert attribute["length"] == 10 and attribute["mandatory"] is True


def test_string_length_defaults_to_256(api):
    body = {
        "name": "Note",
        "type": "single-valued",
        "attributes": [{"name": "Text", "type": "string"}],
    }
    api.post(EXT, body)
    assert api.get(f"{EXT}/Note").json()["attributes"][0]["length"] == 256


def test_classifier_has_no_attributes(api):
    assert api.post(EXT, {"name": "Vip", "type": "classifier"}).status_code == 201
    bad = {"name": "Gold", "type": "classifier", "attributes": [{"name": "A", "type": "string"}]}
    response = api.post(EXT, bad)
    assert response.status_code == 400
    assert "attributes" in response.json()["errors"]


def _schema_with(**changes):
    body = copy.deepcopy(ADDRESS)
    body.update(changes)
    return body


def _attribute(**fields):
    return {"name": "Extra", "type": "string", **fields}


BAD_SCHEMAS = [
    ("27 characters", _schema_with(name="A" * 27), "name", "at most 26"),
    ("digit first", _schema_with(name="1Address"), "name", "start with a letter"),
    ("underscore first", _schema_with(name="_Address"), "name", "start with a letter"),
    ("space", _schema_with(name="Home Address"), "name", "only letters, digits and _"),
    ("quote", _schema_with(name="Add'ress"), "name", "only letters, digits and _"),
    ("sql", _schema_with(name="A;DROP TABLE x--"), "name", "only letters, digits and _"),
    ("html", _schema_with(name="<script>x</script>"), "name", "start with a letter"),
    ("not a text", _schema_with(name=12), "name", "is required"),
    ("missing name", {"type": "multi-valued"}, "name", "is required"),
    ("unknown type", _schema_with(type="many"), "type", "must be one of"),
    (
        "duplicate attribute names differing in case",
        _schema_with(attributes=[*ADDRESS["attributes"], _attribute(name="postcode")]),
        "attributes[4].name",
        "duplicates the name of attribute 2",
    ),
    (
        "attribute name 27 characters",
        _schema_with(attributes=[_attribute(name="B" * 27)], unique=[]),
        "attributes[0].name",
        "at most 26",
    ),
    (
        "unknown attribute type",
        _schema_with(attributes=[_attribute(type="text")], unique=[]),
        "attributes[0].type",
        "must be one of",
    ),
    (
        "length on an integer",
        _schema_with(attributes=[_attribute(type="integer", length=4)], unique=[]),
        "attributes[0].length",
        "only for string",
    ),
    (
        "length not a number",
        _schema_with(attributes=[_attribute(length="ten")], unique=[]),
        "attributes[0].length",
        "whole number",
    ),
    (
        "length zero",
        _schema_with(attributes=[_attribute(length=0)], unique=[]),
        "attributes[0].length",
        "between 1 and",
    ),
    (
        "mandatory not a flag",
        _schema_with(attributes=[_attribute(mandatory="maybe")], unique=[]),
        "attributes[0].mandatory",
        "true or false",
    ),
    (
        "default of the wrong type",
        _schema_with(attributes=[_attribute(type="integer", default="x")], unique=[]),
        "attributes[0].default",
        "must be an integer",
    ),
    (
        "default too long",
        _schema_with(attributes=[_attribute(length=2, default="abc")], unique=[]),
        "attributes[0].default",
        "at most 2 characters",
    ),
    (
        "unique names a missing attribute",
        _schema_with(unique=["AddressType", ["PostCode", "Town"]]),
        "unique[1]",
        "Town, which is not an attribute",
    ),
    ("unique not a list", _schema_with(unique="PostCode"), "unique", "must be a list"),
    ("unique item not a name", _schema_with(unique=[3]), "unique[0]", "attribute name"),
    ("unknown field", _schema_with(colour="red"), "colour", "is not a field"),
    ("attributes not a list", _schema_with(attributes={"a": 1}), "attributes", "must be a list"),
    (
        "attribute not an object",
        _schema_with(attributes=["x"], unique=[]),
        "attributes[0]",
        "must be an object",
    ),
]


@pytest.mark.parametrize(
    ("case", "body", "field", "rule"), BAD_SCHEMAS, ids=[c[0] for c in BAD_SCHEMAS]
)
def test_bad_schema_is_refused_naming_field_and_rule(api, case, body, field, rule):
    response = api.post(EXT, body)
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert any(rule in message for message in errors[field]), errors[field]
    assert response.json()["exception"] == "ValidationException"
    assert not ExtensionSchema.objects.exists()


def test_duplicate_name_ignoring_case_is_400(api):
    assert api.post(EXT, ADDRESS).status_code == 201
    response = api.post(EXT, _schema_with(name="ADDRESS"))
    assert response.status_code == 400
    assert "exists" in response.json()["message"]
    assert ExtensionSchema.objects.count() == 1


@pytest.mark.parametrize("body", [[], ["Address"], "text", 3, None])
def test_body_not_an_object_is_400(api, body):
    response = _raw(api, "post", EXT, json.dumps(body))
    assert response.status_code == 400
    assert response.json()["errors"] == {"body": ["must be a JSON object"]}


def _raw(api, method, path, data, content_type="application/json"):
    return getattr(api.client, method)(
        "/genesys/1/cs/" + path, data=data, content_type=content_type, headers=api.headers
    )


def test_malformed_json_is_400_and_other_content_type_415(api):
    response = _raw(api, "post", EXT, '{"name": "Address", ')
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]
    response = _raw(api, "post", EXT, "name=Address", "application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert not ExtensionSchema.objects.exists()


def test_huge_body_is_413(api, settings):
    settings.CSADMIN_API_MAX_BODY_BYTES = 1000
    body = _schema_with(name="Big", attributes=[_attribute(name=f"A{i}") for i in range(100)])
    assert api.post(EXT, body).status_code == 413


def test_unknown_schema_is_404_and_method_405(api):
    assert api.get(f"{EXT}/Nope").status_code == 404
    assert api.delete(f"{EXT}/Nope").status_code == 404
    response = api.delete(EXT)
    assert response.status_code == 405
    assert "POST" in response["Allow"]


def test_changing_the_profile_schema_without_the_privilege_is_401(api_as, tenant):
    # The other schema endpoints' privilege rows: test_api_standard.py.
    response = api_as("Agent Application").put("metadata/profiles", PROFILE)
    assert response.status_code == 401
    assert response.json()["exception"] == "AuthenticationException"


def test_production_mode_refuses_every_schema_change(api, tenant, admin, schemas):
    set_server_mode(tenant=tenant, mode="production", actor=admin)
    calls = [
        api.post(EXT, _schema_with(name="Other")),
        api.put(f"{EXT}/Address", ADDRESS),
        api.delete(f"{EXT}/Address"),
        api.put("metadata/profiles", PROFILE),
        api.post(
            "metadata/identification-keys",
            {"name": "K", "source": "profile", "attributes": ["LastName"]},
        ),
    ]
    for response in calls:
        assert response.status_code == 403, response.json()
        assert "production" in response.json()["message"]
    assert api.get(f"{EXT}/Address").status_code == 200  # reading still works
    assert ExtensionSchema.objects.count() == 2


def test_another_tenant_may_use_the_same_schema_name(api_as, other_tenant, schemas):
    other = api_as("Administrator", in_tenant=other_tenant)
    assert other.post(EXT, ADDRESS).status_code == 201  # same name in another tenant is fine


def test_replace_applies_in_place_when_records_fit(api, schemas):
    api.post(
        "profiles",
        {
            "customer_id": "c1",
            "LastName": "Doe",
            "Address": [{"Address": "1 Main St", "PostCode": "1000"}],
        },
    )
    body = _schema_with(
        attributes=[*ADDRESS["attributes"], {"name": "Floor", "type": "integer", "default": 1}]
    )
    response = api.put(f"{EXT}/Address", body)
    assert response.status_code == 200, response.json()
    assert len(response.json()["attributes"]) == 5
    record = api.get("profiles/c1?extensions=Address").json()["Address"][0]
    assert record["Floor"] == 1  # the new default applied to existing records
    assert AuditEntry.objects.filter(action="extension_schema.replace").count() == 1


def test_replace_is_refused_naming_count_and_rule(api, schemas):
    for n in range(3):
        api.post(
            "profiles",
            {
                "customer_id": f"c{n}",
                "LastName": "Doe",
                "Address": [{"Address": "x" * 20, "PostCode": "1"}],
            },
        )
    shorter = copy.deepcopy(ADDRESS)
    shorter["attributes"][1]["length"] = 5
    response = api.put(f"{EXT}/Address", shorter)
    assert response.status_code == 400
    message = response.json()["message"]
    assert "3 existing records" in message and "at most 5 characters" in message
    assert api.get(f"{EXT}/Address").json()["attributes"][1]["length"] == 256


def test_replace_refused_when_unique_would_collide(api, schemas):
    api.post(
        "profiles",
        {
            "customer_id": "c1",
            "LastName": "Doe",
            "Address": [
                {"AddressType": 1, "Address": "a", "PostCode": "1"},
                {"AddressType": 2, "Address": "a", "PostCode": "2"},
            ],
        },
    )
    response = api.put(f"{EXT}/Address", _schema_with(unique=["Address"]))
    assert response.status_code == 400
    assert "1 existing records" in response.json()["message"]
    assert "unique Address" in response.json()["message"]
    to_single = api.put(f"{EXT}/Address", _schema_with(type="single-valued"))
    assert to_single.status_code == 400
    assert (
        "at most one record" in to_single.json()["message"]
        or "more than one" in (to_single.json()["message"])
    )


def test_replace_cannot_rename(api, schemas):
    response = api.put(f"{EXT}/Address", _schema_with(name="Home"))
    assert response.status_code == 400
    assert response.json()["errors"]["name"]


def test_delete_removes_records_and_is_refused_while_a_key_uses_it(api, keys):
    api.post(
        "profiles",
        {"customer_id": "c1", "LastName": "Doe", "Address": [{"Address": "a", "PostCode": "1"}]},
    )
    response = api.delete(f"{EXT}/Address")
    assert response.status_code == 400
    assert "ByPostCode" in response.json()["message"]
    assert api.delete("metadata/identification-keys/ByPostCode").status_code == 204
    assert ExtensionRecord.objects.filter(schema__name="Address").count() == 1
    assert api.delete(f"{EXT}/address").status_code == 204
    assert ExtensionRecord.objects.filter(schema__name="Address").count() == 0
    assert api.get(f"{EXT}/Address").status_code == 404
    entry = AuditEntry.objects.get(action="extension_schema.delete")
    assert entry.before["records"] == 1


def test_profile_schema_get_and_put(api, tenant):
    assert api.get("metadata/profiles").json() == {"attributes": []}
    response = api.put("metadata/profiles", PROFILE)
    assert response.status_code == 200, response.json()
    names = [a["name"] for a in api.get("metadata/profiles").json()["attributes"]]
    assert names == ["FirstName", "LastName", "PhoneNumber", "EmailAddress", "Age"]
    bad = api.put("metadata/profiles", {"attributes": [{"name": "9x", "type": "string"}]})
    assert bad.status_code == 400 and "attributes[0].name" in bad.json()["errors"]
    assert api.put("metadata/profiles", [1]).status_code == 400
    assert AuditEntry.objects.filter(action="profile_schema.set").count() == 1


def test_profile_schema_change_refused_when_customers_break_it(api, schemas):
    api.post("profiles", {"customer_id": "c1", "LastName": "Doe", "FirstName": "Jonathan"})
    shorter = copy.deepcopy(PROFILE)
    shorter["attributes"][0]["length"] = 3
    response = api.put("metadata/profiles", shorter)
    assert response.status_code == 400
    assert "1 existing customers" in response.json()["message"]


def test_profile_schema_cannot_drop_an_attribute_a_key_uses(api, keys):
    dropped = {"attributes": [a for a in PROFILE["attributes"] if a["name"] != "PhoneNumber"]}
    response = api.put("metadata/profiles", dropped)
    assert response.status_code == 400
    assert "ByPhone" in response.json()["message"]


KEYS = "metadata/identification-keys"


def test_identification_keys_create_list_get_delete(api, schemas):
    response = api.post(
        KEYS,
        {"name": "ByEmail", "source": "profile", "attributes": ["EmailAddress"], "unique": "true"},
    )
    assert response.status_code == 201, response.json()
    assert response["Location"].endswith("/metadata/identification-keys/ByEmail")
    response = api.post(
        KEYS, {"name": "ByPost", "source": "address", "attributes": ["Address.PostCode", "Country"]}
    )
    assert response.status_code == 201, response.json()
    assert api.get(f"{KEYS}/bypost").json() == {
        "name": "ByPost",
        "source": "Address",
        "attributes": ["PostCode", "Country"],
        "unique": False,
    }
    assert [k["name"] for k in api.get(KEYS).json()] == ["ByEmail", "ByPost"]
    assert api.delete(f"{KEYS}/ByEmail").status_code == 204
    assert api.get(f"{KEYS}/ByEmail").status_code == 404
    assert api.delete(f"{KEYS}/ByEmail").status_code == 404
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"identification_key.create", "identification_key.delete"} <= actions


BAD_KEYS = [
    ({"name": "1k", "source": "profile", "attributes": ["LastName"]}, "name"),
    ({"name": "K", "source": "Nope", "attributes": ["LastName"]}, "source"),
    ({"name": "K", "source": "profile", "attributes": []}, "attributes"),
    ({"name": "K", "source": "profile", "attributes": ["Shoe"]}, "attributes[0]"),
    ({"name": "K", "source": "Address", "attributes": ["Loyalty.Level"]}, "attributes[0]"),
    ({"name": "K", "source": "profile", "attributes": ["LastName", "lastname"]}, "attributes"),
    ({"name": "K", "source": "profile", "attributes": ["LastName"], "unique": "x"}, "unique"),
]


@pytest.mark.parametrize(("body", "field"), BAD_KEYS)
def test_bad_identification_key_is_400(api, schemas, body, field):
    response = api.post(KEYS, body)
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not IdentificationKey.objects.exists()


def test_identification_key_name_unique_ignoring_case(api, keys):
    response = api.post(
        KEYS, {"name": "BYPHONE", "source": "profile", "attributes": ["PhoneNumber"]}
    )
    assert response.status_code == 400


def test_unique_key_refused_when_customers_share_values(api, schemas):
    for n in range(2):
        api.post("profiles", {"customer_id": f"c{n}", "LastName": "Doe", "PhoneNumber": "555"})
    response = api.post(
        KEYS, {"name": "Phone", "source": "profile", "attributes": ["PhoneNumber"], "unique": True}
    )
    assert response.status_code == 400
    assert not IdentificationKey.objects.exists()
