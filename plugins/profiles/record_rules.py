"""The rules of record values: the one check of a customer's core attributes and extension
records against their schema (types, length, mandatory, defaults, unknown names). API, forms
and import all call `validate_values`."""

from __future__ import annotations

from functools import cached_property

from csadmin.pluginlib import ValidationFailed
from plugins.profiles.schema_rules import Errors
from plugins.profiles.values import BadValue, coercer


def attribute_map(attributes: list) -> dict[str, dict]:
    """Attributes by lower-case name: names are matched ignoring case."""
    return {attribute["name"].lower(): attribute for attribute in attributes}


class AttributeRules:
    """What checking values against one attribute list needs, worked out once for the list
    instead of once per record: each lower-case name's attribute with its type's coercer."""

    def __init__(self, attributes: list) -> None:
        self.source = attributes
        # a copy of each attribute: one changed in place must not be checked by its old rules
        # (attributes are flat: schema_rules.attribute_problems gives scalars only)
        self.snapshot = [dict(attribute) for attribute in attributes]
        self.names = tuple(attribute["name"] for attribute in attributes)
        self.checks = self._checks(from_text=False)

    @cached_property
    def text_checks(self) -> dict:
        return self._checks(from_text=True)  # only forms and CSV files send text: when asked

    def _checks(self, *, from_text: bool) -> dict:
        return {
            lowered: (
                attribute,
                attribute["name"],
                coercer(attribute.get("type"), from_text=from_text),
            )
            for lowered, attribute in attribute_map(self.source).items()
        }

    def fits(self, attributes: list) -> bool:
        return attributes is self.source and attributes == self.snapshot


_RULES: dict[int, AttributeRules] = {}
_RULES_HELD = 64  # attribute lists in use at once are few: the tenant's schemas


def attribute_rules(attributes: list) -> AttributeRules:
    """The rules of `attributes`, reused while that very list is unchanged. Keyed by the
    list's identity and held with the list itself (so the key cannot be reused by another);
    its content is compared on each use, so a changed schema is checked by its new rules."""
    rules = _RULES.get(id(attributes))
    if rules is None or not rules.fits(attributes):
        if len(_RULES) >= _RULES_HELD:
            _RULES.clear()
        rules = _RULES[id(attributes)] = AttributeRules(attributes)
    return rules


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
    return check_by_rules(
        raw,
        attribute_rules(attributes),
        path=path,
        errors=errors,
        from_text=from_text,
        apply_defaults=apply_defaults,
    )


def check_by_rules(
    raw,
    rules: AttributeRules,
    *,
    path: str,
    errors: Errors,
    from_text: bool = False,
    apply_defaults: bool = True,
) -> dict:
    """`check_values` by the rules of its attributes (for callers that already hold them)."""
    if not isinstance(raw, dict):
        errors.add(path or "body", "must be a JSON object of attribute values")
        return {}
    known = rules.text_checks if from_text else rules.checks
    values = {}
    for name, value in raw.items():
        found = known.get(str(name).lower())
        if found is None:
            errors.add(f"{path}.{name}" if path else str(name), "is not an attribute of the schema")
            continue
        attribute, stored_name, check = found
        if value is None or (from_text and value == "" and attribute["type"] != "boolean"):
            continue
        try:
            values[stored_name] = check(value, attribute)
        except BadValue as bad:
            field = f"{path}.{name}" if path else str(name)
            errors.add(field, f"{bad} (type {attribute['type']})")
    if tuple(values) == rules.names:
        return values  # every attribute given, in order: nothing to add or reorder
    return _completed(values, rules.source, path, errors, apply_defaults)


def _completed(values: dict, attributes: list, path: str, errors: Errors, apply_defaults):
    """`values` in the attributes' order, with the defaults of the absent ones; an absent
    mandatory one is a problem."""
    ordered = {}
    for attribute in attributes:
        name = attribute["name"]
        if name in values:
            ordered[name] = values[name]
        elif name in ordered:
            continue  # given by an earlier attribute of the same name
        elif apply_defaults and attribute.get("default") is not None:
            ordered[name] = attribute["default"]
        elif attribute.get("mandatory"):
            errors.add(f"{path}.{name}" if path else name, "is mandatory")
    return ordered


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
