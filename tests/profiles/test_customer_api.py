"""Customers, identify and extension records through the API (spec §3)."""

import pytest

from csadmin.audit.models import AuditEntry
from plugins.profiles.models import Customer, ExtensionRecord, IdentityKey, RecordKey

HOME = {"AddressType": 1, "Address": "1 Main St", "PostCode": "1000", "Country": "BE"}
WORK = {"AddressType": 2, "Address": "2 Side St", "PostCode": "2000", "Country": "BE"}


def test_create_before_profile_schema_is_403(api, tenant):
    response = api.post("profiles", {"LastName": "Doe"})
    assert response.status_code == 403
    assert "profile schema" in response.json()["message"]


def test_create_get_with_extensions(api, schemas):
    body = {
        "customer_id": "C1",
        "LastName": "Doe",
        "FirstName": "Jane",
        "Age": "41",
        "Address": [HOME, WORK],
        "loyalty": {"Points": 10},
    }
    response = api.post("profiles", {**body, "Age": 41})
    assert response.status_code == 201, response.json()
    assert response.json() == {"customer_id": "C1"}
    assert response["Location"].endswith("/genesys/1/cs/profiles/C1")
    plain = api.get("profiles/C1").json()
    assert plain == {"customer_id": "C1", "FirstName": "Jane", "LastName": "Doe", "Age": 41}
    full = api.get("profiles/C1?extensions=*").json()
    assert full["Address"] == [HOME, WORK]
    assert full["Loyalty"] == {"Level": "bronze", "Points": 10}  # default applied
    one = api.get("profiles/C1?extensions=address").json()
    assert "Loyalty" not in one and len(one["Address"]) == 2
    assert api.get("profiles/C1?extensions=Nope").status_code == 400
    assert api.get("profiles/C2").status_code == 404
    assert (
        AuditEntry.objects.filter(plugin="profiles")
        .exclude(object_type__in=["profile_schema", "extension_schema"])
        .count()
        == 0
    )


def test_generated_id(api, schemas):
    response = api.post("profiles", {"LastName": "Doe"})
    assert response.status_code == 201
    customer_id = response.json()["customer_id"]
    assert len(customer_id) == 32
    assert api.get(f"profiles/{customer_id}").status_code == 200


def test_duplicate_customer_id_is_400(api, schemas):
    assert api.post("profiles", {"customer_id": "C1", "LastName": "a"}).status_code == 201
    response = api.post("profiles", {"customer_id": "C1", "LastName": "b"})
    assert response.status_code == 400
    assert "exists" in response.json()["message"]


BAD_VALUES = [
    ({"LastName": 5}, "LastName", "must be a string"),
    ({"LastName": "x" * 65}, "LastName", "at most 64 characters"),
    ({"FirstName": "Jo"}, "LastName", "is mandatory"),
    ({"LastName": "a", "Age": "41"}, "Age", "must be an integer"),
    ({"LastName": "a", "Age": 2**40}, "Age", "between"),
    ({"LastName": "a", "Age": True}, "Age", "must be an integer"),
    ({"LastName": "a", "Shoe": 42}, "Shoe", "neither an attribute"),
    ({"LastName": "a", "Address": [{"PostCode": "1"}]}, "Address[0].Address", "is mandatory"),
    (
        {"LastName": "a", "Address": [{"Address": "x", "Town": "y"}]},
        "Address[0].Town",
        "not an attribute",
    ),
    (
        {"LastName": "a", "Address": [{"Address": "x", "PostCode": "12345678901"}]},
        "Address[0].PostCode",
        "at most 10",
    ),
    ({"LastName": "a", "Address": ["x"]}, "Address[0]", "JSON object"),
    ({"LastName": "a", "Loyalty": [{}, {}]}, "Loyalty", "give one record"),
    ({"LastName": "a", "Loyalty": {"Points": 1.5}}, "Loyalty.Points", "must be a long"),
    ({"LastName": "a", "Loyalty": {"Since": "2026-02-30"}}, "Loyalty.Since", "calendar date"),
    ({"LastName": "a", "Loyalty": {"Since": "29/11/2026"}}, "Loyalty.Since", "YYYY-MM-DD"),
    (
        {"LastName": "a", "Loyalty": {"LastVisit": "2026-11-29T10:15:00+02:00"}},
        "Loyalty.LastVisit",
        "UTC",
    ),
    ({"LastName": "a", "Loyalty": {"LastVisit": "yesterday"}}, "Loyalty.LastVisit", "ISO-8601"),
    ({"LastName": "a", "Loyalty": {"Balance": "ten"}}, "Loyalty.Balance", "amount"),
    ({"LastName": "a", "Loyalty": {"Score": "high"}}, "Loyalty.Score", "must be a number"),
    ({"LastName": "a", "Loyalty": {"Active": "yes"}}, "Loyalty.Active", "true or false"),
    ({"LastName": "a", "customer_id": "a/b"}, "customer_id", "must not contain"),
    ({"LastName": "a", "customer_id": 7}, "customer_id", "must be a text"),
]


@pytest.mark.parametrize(("body", "field", "rule"), BAD_VALUES)
def test_bad_values_are_400_naming_field_and_rule(api, schemas, body, field, rule):
    response = api.post("profiles", body)
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert field in errors, errors
    assert any(rule in message for message in errors[field]), errors
    assert not Customer.objects.exists()
    assert not ExtensionRecord.objects.exists()


def test_typed_values_are_stored_normalized(api, schemas):
    body = {
        "customer_id": "C1",
        "LastName": "a",
        "Loyalty": {
            "LastVisit": "2026-11-29T10:15:00Z",
            "Balance": "12.5",
            "Score": 3,
            "Active": False,
            "Since": "2020-01-31",
            "Points": 2**40,
        },
    }
    assert api.post("profiles", body).status_code == 201
    loyalty = api.get("profiles/C1?extensions=Loyalty").json()["Loyalty"]
    assert loyalty["LastVisit"] == "2026-11-29T10:15:00.000Z"
    assert loyalty["Balance"] == 12.5 and loyalty["Score"] == 3.0
    assert loyalty["Active"] is False and loyalty["Points"] == 2**40


def test_duplicate_unique_record_in_one_body_is_400(api, schemas):
    same = {**WORK, "PostCode": HOME["PostCode"], "Country": HOME["Country"]}
    response = api.post("profiles", {"customer_id": "C1", "LastName": "a", "Address": [HOME, same]})
    assert response.status_code == 400
    assert "PostCode, Country" in response.json()["message"]
    assert not Customer.objects.exists() and not RecordKey.objects.exists()


def test_replace_core_and_present_extensions_only(api, schemas):
    api.post(
        "profiles",
        {
            "customer_id": "C1",
            "LastName": "Doe",
            "FirstName": "Jane",
            "Address": [HOME],
            "Loyalty": {"Points": 1},
        },
    )
    response = api.put("profiles/C1", {"LastName": "Roe", "Address": [WORK]})
    assert response.status_code == 200, response.json()
    got = api.get("profiles/C1?extensions=*").json()
    assert "FirstName" not in got and got["LastName"] == "Roe"
    assert got["Address"] == [WORK]
    assert got["Loyalty"]["Points"] == 1
    assert api.put("profiles/C1", {"FirstName": "x"}).status_code == 400  # LastName mandatory
    assert api.put("profiles/C9", {"LastName": "x"}).status_code == 404
    assert api.put("profiles/C1", {"customer_id": "C2", "LastName": "x"}).status_code == 400


def test_delete_removes_records(api, keys):
    api.post(
        "profiles",
        {"customer_id": "C1", "LastName": "Doe", "PhoneNumber": "555", "Address": [HOME]},
    )
    response = api.delete("profiles/C1")
    assert response.status_code == 200
    assert not ExtensionRecord.objects.exists()
    assert not IdentityKey.objects.exists() and not RecordKey.objects.exists()
    assert api.get("profiles/C1").status_code == 404
    assert api.delete("profiles/C1").status_code == 404


def test_set_extension_records_replaces_them(api, schemas):
    api.post("profiles", {"customer_id": "C1", "LastName": "Doe", "Address": [HOME]})
    response = api.post("profiles/C1/extensions", {"Address": [WORK], "Loyalty": {"Points": 3}})
    assert response.status_code == 200, response.json()
    assert response.json()["Address"] == [WORK]
    got = api.get("profiles/C1?extensions=*").json()
    assert got["Address"] == [WORK] and got["Loyalty"]["Points"] == 3
    assert api.post("profiles/C1/extensions", {"Nope": {}}).status_code == 400
    assert api.post("profiles/C1/extensions", []).status_code == 400
    assert api.post("profiles/C9/extensions", {"Address": []}).status_code == 404


def test_update_and_delete_one_record_by_unique(api, schemas):
    api.post("profiles", {"customer_id": "C1", "LastName": "Doe", "Address": [HOME, WORK]})
    path = "profiles/C1/extensions/Address/by/unique"
    response = api.put(path, {"PostCode": "2000", "Country": "BE", "Address": "3 New St"})
    assert response.status_code == 204
    records = api.get("profiles/C1?extensions=Address").json()["Address"]
    assert records[1]["Address"] == "3 New St" and records[1]["AddressType"] == 2
    assert api.put(path, {"AddressType": 1, "Address": "4 Home St"}).status_code == 204
    assert api.get("profiles/C1?extensions=Address").json()["Address"][0]["Address"] == (
        "4 Home St"
    )
    assert api.put(path, {"AddressType": 9, "Address": "x"}).status_code == 404
    assert api.put(path, {"Address": "no unique attribute"}).status_code == 400
    assert api.put(path, {"AddressType": 1, "PostCode": "2000", "Country": "BE"}).status_code == 400
    delete = "profiles/C1/extensions/Address/delete/by/unique"
    assert api.put(delete, {"AddressType": 2}).status_code == 204
    assert len(api.get("profiles/C1?extensions=Address").json()["Address"]) == 1
    assert api.put(delete, {"AddressType": 2}).status_code == 404
    assert api.put("profiles/C1/extensions/Loyalty/by/unique", {"Level": "x"}).status_code == 400
    assert api.put("profiles/C1/extensions/Nope/by/unique", {"a": 1}).status_code == 404


def test_a_tenant_without_a_profile_schema_creates_no_customer(api_as, other_tenant, schemas):
    other = api_as("Administrator", in_tenant=other_tenant)
    assert other.post("profiles", {"customer_id": "C1"}).status_code == 403  # no schema there


# -- identify -------------------------------------------------------------------------------


@pytest.fixture
def people(api, keys):
    api.post(
        "profiles",
        {
            "customer_id": "C1",
            "LastName": "Doe",
            "FirstName": "Jane",
            "PhoneNumber": "555-1",
            "Address": [HOME],
        },
    )
    api.post(
        "profiles",
        {
            "customer_id": "C2",
            "LastName": "Doe",
            "FirstName": "John",
            "PhoneNumber": "555-2",
            "Address": [WORK],
        },
    )
    api.post("profiles", {"customer_id": "C3", "LastName": "Roe", "FirstName": "Jane"})
    return api


def _ids(response):
    assert response.status_code == 200, response.json()
    return sorted(item["customer_id"] for item in response.json())


def test_identify_with_all_attributes_of_a_key(people):
    assert _ids(people.get("profiles?PhoneNumber=555-1")) == ["C1"]
    assert _ids(people.get("profiles?LastName=Doe&FirstName=John")) == ["C2"]
    assert _ids(people.get("profiles?Address.PostCode=2000&Address.Country=BE")) == ["C2"]


def test_identify_with_leading_attributes(people):
    assert _ids(people.get("profiles?LastName=Doe")) == ["C1", "C2"]
    assert _ids(people.get("profiles?Address.PostCode=1000")) == ["C1"]
    # FirstName alone is not a leading attribute of any key
    assert people.get("profiles?FirstName=Jane").status_code == 400


def test_identify_prefers_the_key_fully_given(people):
    # LastName (ByName, partly) and PhoneNumber (ByPhone, fully): ByPhone wins
    assert _ids(people.get("profiles?LastName=Roe&PhoneNumber=555-2")) == ["C2"]


def test_identify_with_id_key(people):
    assert _ids(people.get("profiles?id_key=byname&LastName=Doe&PhoneNumber=555-2")) == ["C1", "C2"]
    assert people.get("profiles?id_key=Nope&LastName=Doe").status_code == 404
    response = people.get("profiles?id_key=ByName&FirstName=Jane")
    assert response.status_code == 400 and "LastName" in response.json()["errors"]


def test_identify_include_profile_and_extensions(people):
    response = people.get("profiles?PhoneNumber=555-1&include_profile=no&extensions=Address")
    assert response.json() == [{"customer_id": "C1", "Address": [HOME]}]
    full = people.get("profiles?PhoneNumber=555-1").json()[0]
    assert full["FirstName"] == "Jane"
    assert people.get("profiles?PhoneNumber=555-1&include_profile=maybe").status_code == 400


def test_identify_follows_updates(people):
    people.put("profiles/C1", {"LastName": "Doe", "PhoneNumber": "555-9"})
    assert _ids(people.get("profiles?PhoneNumber=555-1")) == []
    assert _ids(people.get("profiles?PhoneNumber=555-9")) == ["C1"]
    people.post("profiles/C2/extensions", {"Address": [HOME]})
    assert _ids(people.get("profiles?Address.PostCode=1000&Address.Country=BE")) == ["C1", "C2"]
    people.delete("profiles/C2")
    assert _ids(people.get("profiles?Address.PostCode=1000&Address.Country=BE")) == ["C1"]


def test_identify_typed_values(api, schemas):
    api.post(
        "metadata/identification-keys",
        {"name": "ByAge", "source": "profile", "attributes": ["Age"]},
    )
    api.post("profiles", {"customer_id": "C1", "LastName": "a", "Age": 30})
    assert _ids(api.get("profiles?Age=30")) == ["C1"]
    assert api.get("profiles?Age=thirty").status_code == 400


def test_identify_without_keys_is_400(api, schemas):
    assert api.get("profiles?LastName=Doe").status_code == 400


def test_key_created_after_customers_indexes_them(api, schemas):
    api.post("profiles", {"customer_id": "C1", "LastName": "Doe", "EmailAddress": "a@b"})
    api.post(
        "metadata/identification-keys",
        {"name": "ByEmail", "source": "profile", "attributes": ["EmailAddress"]},
    )
    assert _ids(api.get("profiles?EmailAddress=a@b")) == ["C1"]


def test_unique_identification_key_refuses_a_second_holder(api, schemas):
    api.post(
        "metadata/identification-keys",
        {"name": "ByEmail", "source": "profile", "attributes": ["EmailAddress"], "unique": True},
    )
    assert (
        api.post(
            "profiles", {"customer_id": "C1", "LastName": "a", "EmailAddress": "a@b"}
        ).status_code
        == 201
    )
    response = api.post("profiles", {"customer_id": "C2", "LastName": "b", "EmailAddress": "a@b"})
    assert response.status_code == 400
    assert "ByEmail" in response.json()["message"]
    assert Customer.objects.count() == 1


def test_extension_key_created_after_customers_indexes_each_their_own(api, schemas):
    api.post("profiles", {"customer_id": "C1", "LastName": "a", "Address": [HOME]})
    api.post("profiles", {"customer_id": "C2", "LastName": "b", "Address": [WORK]})
    api.post(
        "metadata/identification-keys",
        {"name": "ByPost", "source": "Address", "attributes": ["PostCode"]},
    )
    assert _ids(api.get("profiles?Address.PostCode=1000")) == ["C1"]
    assert _ids(api.get("profiles?address.postcode=2000")) == ["C2"]


def test_nul_characters_are_refused_not_an_error(api, keys):
    """PostgreSQL cannot store NUL in text: each of these must be a 4xx, not a 500."""
    assert api.post("profiles", {"customer_id": "C1", "LastName": "a\u0000b"}).status_code == 400
    assert api.post("profiles", {"customer_id": "C\u00001", "LastName": "a"}).status_code == 400
    assert api.post("profiles", {"LastName": "a", "Ext\u0000": {}}).status_code == 400
    assert api.get("profiles/C%001").status_code == 404
    assert api.get("metadata/profiles/extensions/A%00").status_code == 404
    assert api.get("metadata/identification-keys/A%00").status_code == 404
    assert api.get("profiles?PhoneNumber=5%005").status_code == 400
    assert (
        api.post(
            "metadata/identification-keys", {"name": "K", "source": "A\u0000", "attributes": ["x"]}
        ).status_code
        == 400
    )
    assert not Customer.objects.exists()
