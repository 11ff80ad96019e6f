"""The one rule of times people type and read: ISO 8601 in UTC, never the browser's locale.

A form takes `YYYY-MM-DD` (a whole day) or `YYYY-MM-DDTHH:MM[:SS]Z` as text, with a hint and
a pattern (no date pickers: they show mm/dd/yyyy whatever the hint says), and the server checks
it again, naming the field and the rule. Pages show times with the `iso_utc` template filter.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms

DAY = r"\d{4}-\d{2}-\d{2}"
MOMENT = rf"{DAY}T\d{{2}}:\d{{2}}(:\d{{2}})?Z"
DAY_OR_MOMENT = rf"{DAY}(T\d{{2}}:\d{{2}}(:\d{{2}})?Z)?"
HINT = "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z, in UTC"
MOMENT_HINT = "YYYY-MM-DDTHH:MM[:SS]Z, in UTC"
RULE = f"must be a date or a time in UTC: {HINT}"
MOMENT_RULE = f"must be a time in UTC: {MOMENT_HINT}"


def parse_utc(text: str, *, end_of_day: bool = False, day_allowed: bool = True) -> dt.datetime:
    """`YYYY-MM-DD` (its first instant, or its last with `end_of_day`) or
    `YYYY-MM-DDTHH:MM[:SS]Z` as an aware UTC datetime; ValueError naming the rule otherwise."""
    text = (text or "").strip()
    rule = RULE if day_allowed else MOMENT_RULE
    if day_allowed and re.fullmatch(DAY, text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:  # a day that does not exist (2026-02-30)
            raise ValueError(rule) from None
        return dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min, dt.UTC)
    if not re.fullmatch(MOMENT, text):
        raise ValueError(rule)
    try:
        return dt.datetime.fromisoformat(text[:-1]).replace(tzinfo=dt.UTC)
    except ValueError:
        raise ValueError(rule) from None


def format_utc(value: dt.datetime | None, *, seconds: bool = True) -> str:
    """`2026-03-01T09:30:00Z` (or `...T09:30Z` without seconds); "" for None."""
    if value is None:
        return ""
    if dt.datetime is type(value) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    return value.isoformat(timespec="seconds" if seconds else "minutes") + "Z"


class UtcInput(forms.TextInput):
    """A text input for an ISO UTC time: pattern, placeholder and a value shown as typed."""

    def __init__(self, pattern: str = DAY_OR_MOMENT, hint: str = HINT, attrs=None):
        example = "YYYY-MM-DD" if pattern == DAY_OR_MOMENT else "YYYY-MM-DDTHH:MMZ"
        base = {"pattern": pattern, "placeholder": example, "title": hint, "inputmode": "text"}
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, dt.datetime):
            return format_utc(value, seconds=bool(value.second))
        return super().format_value(value)


class UtcDateTimeField(forms.Field):
    """A form field taking `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]Z` (with `day_allowed`) or only
    the latter; cleans to an aware UTC datetime. `end_of_day` reads a bare day as its end."""

    def __init__(self, *, day_allowed: bool = True, end_of_day: bool = False, **kwargs):
        self.day_allowed, self.end_of_day = day_allowed, end_of_day
        pattern, hint = (DAY_OR_MOMENT, HINT) if day_allowed else (MOMENT, MOMENT_HINT)
        kwargs.setdefault("widget", UtcInput(pattern, hint))
        kwargs.setdefault("help_text", f"UTC: {hint}")
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, dt.datetime):
            return value
        if value in self.empty_values:
            return None
        try:
            return parse_utc(value, end_of_day=self.end_of_day, day_allowed=self.day_allowed)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
