"""The one rule of times typed and shown: ISO 8601 in UTC, a day or a time with its Z."""

import datetime as dt

import pytest
from django import forms
from django.template import Context, Template

from csadmin.pluginlib import UtcDateTimeField, format_utc, parse_utc

UTC = dt.UTC


@pytest.mark.parametrize(
    ("text", "end_of_day", "expected"),
    [
        ("2026-03-01", False, dt.datetime(2026, 3, 1, tzinfo=UTC)),
        ("2026-03-01", True, dt.datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)),
        ("2026-03-01T09:30Z", False, dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        ("2026-03-01T09:30:15Z", True, dt.datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)),
    ],
)
def test_a_day_or_a_time_with_its_z_is_read_as_utc(text, end_of_day, expected):
    assert parse_utc(text, end_of_day=end_of_day) == expected


@pytest.mark.parametrize(
    "text",
    [
        "03/01/2026",
        "2026-03-01T09:30",
        "2026-03-01T09:30+01:00",
        "2026-02-30",
        "2026-03-01T25:00Z",
        "",
    ],
)
def test_anything_else_is_refused_naming_the_rule(text):
    with pytest.raises(ValueError, match=r"YYYY-MM-DD or YYYY-MM-DDTHH:MM\[:SS\]Z, in UTC"):
        parse_utc(text)


def test_a_time_only_field_refuses_a_bare_day():
    with pytest.raises(ValueError, match="must be a time in UTC"):
        parse_utc("2026-03-01", day_allowed=False)


def test_shown_times_are_iso_utc_with_z():
    moment = dt.datetime(2026, 3, 1, 10, 30, 5, 123, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert format_utc(moment) == "2026-03-01T09:30:05Z"
    assert format_utc(moment, seconds=False) == "2026-03-01T09:30Z"
    rendered = Template('{{ t|iso_utc }} {{ t|iso_utc:"minutes" }} [{{ none|iso_utc }}]').render(
        Context({"t": moment, "none": None})
    )
    assert rendered == "2026-03-01T09:30:05Z 2026-03-01T09:30Z []"


class Range(forms.Form):
    since = UtcDateTimeField(required=False)
    until = UtcDateTimeField(required=False, end_of_day=True)


def test_the_form_field_is_text_with_a_pattern_and_names_the_rule():
    html = str(Range()["since"])
    assert 'type="text"' in html and 'pattern="' in html and "YYYY-MM-DD" in html
    assert "date" not in html.split('type="')[1][:15]  # no date picker
    form = Range({"since": "01/03/2026", "until": "2026-03-01"})
    assert not form.is_valid()
    assert "YYYY-MM-DD" in form.errors["since"][0]
    assert "until" not in form.errors
    assert form.cleaned_data["until"] == dt.datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)
