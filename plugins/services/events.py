"""Reading a start/end event body (spec §4): its known fields with their rules, the rest is
attached data kept with the event. Pure functions: no database here."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from csadmin.pluginlib import ValidationFailed

# Fields whose value is a business attribute value (name or id) -> the attribute's name.
ATTRIBUTE_FIELDS = {
    "service_type": "Service.type",
    "state_type": "State.type",
    "task_type": "Task.type",
    "application_type": "Application.type",
    "resource_type": "Resource.type",
    "media_type": "Media.type",
    "disposition": "Disposition",
}
LIMITS = {"session_id": 32, "interaction_id": 50, "disposition_desc": 64}
TEXT_FIELDS = (
    "customer_id",
    "contact_key",
    "session_id",
    "interaction_id",
    "application_id",
    "resource_id",
    "disposition_desc",
)
INTEGER_FIELDS = ("est_duration", "ttl")
MAX_DURATION = 10**9
DEFAULT_TEXT_LIMIT = 255
# A business attribute value's name is shown and matched as one line of text: no control
# characters (C0, DEL, C1). The rule of value names (services/business_values.py) and of the
# names events give (below) alike.
CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f"
CONTROL_CHARACTERS = re.compile(f"[{CONTROL_CLASS}]")
WITHOUT_CONTROL_CHARACTERS = f"^[^{CONTROL_CLASS}]*$"  # the same rule, as an OpenAPI pattern
NO_CONTROL_CHARACTERS = "must not contain control characters"
KNOWN = set(ATTRIBUTE_FIELDS) | set(TEXT_FIELDS) | set(INTEGER_FIELDS) | {"expiration_time"}


@dataclass
class ParsedEvent:
    fields: dict = field(default_factory=dict)  # known fields, checked (types still raw ids)
    attached: dict = field(default_factory=dict)  # any other key, as sent
    expires_at: dt.datetime | None = None

    def get(self, name, default=None):
        return self.fields.get(name, default)

    def payload(self) -> dict:
        """What the event row keeps: every field as sent (after checks) plus attached data."""
        return {**self.fields, **self.attached}


def reject_nul(values: dict, where: str = "") -> None:
    """Refuse path or query values holding NUL before they reach the database."""
    for name, value in values.items():
        if has_nul(value):
            raise ValidationFailed.from_errors(
                {where + name: ["must not contain the NUL character"]}
            )


def require_object(body, where: str = "body") -> dict:
    if not isinstance(body, dict):
        raise ValidationFailed.from_errors({where: ["must be a JSON object"]})
    return body


_NO_TEXT = (type(None), bool, int, float)  # JSON values that hold no string


def has_nul(value) -> bool:
    """True when a string anywhere in this JSON holds NUL, which PostgreSQL cannot store."""
    # Plain loops, not any() over generators, and strings looked at in place rather than by a
    # call each: the import calls this for every value of every row, and the calls cost more
    # than the checks.
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        for key, item in value.items():
            if type(key) is str:
                if "\x00" in key:
                    return True
            elif has_nul(key):
                return True
            if type(item) is str:
                if "\x00" in item:
                    return True
            elif item and type(item) not in _NO_TEXT and has_nul(item):  # {} and [] hold none
                return True
        return False
    if isinstance(value, list):
        for item in value:
            if type(item) is str:
                if "\x00" in item:
                    return True
            elif type(item) not in _NO_TEXT and has_nul(item):
                return True
    return False


def parse_event(body, *, prefix: str = "", required: tuple[str, ...] = ()) -> ParsedEvent:
    """Check the known fields of one event body; collect every error before refusing."""
    body = require_object(body, prefix.rstrip(".") or "body")
    errors: dict[str, list[str]] = {}
    if has_nul(body):  # one walk over the whole body; which fields only when there is a NUL
        for name, value in body.items():
            if has_nul(name) or has_nul(value):
                errors[prefix + name.replace("\x00", "")] = ["must not contain the NUL character"]
        raise ValidationFailed.from_errors(errors)
    parsed = ParsedEvent()
    for name in required:
        if body.get(name) in (None, ""):
            errors[prefix + name] = ["is required"]
    for name, value in body.items():
        if name not in KNOWN:
            parsed.attached[name] = value
            continue
        if value is None:
            continue
        problem = _check(name, value)
        if problem:
            errors.setdefault(prefix + name, []).append(problem)
        else:
            parsed.fields[name] = value
    if not errors:
        parsed.expires_at = expiry(parsed.fields, errors, prefix)
    if errors:
        raise ValidationFailed.from_errors(errors)
    return parsed


def _check(name: str, value) -> str | None:
    if name in ATTRIBUTE_FIELDS:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            return "must be a string (value name) or an integer (value id)"
        if isinstance(value, str) and len(value) > DEFAULT_TEXT_LIMIT:
            return f"must be at most {DEFAULT_TEXT_LIMIT} characters"
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            return NO_CONTROL_CHARACTERS
        if isinstance(value, int) and not 0 <= value < 2**31:
            return "must be a value id between 0 and 2147483647"
        return None
    if name in TEXT_FIELDS:
        if not isinstance(value, str):
            return "must be a string"
        limit = LIMITS.get(name, DEFAULT_TEXT_LIMIT)
        if len(value) > limit:
            return f"must be at most {limit} characters"
        return None
    if name in INTEGER_FIELDS:
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer (seconds)"
        if value < 0:
            return "must not be negative"
        if value > MAX_DURATION:
            return f"must be at most {MAX_DURATION} seconds"
        return None
    if name == "expiration_time" and (not isinstance(value, str) or parse_timestamp(value) is None):
        return "must be an ISO-8601 timestamp, e.g. 2026-11-29T10:15:00.000Z"
    return None


def expiry(fields: dict, errors: dict | None = None, prefix: str = "") -> dt.datetime | None:
    """`ttl` (seconds from now) wins over `expiration_time`."""
    if "ttl" in fields:
        return timezone.now() + dt.timedelta(seconds=fields["ttl"])
    if "expiration_time" in fields:
        return parse_timestamp(fields["expiration_time"])
    return None


def parse_timestamp(raw: str) -> dt.datetime | None:
    fast = utc_timestamp(raw)
    if fast is not None:
        return fast
    return parse_any_timestamp(raw)


def parse_any_timestamp(raw: str) -> dt.datetime | None:
    """Any ISO-8601 form Django reads, in UTC (a naive one is taken as UTC); None if invalid.
    parse_timestamp tries the common canonical UTC form first, much faster."""
    try:
        value = parse_datetime(raw.strip())
    except (ValueError, TypeError):
        return None
    if value is None:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    try:
        # In UTC: PostgreSQL refuses offsets beyond 15:59 that ISO-8601 allows (up to 23:59).
        return value.astimezone(dt.UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 lies before the first instant
        return None


def utc_timestamp(raw) -> dt.datetime | None:
    """The common case, as the exporter writes it (`...T10:15:00.000Z`), in one C call; None
    sends anything else through the full parser above. What this answers is what that parser
    answers: fromisoformat takes no surrounding whitespace (so stripping would change nothing),
    parse_datetime tries fromisoformat first, and an instant already in UTC is kept as it is."""
    try:
        value = dt.datetime.fromisoformat(raw)
    except (ValueError, TypeError):
        return None
    return value if value.tzinfo is dt.UTC else None


def iso(value: dt.datetime | None) -> str | None:
    """Timestamps as the spec writes them: UTC with milliseconds, `...T10:15:00.000Z`."""
    if value is None:
        return None
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def duration_ms(started: dt.datetime, completed: dt.datetime | None) -> int | None:
    if completed is None:
        return None
    return int((completed - started).total_seconds() * 1000)
