"""Typed attribute values: the one place that knows what a value of each attribute type is.

Used by the schema rules (defaults) and the record rules (values). `from_text` accepts the
text forms that query strings and HTML forms send ("12", "true", "2026-11-29T10:15").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

ATTRIBUTE_TYPES = ("string", "integer", "long", "double", "date", "datetime", "currency", "boolean")
DEFAULT_STRING_LENGTH = 256
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE_TEXT = {"true", "1", "yes", "on"}
FALSE_TEXT = {"false", "0", "no", "off", ""}


class BadValue(ValueError):
    """The value breaks its type's rule; the message names the rule."""


def coerce(value, attribute: dict, *, from_text: bool = False):
    """The value in its stored form, or BadValue naming the broken rule."""
    return coercer(attribute["type"], from_text=from_text)(value, attribute)


def coercer(kind: str, *, from_text: bool = False):
    """The function `(value, attribute)` that coerces values of type `kind`: what `coerce`
    calls, chosen once by callers that check many values of one attribute."""
    try:
        return (_TEXT_CHECKS if from_text else _CHECKS)[kind]
    except (KeyError, TypeError):
        return _unknown_type


def _unknown_type(value, attribute):
    # fails as a value of an unknown type always failed: when a value comes, not before
    return _CHECKS[attribute["type"]](value, attribute)


def _from_text(kind, check):
    """`check` of type `kind`, reading a text value by its text form first."""

    def parse_then_check(value, attribute):
        if isinstance(value, str):
            value = _parse_text(value.strip(), kind)
        return check(value, attribute)

    return parse_then_check


def _parse_text(text: str, kind: str):
    if kind == "boolean":
        if text.lower() in TRUE_TEXT:
            return True
        if text.lower() in FALSE_TEXT:
            return False
        raise BadValue("must be true or false")
    if kind in ("integer", "long"):
        if not re.fullmatch(r"[+-]?\d{1,20}", text):
            raise BadValue(f"must be an {kind}" if kind == "integer" else "must be a long")
        return int(text)
    if kind in ("double", "currency"):
        try:
            number = float(text)
        except ValueError:
            raise BadValue("must be a number") from None
        return number
    if kind == "datetime" and re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?", text):
        return text + "Z"  # a form's datetime-local field: read as UTC
    return text


def _string(value, attribute):
    if not isinstance(value, str):
        raise BadValue("must be a string")
    if "\x00" in value:
        raise BadValue("must not contain the NUL character")
    length = attribute.get("length", DEFAULT_STRING_LENGTH)
    if len(value) > length:
        raise BadValue(f"must be at most {length} characters (got {len(value)})")
    return value


def _whole(bounds, label):
    def check(value, attribute):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise BadValue(f"must be {label}")
        if not bounds[0] <= value <= bounds[1]:
            raise BadValue(f"must be {label} between {bounds[0]} and {bounds[1]}")
        return value

    return check


def _number(value, attribute):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadValue("must be a number")
    if not math.isfinite(value):
        raise BadValue("must be a finite number")
    return float(value)


def _currency(value, attribute):
    if isinstance(value, str):
        try:
            value = float(Decimal(value))
        except (InvalidOperation, ValueError):
            raise BadValue("must be an amount (a number)") from None
    number = _number(value, attribute)
    return round(number, 4)


def _boolean(value, attribute):
    if not isinstance(value, bool):
        raise BadValue("must be true or false")
    return value


def _date(value, attribute):
    if not isinstance(value, str) or not DATE_PATTERN.match(value):
        raise BadValue("must be a date written YYYY-MM-DD")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise BadValue("must be a real calendar date") from None
    return value


def _datetime(value, attribute):
    if not isinstance(value, str):
        raise BadValue("must be an ISO-8601 date and time in UTC")
    text = value.strip()
    if not re.match(r"^\d{4}-\d{2}-\d{2}T", text):
        raise BadValue("must be an ISO-8601 date and time in UTC, e.g. 2026-11-29T10:15:00.000Z")
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadValue(
            "must be an ISO-8601 date and time in UTC, e.g. 2026-11-29T10:15:00.000Z"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() != dt.timedelta(0):
        raise BadValue("must be in UTC (end with Z)")
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.") + f"{parsed.microsecond // 1000:03d}Z"


_CHECKS = {
    "string": _string,
    "integer": _whole(INT32, "an integer"),
    "long": _whole(INT64, "a long"),
    "double": _number,
    "currency": _currency,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
}
# a string's text form is the string itself
_TEXT_CHECKS = {
    kind: check if kind == "string" else _from_text(kind, check) for kind, check in _CHECKS.items()
}
