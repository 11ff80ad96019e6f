"""The timeline's time ticks: round times, at most six, labelled as precisely as needed."""

import datetime as dt

import pytest

from plugins.services.timeline import CHART_WIDTH, LABEL_WIDTH, MAX_TICKS, ticks

START = dt.datetime(2024, 5, 1, 10, 3, 17, 500000, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "span,first,last",
    [
        (7, "10:03:18", "10:03:24"),  # every 2 s
        (1000, "10:05", "10:15"),  # every 5 min
        (30_000, "12:00", "18:00"),  # every 2 h
        (200_000, "05-01 12:00", "05-03 12:00"),  # over days: the date too
        (3_000_000, "05-05", "06-04"),  # whole days
    ],
)
def test_ticks_fall_on_round_times_inside_the_chart(span, first, last):
    result = ticks(START, span)
    assert 2 <= len(result) <= MAX_TICKS
    assert (result[0].label, result[-1].label) == (first, last)
    assert all(LABEL_WIDTH <= t.x <= LABEL_WIDTH + CHART_WIDTH for t in result)
    assert [t.x for t in result] == sorted(t.x for t in result)
