"""The import's one-pass check of a plain row (services._plain_service, _plain_child) must
answer exactly what the full checks answer, or nothing (then the full checks judge the row).
Rows are drawn from values on both sides of every rule; exported rows must take the one pass."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugins.services.bulk import rows as services

TENANT = SimpleNamespace(pk=7)
KNOWN = {
    "Service.type": {"by_name": {"Sales": 1, "12": 2}, "by_id": {1: "Sales", 2: "12", 12: "x"}},
    "Disposition": {"by_name": {"Sale": 3}, "by_id": {3: "Sale"}},
    "Task.type": {"by_name": {"Call": 4}, "by_id": {4: "Call"}},
}
INSTANTS = [
    "2026-11-29T10:15:00.000Z",
    "2026-11-29T10:15:00.250Z",
    "2026-11-29T11:15:00+01:00",
    "2026-11-29T09:00:00Z",
    " 2026-11-29T10:15:00Z",
    "2026-11-29T10:15:00",
    "2026-11-29T25:00:00Z",
    "",
    None,
    5,
]
NAMES = [
    "Sales",
    "Sale",
    "Call",
    "Queue",
    "12",
    "3",
    "",
    "x" * 256,
    "Sa\nles",
    "\x7f",
    3,
    4,
    12,
    True,
    None,
    1.5,
]
TEXTS = [None, "", "abc", "c0", "x" * 64, "x" * 65, "x" * 256, 7, "a\x00b"]
INTEGERS = [None, 0, 1, 2, -1, 10**9, 10**9 + 1, True, False, "5", 2.0]
OBJECTS = [None, {}, {"a": "b"}, {"a": ["b", "\x00"]}, {"\x00": 1}, [], "{}", 0]
FIELDS = {
    "service_id": st.sampled_from(["svc1", "", " ", "s" * 64, "s" * 65, "a\x00", None, 9]),
    "service_type": st.sampled_from(NAMES),
    "state_type": st.sampled_from(NAMES),
    "task_type": st.sampled_from(NAMES),
    "disposition": st.sampled_from(NAMES),
    "customer_id": st.sampled_from(TEXTS),
    "contact_key": st.sampled_from(TEXTS),
    "disposition_desc": st.sampled_from(TEXTS),
    "est_duration": st.sampled_from(INTEGERS),
    "state_id": st.sampled_from(INTEGERS),
    "task_id": st.sampled_from(INTEGERS),
    "started": st.sampled_from(INSTANTS),
    "completed": st.sampled_from(INSTANTS),
    "expiration_time": st.sampled_from(INSTANTS),
    "started_data": st.sampled_from(OBJECTS),
    "completed_data": st.sampled_from(OBJECTS),
    "extensions": st.sampled_from(OBJECTS),
    "other": st.sampled_from(["x", "\x00"]),
}
KEEP, DROP = "keep", "drop"
knowns = st.sampled_from([KNOWN, {}])


@st.composite
def rows(draw, kind: str):
    """An exported row (below) with a few of its fields changed, dropped or added."""
    row = dict(EXPORTED[kind])
    for name, values in FIELDS.items():
        change = draw(st.sampled_from([KEEP] * 6 + [DROP, "set"]))
        if change == DROP:
            row.pop(name, None)
        elif change == "set":
            row[name] = draw(values)
    return row


def full(kind: str, row, known):
    try:
        if kind == "service":
            return services._checked_service_row(TENANT, row, known)
        return services._import_child(row, known, kind)
    except services.RowProblems as problems:
        return problems


def plain(kind: str, row, known):
    if kind == "service":
        return services._plain_service(TENANT, row, known)
    return services._plain_child(row, known, kind)


EXPORTED = {
    "service": {
        "service_id": "svc1",
        "service_type": "Sales",
        "customer_id": "c1",
        "contact_key": None,
        "started": "2026-11-29T10:15:00.001Z",
        "completed": "2026-11-29T10:25:00.001Z",
        "est_duration": 120,
        "disposition": "Sale",
        "disposition_desc": "as expected",
        "started_data": {"ani": "+1800"},
        "completed_data": {},
        "extensions": {},
        "expiration_time": None,
    },
    "state": {
        "service_id": "svc1",
        "state_id": 1,
        "state_type": "Queue",
        "started": "2026-11-29T10:15:00.001Z",
        "completed": None,
        "est_duration": None,
        "disposition": None,
        "disposition_desc": None,
        "started_data": {"dnis": "+1800"},
        "completed_data": None,
        "extensions": {},
    },
    "task": {
        "service_id": "svc1",
        "task_id": 2,
        "state_id": 1,
        "task_type": "Call",
        "started": "2026-11-29T10:15:00.001Z",
        "completed": "2026-11-29T10:15:00.001Z",
        "est_duration": 0,
        "disposition": "Sale",
        "disposition_desc": "",
        "started_data": {},
        "completed_data": {"notes": "done"},
        "extensions": {"x": 1},
    },
}


@pytest.mark.parametrize("kind", ["service", "state", "task"])
@settings(max_examples=1500, deadline=None)
@given(data=st.data(), known=knowns)
def test_the_one_pass_answers_what_the_full_checks_answer(kind, data, known):
    row = data.draw(rows(kind))
    answer = plain(kind, row, known)
    if answer is not None:
        assert answer == full(kind, row, known)


@pytest.mark.parametrize("kind", ["service", "state", "task"])
@pytest.mark.parametrize("known", [KNOWN, {}])
def test_exported_rows_take_the_one_pass(kind, known):
    row = EXPORTED[kind]
    answer = plain(kind, row, known)
    assert answer is not None
    assert answer == full(kind, row, known)


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        ("service", "service_type", "Unknown"),  # refused by name: the full check says why
        ("service", "started", "2026-11-29T11:15:00+01:00"),  # converted by the full check
        ("state", "started_data", {"a": "\x00"}),
        ("task", "state_id", 0),
        ("task", "disposition", 3),  # a value id: resolved to its name by the full check
    ],
)
def test_anything_else_goes_through_the_full_checks(kind, field, value):
    assert plain(kind, {**EXPORTED[kind], field: value}, KNOWN) is None
