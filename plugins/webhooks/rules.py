"""The rules of a subscription's fields, shared by the API and the pages. Pure: a body in, the
clean values or every broken rule (by field) out; only the target's address check looks at DNS."""

from __future__ import annotations

from django.conf import settings

from csadmin.pluginlib import ValidationFailed
from plugins.webhooks.models import EVENT_KINDS, Subscription
from plugins.webhooks.signing import MIN_SECRET
from plugins.webhooks.targets import TargetRefused, check_target

FIELDS = (
    "name",
    "target_url",
    "kinds",
    "service_types",
    "customers",
    "customer_id",
    "active",
    "failure_limit",
    "secret",
)
MAX_NAME = 100
MAX_SERVICE_TYPES = 100
MAX_TEXT = 255
MAX_SECRET = 128
MAX_FAILURE_LIMIT = 1000


def defaults() -> dict:
    return {
        "kinds": list(EVENT_KINDS),
        "service_types": [],
        "customers": Subscription.Customers.ALL.value,
        "customer_id": "",
        "active": True,
        "failure_limit": settings.CSADMIN_WEBHOOK_FAILURE_LIMIT,
    }


def _text(value, errors, field, *, required: bool, limit: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = ["must be a string"]
        return ""
    value = value.strip()
    if required and not value:
        errors[field] = ["is required"]
    elif len(value) > limit:
        errors[field] = [f"must be at most {limit} characters"]
    elif "\x00" in value:
        errors[field] = ["must not contain the NUL character"]
    return value


def _string_list(value, errors, field) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        errors[field] = ["must be a JSON array of strings"]
        return []
    if any("\x00" in item for item in value):
        errors[field] = ["must not contain the NUL character"]
        return []
    return list(dict.fromkeys(item.strip() for item in value if item.strip()))


def clean(body, *, current: dict | None = None) -> dict:
    """The subscription's values: `body` over `current` (a change) or over the defaults (a new
    one). Raises ValidationFailed naming each field and its rule."""
    if not isinstance(body, dict):
        raise ValidationFailed.from_errors({"body": ["must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        errors["body"] = [f"unknown field(s): {', '.join(unknown)}; allowed: {', '.join(FIELDS)}"]
    merged = {**(current or defaults()), **{k: v for k, v in body.items() if k in FIELDS}}
    values = {
        "name": _text(merged.get("name"), errors, "name", required=True, limit=MAX_NAME),
        "target_url": _text(
            merged.get("target_url"), errors, "target_url", required=True, limit=2000
        ),
        "customer_id": _text(
            merged.get("customer_id"), errors, "customer_id", required=False, limit=MAX_TEXT
        ),
    }
    if "target_url" not in errors:
        try:
            check_target(values["target_url"])
        except TargetRefused as refused:
            errors["target_url"] = [str(refused)]

    kinds = _string_list(merged.get("kinds"), errors, "kinds")
    if "kinds" not in errors:
        wrong = [k for k in kinds if k not in EVENT_KINDS]
        if wrong:
            errors["kinds"] = [
                f"unknown kind(s) {', '.join(wrong)}; one of {', '.join(EVENT_KINDS)}"
            ]
        elif not kinds:
            errors["kinds"] = ["must name at least one kind of event"]
    values["kinds"] = [k for k in EVENT_KINDS if k in kinds]  # a stable order

    types = _string_list(merged.get("service_types"), errors, "service_types")
    if "service_types" not in errors and (
        len(types) > MAX_SERVICE_TYPES or any(len(t) > MAX_TEXT for t in types)
    ):
        errors["service_types"] = [
            f"must hold at most {MAX_SERVICE_TYPES} types of at most {MAX_TEXT} characters"
        ]
    values["service_types"] = types

    customers = merged.get("customers")
    if customers not in Subscription.Customers.values:
        errors["customers"] = [f"must be one of {', '.join(Subscription.Customers.values)}"]
    elif customers == Subscription.Customers.ANONYMOUS and values["customer_id"]:
        errors["customer_id"] = ["must be empty when only anonymous services are delivered"]
    values["customers"] = customers

    active = merged.get("active")
    if not isinstance(active, bool):
        errors["active"] = ["must be true or false"]
    values["active"] = active

    limit = merged.get("failure_limit")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_FAILURE_LIMIT:
        errors["failure_limit"] = [f"must be an integer from 1 to {MAX_FAILURE_LIMIT}"]
    values["failure_limit"] = limit

    if "secret" in body and body["secret"] is not None:
        secret = body["secret"]
        if not isinstance(secret, str) or not MIN_SECRET <= len(secret) <= MAX_SECRET:
            errors["secret"] = [f"must be a string of {MIN_SECRET} to {MAX_SECRET} characters"]
        elif not secret.isprintable() or secret != secret.strip():
            errors["secret"] = ["must be printable, without leading or trailing spaces"]
        values["secret"] = secret
    if errors:
        raise ValidationFailed.from_errors(errors)
    return values
