"""The record rules' check of values against an attribute list: the rules it works out once
per list follow the list when it changes, and each value is read as `values.coerce` reads it."""

from __future__ import annotations

import pytest

from csadmin.pluginlib import ValidationFailed
from plugins.profiles import services
from plugins.profiles.record_rules import check_values, validate_values
from plugins.profiles.schema_rules import Errors
from plugins.profiles.values import BadValue, coerce


def checked(raw, attributes, from_text=False):
    errors = Errors()
    values = check_values(raw, attributes, path="X", errors=errors, from_text=from_text)
    return values, dict(errors)


def test_a_list_changed_in_place_is_checked_by_its_new_rules():
    attributes = [{"name": "Code", "type": "string", "length": 4}, {"name": "N", "type": "long"}]
    assert checked({"code": "abcd", "N": 5}, attributes) == ({"Code": "abcd", "N": 5}, {})

    attributes[0]["length"] = 2
    attributes[1]["type"] = "boolean"
    assert checked({"code": "abcd", "N": 5}, attributes)[1] == {
        "X.code": ["must be at most 2 characters (got 4) (type string)"],
        "X.N": ["must be true or false (type boolean)"],
    }

    attributes[0]["name"] = "Label"
    attributes.append({"name": "Must", "type": "integer", "mandatory": True})
    assert checked({"code": "ab", "N": True}, attributes)[1] == {
        "X.code": ["is not an attribute of the schema"],
        "X.Must": ["is mandatory"],
    }

    attributes[2]["default"] = 7
    assert checked({"label": "ab", "N": True}, attributes) == (
        {"Label": "ab", "N": True, "Must": 7},
        {},
    )


def test_values_come_back_in_the_attributes_order_with_defaults():
    attributes = [
        {"name": "A", "type": "string"},
        {"name": "B", "type": "integer", "default": 3},
        {"name": "C", "type": "date"},
    ]
    values = validate_values({"c": "2026-01-02", "a": "x"}, attributes)
    assert list(values.items()) == [("A", "x"), ("B", 3), ("C", "2026-01-02")]
    values = validate_values({"C": "2026-01-02", "B": 1, "A": "x"}, attributes)
    assert list(values) == ["A", "B", "C"]
    with pytest.raises(ValidationFailed):
        validate_values({"A": 1}, attributes)


TYPED = [
    ("integer", [5, 5.0, 2**31, True, "12", " -3 ", "1.5", "x"]),
    ("long", [2**40, 2**64, "99", "", "+7"]),
    ("double", [1, 1.5, float("inf"), "2.5", "nan", "abc", False]),
    ("currency", [1.23456, "1.23456", "x", 3]),
    ("boolean", [True, 0, "yes", "OFF", "", "maybe"]),
    ("date", ["2026-02-28", "2026-02-30", "26-1-1", 20260101]),
    ("datetime", ["2026-11-29T10:15:00Z", "2026-11-29T10:15", "2026-11-29T10:15+01:00", "x"]),
    ("string", ["ok", "a\x00b", "x" * 9, 3, ""]),
]


@pytest.mark.parametrize("from_text", [False, True])
@pytest.mark.parametrize(("kind", "samples"), TYPED)
def test_each_value_is_read_as_coerce_reads_it(kind, samples, from_text):
    attribute = {"name": "V", "type": kind, "length": 8}
    for sample in samples:
        values, errors = checked({"v": sample}, [attribute], from_text=from_text)
        if sample is None or (from_text and sample == "" and kind != "boolean"):
            assert (values, errors) == ({}, {})
            continue
        try:
            expected = ({"V": coerce(sample, attribute, from_text=from_text)}, {})
        except BadValue as bad:
            expected = ({}, {"X.v": [f"{bad} (type {kind})"]})
        assert (values, errors) == expected, sample


def test_a_replaced_profile_schema_checks_the_next_customer_by_its_rules(tenant, admin):
    def schema(age_type):
        body = {
            "attributes": [
                {"name": "LastName", "type": "string"},
                {"name": "Age", "type": age_type},
            ]
        }
        services.profile_schema_set(tenant=tenant, body=body, actor=admin)

    schema("string")
    services.customer_create(tenant=tenant, body={"customer_id": "A", "age": "x"}, actor=admin)
    services.customer_delete(tenant=tenant, customer_id="A", actor=admin)

    schema("integer")
    with pytest.raises(ValidationFailed) as refused:
        services.customer_create(tenant=tenant, body={"customer_id": "B", "age": "x"}, actor=admin)
    assert refused.value.errors == {"age": ["must be an integer (type integer)"]}
