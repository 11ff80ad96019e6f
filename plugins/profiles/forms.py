"""HTML forms as API bodies and back. No rules here: the bodies go to the same validators and
services as the API's, so a form refuses exactly what the API refuses."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field

from plugins.profiles.schema_rules import ATTRIBUTE_TYPES, EXTENSION_TYPES
from plugins.profiles.values import DEFAULT_STRING_LENGTH

ROW_ID = re.compile(r"^[a-z0-9]{1,12}$")
FLAGS = ("mandatory", "unique", "encrypt")


def new_row_id() -> str:
    return secrets.token_hex(3)


@dataclass
class AttributeRow:
    """One attribute row of the schema designer, as typed."""

    row_id: str
    name: str = ""
    type: str = "string"
    length: str = ""
    default: str = ""
    mandatory: bool = False
    unique: bool = False
    encrypt: bool = False
    errors: list[str] = field(default_factory=list)

    def as_body(self) -> dict:
        body = {"name": self.name, "type": self.type}
        length = self.length.strip()
        if length:  # a number as the API takes it; other text goes as typed, to be refused
            body["length"] = int(length) if length.isdecimal() and len(length) <= 6 else length
        if self.default != "":
            body["default"] = self.default
        for flag in FLAGS:
            body[flag] = getattr(self, flag)
        return body


@dataclass
class Designer:
    """The designer's state: what the form posted, or what a stored schema holds."""

    name: str = ""
    type: str = "multi-valued"
    rows: list[AttributeRow] = field(default_factory=list)
    unique: list[list[str]] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)
    types: tuple = ATTRIBUTE_TYPES
    extension_types: tuple = EXTENSION_TYPES

    @property
    def names(self) -> list[str]:
        return [row.name for row in self.rows if row.name]

    @property
    def unique_slots(self) -> list[list[str]]:
        """The unique items, plus one empty slot to pick a new one."""
        return [*self.unique, []]

    def extension_body(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "attributes": [] if self.type == "classifier" else [r.as_body() for r in self.rows],
            "unique": [item if len(item) > 1 else item[0] for item in self.unique if item],
        }

    def profile_body(self) -> dict:
        return {"attributes": [row.as_body() for row in self.rows]}

    def general_errors(self) -> list[tuple[str, str]]:
        return [
            (path, message)
            for path, messages in self.errors.items()
            if not path.startswith("attributes[")
            for message in messages
        ]

    def attach_errors(self, errors: dict[str, list[str]]) -> None:
        """Spread the validator's errors ("attributes[2].name") onto the rows."""
        self.errors = errors
        for path, messages in errors.items():
            match = re.match(r"^attributes\[(\d+)\](?:\.(\w+))?$", path)
            if match and int(match.group(1)) < len(self.rows):
                where = match.group(2) or "attribute"
                self.rows[int(match.group(1))].errors.extend(f"{where} {m}" for m in messages)

    def preview(self, document: dict | None) -> str:
        return json.dumps(document, indent=2, ensure_ascii=False)


def designer_from_post(post) -> Designer:
    rows = []
    for row_id in post.getlist("row"):
        if not ROW_ID.match(row_id):
            continue
        rows.append(
            AttributeRow(
                row_id=row_id,
                name=post.get(f"a{row_id}-name", "").strip(),
                type=post.get(f"a{row_id}-type", "string"),
                length=post.get(f"a{row_id}-length", ""),
                default=post.get(f"a{row_id}-default", ""),
                **{flag: post.get(f"a{row_id}-{flag}") == "on" for flag in FLAGS},
            )
        )
    names = {row.name for row in rows if row.name}
    unique = []
    for index in range(int(post.get("unique_slots", "0") or 0)):
        picked = [name for name in post.getlist(f"u{index}") if name in names]
        if picked and picked not in unique:
            unique.append(picked)
    return Designer(
        name=post.get("name", "").strip(),
        type=post.get("type", "multi-valued"),
        rows=rows,
        unique=unique,
    )


def designer_from_schema(document: dict) -> Designer:
    rows = [
        AttributeRow(
            row_id=new_row_id(),
            name=attribute["name"],
            type=attribute["type"],
            length=str(attribute.get("length", ""))
            if attribute.get("length") != DEFAULT_STRING_LENGTH
            else "",
            default=_default_text(attribute.get("default")),
            **{flag: bool(attribute.get(flag)) for flag in FLAGS},
        )
        for attribute in document.get("attributes", [])
    ]
    unique = [item if isinstance(item, list) else [item] for item in document.get("unique", [])]
    return Designer(
        name=document.get("name", ""),
        type=document.get("type", "multi-valued"),
        rows=rows,
        unique=unique,
    )


def _default_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- record forms ---------------------------------------------------------------------------

INPUT_TYPES = {
    "string": "text",
    "integer": "number",
    "long": "number",
    "double": "number",
    "currency": "number",
    "date": "text",  # ISO text, never a picker that shows the browser's mm/dd/yyyy
    "datetime": "text",
    "boolean": "checkbox",
}
# Dates and times are typed as ISO 8601 in UTC; the server checks them again (values.py).
PATTERNS = {
    "date": (r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
    "datetime": (
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?Z",
        "YYYY-MM-DDTHH:MM[:SS]Z, in UTC",
    ),
}
STEPS = {"integer": "1", "long": "1", "double": "any", "currency": "0.01"}


def input_fields(attributes: list, values: dict, errors: dict, prefix: str = "") -> list[dict]:
    """One typed input per attribute, filled with `values` and showing `errors`."""
    fields = []
    for attribute in attributes:
        name = attribute["name"]
        value = values.get(name)
        fields.append(
            {
                "name": name,
                "html_name": f"{prefix}{name}",
                "id": f"f-{prefix}{name}".replace(".", "-"),
                "type": attribute["type"],
                "input_type": INPUT_TYPES[attribute["type"]],
                "step": STEPS.get(attribute["type"]),
                "pattern": PATTERNS.get(attribute["type"], (None, None))[0],
                "hint": PATTERNS.get(attribute["type"], (None, None))[1],
                "maxlength": attribute.get("length") if attribute["type"] == "string" else None,
                "required": bool(attribute.get("mandatory")),
                "value": _input_value(attribute["type"], value),
                "checked": value is True,
                "errors": errors.get(f"{prefix.rstrip('.')}.{name}" if prefix else name, [])
                or errors.get(name, []),
            }
        )
    return fields


def _input_value(kind: str, value) -> str:
    if value is None:
        return ""
    return str(value)  # a datetime as stored: ISO 8601 with its Z


def values_from_post(post, attributes: list, prefix: str = "") -> dict:
    """Typed text of each attribute from a form; empty inputs are left out."""
    values = {}
    for attribute in attributes:
        key = f"{prefix}{attribute['name']}"
        if attribute["type"] == "boolean":
            posted = post.getlist(key)
            if posted:
                values[attribute["name"]] = posted[-1]  # the checkbox follows its hidden "false"
            continue
        text = post.get(key, "")
        if text != "":
            values[attribute["name"]] = text
    return values
