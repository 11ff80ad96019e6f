"""The import's row checks take shortcuts for the common row (a canonical UTC timestamp, a body
with no NUL anywhere); each shortcut must answer exactly what the full check answers. The full
checks are restated here as they were before the shortcuts, and compared on both kinds of
input: rows that take the shortcut and rows that must fall back."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csadmin.pluginlib import ValidationFailed
from plugins.maintenance.reporting import QuietReporter
from plugins.services.events import has_nul, parse_any_timestamp, parse_event, parse_timestamp
from plugins.services.models import Service


def full_has_nul(value) -> bool:
    """has_nul as one plain recursion."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(full_has_nul(k) or full_has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(full_has_nul(item) for item in value)
    return False


def same_instant(found, expected) -> None:
    assert found == expected
    if expected is not None:
        assert found.tzinfo is dt.UTC and found.utcoffset() == expected.utcoffset()


FAST = [
    "2026-11-29T10:15:00.000Z",
    "2026-11-29T10:15:00Z",
    "2026-11-29T10:15:00.123456Z",
    "2026-11-29T10:15:00+00:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2026-11-29T10:15:00.1234567Z",  # fromisoformat cuts a seventh digit, as before
    "2026-11-29T10:15:00Z\x00",  # and stops at a NUL (the full parser tries it first too)
]
FALLBACK = [
    " 2026-11-29T10:15:00.000Z",  # surrounding whitespace: stripped by the full parser
    "2026-11-29T10:15:00.000Z\n",
    "2026-11-29T11:15:00+01:00",  # another offset: converted to UTC
    "2026-11-29T10:15:00",  # naive: taken as UTC
    "2026-11-29",  # a date alone
    "0001-01-01T00:00:00+01:00",  # before the first instant: refused
    "2026-11-29T24:00:00Z",
    "2026-13-01T00:00:00Z",
    "yesterday",
    "",
]


@pytest.mark.parametrize("raw", FAST + FALLBACK)
def test_timestamps_parse_as_the_full_parser_does(raw):
    same_instant(parse_timestamp(raw), parse_any_timestamp(raw))


def test_the_fast_path_is_taken_only_for_utc():
    from plugins.services.events import utc_timestamp

    assert all(utc_timestamp(raw) is not None for raw in FAST)
    assert all(utc_timestamp(raw) is None for raw in FALLBACK)


TIMESTAMP_PARTS = st.tuples(
    st.sampled_from(["", " ", "\t"]),
    st.integers(1, 9999).map("{:04d}".format),
    st.integers(0, 13).map("{:02d}".format),
    st.integers(0, 32).map("{:02d}".format),
    st.sampled_from(["T", " ", "t"]),
    st.integers(0, 24).map("{:02d}".format),
    st.sampled_from(["", ".0", ".001", ".123456", ".1234567"]),
    st.sampled_from(["Z", "z", "", "+00:00", "-00:00", "+01:00", "-23:59", "+0530", "+24:00"]),
    st.sampled_from(["", " ", "\n"]),
)


@settings(max_examples=300, deadline=None)
@given(TIMESTAMP_PARTS)
def test_generated_timestamps_parse_as_the_full_parser_does(parts):
    lead, year, month, day, sep, hour, fraction, zone, trail = parts
    raw = f"{lead}{year}-{month}-{day}{sep}{hour}:30:00{fraction}{zone}{trail}"
    same_instant(parse_timestamp(raw), parse_any_timestamp(raw))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_has_nul_answers_as_the_plain_recursion(value):
    assert has_nul(value) == full_has_nul(value)


def test_has_nul_finds_nul_in_keys_and_deep_values():
    assert not has_nul({"a": ["b", {"c": 1, "d": None}], "e": 2.5, "f": True})
    assert has_nul({"a\x00": 1})
    assert has_nul({"a": [1, {"b": ["x", "y\x00"]}]})
    assert has_nul(["x", ["\x00"]])


def test_a_body_without_nul_is_checked_as_before():
    parsed = parse_event({"service_type": "Sales", "est_duration": 5, "extra": {"k": "v"}})
    assert parsed.fields == {"service_type": "Sales", "est_duration": 5}
    assert parsed.attached == {"extra": {"k": "v"}}


def test_every_field_holding_nul_is_named():
    body = {"service_type": "Sa\x00les", "ok": "fine", "deep": {"k": ["\x00"]}, "a\x00b": 1}
    with pytest.raises(ValidationFailed) as refused:
        parse_event(body, prefix="x.")
    assert refused.value.errors == {
        "x.service_type": ["must not contain the NUL character"],
        "x.deep": ["must not contain the NUL character"],
        "x.ab": ["must not contain the NUL character"],
    }


def run(tenant, tmp_path, rows):
    from plugins.maintenance.importing import run_import

    source = tmp_path / "rows.ndjson"
    source.write_text("".join(json.dumps(row) + "\n" for row in rows))
    errors = io.StringIO()
    counts = run_import(tenant=tenant, source=source, reporter=QuietReporter(), errors_out=errors)
    return counts, errors.getvalue().splitlines()[1:]


def test_import_rows_on_and_off_the_fast_paths_are_judged_as_before(tenant, tmp_path):
    rows = [
        {"service_id": "fast", "service_type": "S", "started": "2026-11-29T10:15:00.250Z"},
        {"service_id": "offset", "service_type": "S", "started": "2026-11-29T11:15:00+01:00"},
        {"service_id": "spaced", "service_type": "S", "started": " 2026-11-29T10:15:00Z "},
        {"service_id": "bad", "service_type": "S", "started": "2026-11-29T25:00:00Z"},
        {
            "service_id": "nul-data",
            "service_type": "S",
            "started": "2026-11-29T10:15:00Z",
            "started_data": {"a": ["b", "\x00"]},
        },
    ]
    counts, errors = run(tenant, tmp_path, rows)
    assert (counts["services"], counts["errors"]) == (3, 2)
    started = dict(Service.objects.filter(tenant=tenant).values_list("service_id", "started_at"))
    assert started == {
        "fast": dt.datetime(2026, 11, 29, 10, 15, 0, 250000, tzinfo=dt.UTC),
        "offset": dt.datetime(2026, 11, 29, 10, 15, tzinfo=dt.UTC),
        "spaced": dt.datetime(2026, 11, 29, 10, 15, tzinfo=dt.UTC),
    }
    assert errors == [
        'rows.ndjson,4,,started,"must be an ISO-8601 timestamp, e.g. 2026-11-29T10:15:00.000Z"',
        "rows.ndjson,5,,started_data,must not contain the NUL character",
    ]
