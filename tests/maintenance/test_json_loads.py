"""readers.json_loads decodes with msgspec and leaves what it refuses to json.loads: for any
text it must answer what json.loads answers (same values, same types) or refuse it as
json.loads does; and refuse (Unstorable) what json.loads decodes but cannot be stored: lone
surrogates, non-finite numbers, nesting deeper than the limit."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csadmin.pluginlib.storable import first_unstorable, too_deep
from plugins.maintenance import readers

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63 - 2, max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def outcome(decode, text: str):
    """repr of the value (NaN equals itself, 1 differs from 1.0 and True), or the error type."""
    try:
        return repr(decode(text))
    except ValueError as error:  # JSONDecodeError and the integer digit limit
        return type(error).__name__


def storable_json_loads(text: str):
    """What json_loads must answer: json.loads, refusing the values storage cannot hold."""
    value = json.loads(text)
    if too_deep(text) or first_unstorable(value):
        raise readers.Unstorable("row", "unstorable")
    return value


@settings(max_examples=800, deadline=None)
@given(value=values, indent=st.sampled_from([None, 1]))
def test_valid_json_decodes_as_json_loads_decodes_it(value, indent):
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    assert outcome(readers.json_loads, text) == outcome(storable_json_loads, text)


@settings(max_examples=800, deadline=None)
@given(text=st.text(alphabet='{}[]",:0123456789.eE+-truefalsnNIiy \\u\x00\x01', max_size=30))
def test_any_text_decodes_or_fails_as_json_loads_does(text):
    assert outcome(readers.json_loads, text) == outcome(storable_json_loads, text)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": NaN, "b": -Infinity}',
        '"\\ud800"',
        "1e400",
        "123456789012345678901234567890",
        "1" * 5000,
        '{"a": 1, "a": 2}',
        "-0.0",
        '"a\\u0000b"',
        "[1,]",
        "\ufeff{}",
    ],
)
def test_edge_cases_decode_or_fail_as_json_loads_does(text):
    assert outcome(readers.json_loads, text) == outcome(storable_json_loads, text)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"a": NaN}', "a"),
        ('{"a": [1, -Infinity]}', "a[1]"),
        ('{"a": {"b": 1e999}}', "a.b"),
        ('{"a": "\\ud800"}', "a"),
        ('{"\\udc00": 1}', "\\udc00"),
        ("[" * 101 + "]" * 101, "row"),
    ],
)
def test_values_storage_cannot_hold_are_refused_naming_where(text, field):
    with pytest.raises(readers.Unstorable) as refused:
        readers.json_loads(text)
    assert refused.value.field == field


def test_a_plain_row_is_decoded_without_json_loads(monkeypatch):
    def refuse(text):
        raise AssertionError("json.loads was called")

    monkeypatch.setattr(readers.json, "loads", refuse)
    assert readers.json_loads('{"service_id": "s1", "est_duration": 5}') == {
        "service_id": "s1",
        "est_duration": 5,
    }
