"""The rules of schemas: names, attributes, unique items. API, forms and import all call these.

Every function returns the normalized form or raises ValidationFailed whose `errors` map a field
path ("attributes[2].length", "unique[0]") to the broken rules.
"""

from __future__ import annotations

import re

from csadmin.pluginlib import ValidationFailed, name_problems
from csadmin.pluginlib.storable import echo
from plugins.profiles.values import ATTRIBUTE_TYPES, DEFAULT_STRING_LENGTH, BadValue, coerce

MAX_STRING_LENGTH = 65535
EXTENSION_TYPES = ("single-valued", "multi-valued", "classifier")
ATTRIBUTE_FIELDS = {"name", "type", "length", "default", "mandatory", "unique", "encrypt"}
EXTENSION_FIELDS = {"name", "type", "attributes", "unique"}
MAX_ATTRIBUTES = 200


class Errors(dict):
    """Collects messages per field path."""

    def add(self, path: str, message: str) -> None:
        self.setdefault(path, []).append(message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationFailed.from_errors(dict(self))


def parse_length(raw, path: str, errors: Errors):
    if isinstance(raw, bool):
        errors.add(path, "must be a whole number")
        return None
    if isinstance(raw, str) and re.fullmatch(r"\s*\d{1,6}\s*", raw):
        raw = int(raw)
    if not isinstance(raw, int):
        errors.add(path, "must be a whole number")
        return None
    if not 1 <= raw <= MAX_STRING_LENGTH:
        errors.add(path, f"must be between 1 and {MAX_STRING_LENGTH}")
        return None
    return raw


def parse_flag(raw, path: str, errors: Errors) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    errors.add(path, "must be true or false")
    return False


def attribute_problems(raw, path: str, errors: Errors, from_text: bool = False) -> dict | None:
    """One attribute in normalized form (None when it is broken; errors say why)."""
    if not isinstance(raw, dict):
        errors.add(path, "must be an object")
        return None
    before = len(errors)
    for unknown in sorted(set(raw) - ATTRIBUTE_FIELDS):
        errors.add(f"{path}.{unknown}", "is not a field of an attribute")
    for problem in name_problems(raw.get("name")):
        errors.add(f"{path}.name", problem)
    kind = raw.get("type")
    if kind not in ATTRIBUTE_TYPES:
        errors.add(f"{path}.type", f"must be one of {', '.join(ATTRIBUTE_TYPES)}")
    attribute = {"name": raw.get("name"), "type": kind}
    if kind == "string":
        length = raw.get("length")
        if length is None:  # null reads as not given, as it does for `default`
            length = DEFAULT_STRING_LENGTH
        attribute["length"] = parse_length(length, f"{path}.length", errors)
    elif raw.get("length") not in (None, "") and kind in ATTRIBUTE_TYPES:
        errors.add(f"{path}.length", "is only for string attributes")
    attribute["mandatory"] = parse_flag(raw.get("mandatory", False), f"{path}.mandatory", errors)
    attribute["unique"] = parse_flag(raw.get("unique", False), f"{path}.unique", errors)
    attribute["encrypt"] = parse_flag(raw.get("encrypt", False), f"{path}.encrypt", errors)
    if "default" in raw and raw["default"] is not None and len(errors) == before:
        try:
            attribute["default"] = coerce(raw["default"], attribute, from_text=from_text)
        except BadValue as bad:
            errors.add(f"{path}.default", f"{bad} (the attribute's type is {kind})")
    return attribute if len(errors) == before else None


def validate_attributes(
    raw, path: str = "attributes", errors: Errors | None = None, from_text: bool = False
) -> list:
    """A list of attributes: each valid, names unique case-insensitively."""
    own = Errors() if errors is None else errors
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        own.add(path, "must be a list of attributes")
        return []
    if len(raw) > MAX_ATTRIBUTES:
        own.add(path, f"must hold at most {MAX_ATTRIBUTES} attributes")
        return []
    attributes, seen = [], {}
    for index, item in enumerate(raw):
        attribute = attribute_problems(item, f"{path}[{index}]", own, from_text)
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, str) and name:
            first = seen.setdefault(name.lower(), index)
            if first != index:
                own.add(
                    f"{path}[{index}].name",
                    f"duplicates the name of attribute {first} (names ignore case)",
                )
                attribute = None
        if attribute is not None:
            attributes.append(attribute)
    if errors is None:
        own.raise_if_any()
    return attributes


def validate_unique(raw, attributes: list, path: str, errors: Errors) -> list:
    """Unique items: a name or a list of names (composite), each naming an attribute."""
    by_lower = {attribute["name"].lower(): attribute["name"] for attribute in attributes}
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        errors.add(path, "must be a list of attribute names or lists of names")
        return []
    items = []
    for index, item in enumerate(raw):
        names = item if isinstance(item, list) else [item]
        if not names or not all(isinstance(name, str) for name in names):
            errors.add(f"{path}[{index}]", "must be an attribute name or a list of names")
            continue
        resolved = []
        for name in names:
            if name.lower() not in by_lower:
                errors.add(f"{path}[{index}]", f"names {echo(name)}, which is not an attribute")
            else:
                resolved.append(by_lower[name.lower()])
        if len(set(resolved)) != len(resolved):
            errors.add(f"{path}[{index}]", "names an attribute twice")
        elif len(resolved) == len(names):
            items.append(resolved if isinstance(item, list) else resolved[0])
    return items


def validate_extension_schema(raw, *, from_text: bool = False) -> dict:
    """A whole extension schema in normalized form, or ValidationFailed with every problem."""
    errors = Errors()
    if not isinstance(raw, dict):
        raise ValidationFailed.from_errors({"body": ["must be a JSON object"]})
    for unknown in sorted(set(raw) - EXTENSION_FIELDS):
        errors.add(unknown, "is not a field of an extension schema")
    for problem in name_problems(raw.get("name")):
        errors.add("name", problem)
    kind = raw.get("type")
    if kind not in EXTENSION_TYPES:
        errors.add("type", f"must be one of {', '.join(EXTENSION_TYPES)}")
    attributes = validate_attributes(raw.get("attributes"), "attributes", errors, from_text)
    unique = validate_unique(raw.get("unique"), attributes, "unique", errors)
    if kind == "classifier" and raw.get("attributes"):
        errors.add("attributes", "a classifier has no attributes")
    errors.raise_if_any()
    return {"name": raw["name"], "type": kind, "attributes": attributes, "unique": unique}


def validate_profile_schema(raw, *, from_text: bool = False) -> list:
    if not isinstance(raw, dict):
        raise ValidationFailed.from_errors({"body": ["must be a JSON object"]})
    errors = Errors()
    for unknown in sorted(set(raw) - {"attributes"}):
        errors.add(unknown, "is not a field of the profile schema")
    if raw.get("attributes") is None:  # null would silently drop every attribute
        errors.add("attributes", "is required")
    attributes = validate_attributes(raw.get("attributes"), "attributes", errors, from_text)
    for index, attribute in enumerate(attributes):
        if attribute["name"].lower() == "customer_id":
            errors.add(f"attributes[{index}].name", "customer_id is the profile's id")
    errors.raise_if_any()
    return attributes


def unique_items(schema_unique: list, attributes: list) -> list[list[str]]:
    """Every unique item as a list of names: the schema's items plus attributes marked unique."""
    items = [item if isinstance(item, list) else [item] for item in schema_unique]
    for attribute in attributes:
        if attribute.get("unique") and [attribute["name"]] not in items:
            items.append([attribute["name"]])
    return items
