"""The rules of record values: the one check of a customer's core attributes and extension
records against their schema (types, length, mandatory, defaults, unknown names). API, forms
and import all call `validate_values`."""

from __future__ import annotations

from csadmin.pluginlib import ValidationFailed
from plugins.profiles.schema_rules import Errors
from plugins.profiles.values import BadValue, coerce


def attribute_map(attributes: list) -> dict[str, dict]:
    """Attributes by lower-case name: names are matched ignoring case."""
    return {attribute["name"].lower(): attribute for attribute in attributes}


def check_values(
    raw,
    attributes: list,
    *,
    path: str,
    errors: Errors,
    from_text: bool = False,
    apply_defaults: bool = True,
) -> dict:
    """`raw` checked against `attributes`; problems go to `errors` under `path`.<attr>."""
    if not isinstance(raw, dict):
        errors.add(path or "body", "must be a JSON object of attribute values")
        return {}
    known = attribute_map(attributes)
    values = {}
    for name, value in raw.items():
        attribute = known.get(str(name).lower())
        field = f"{path}.{name}" if path else str(name)
        if attribute is None:
            errors.add(field, "is not an attribute of the schema")
            continue
        if value is None or (from_text and value == "" and attribute["type"] != "boolean"):
            continue
        try:
            values[attribute["name"]] = coerce(value, attribute, from_text=from_text)
        except BadValue as bad:
            errors.add(field, f"{bad} (type {attribute['type']})")
    for attribute in attributes:
        name = attribute["name"]
        if name in values:
            continue
        if apply_defaults and attribute.get("default") is not None:
            values[name] = attribute["default"]
        elif attribute.get("mandatory"):
            errors.add(f"{path}.{name}" if path else name, "is mandatory")
    return {
        attribute["name"]: values[attribute["name"]]
        for attribute in attributes
        if attribute["name"] in values
    }


def validate_values(raw, attributes: list, *, path: str = "", from_text: bool = False) -> dict:
    """The stored form of one record (or the core attributes), or ValidationFailed."""
    errors = Errors()
    values = check_values(raw, attributes, path=path, errors=errors, from_text=from_text)
    errors.raise_if_any()
    return values


def first_problem(values: dict, attributes: list) -> str | None:
    """Why stored values no longer fit `attributes` (None when they do): replacing a schema
    re-checks every existing record with this."""
    errors = Errors()
    check_values(values, attributes, path="", errors=errors)
    if not errors:
        return None
    field, messages = next(iter(errors.items()))
    return f"{field} {messages[0]}"


def refuse(errors: dict) -> None:
    raise ValidationFailed.from_errors(errors)
