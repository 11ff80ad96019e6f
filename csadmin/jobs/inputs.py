"""Declared job inputs: each job names its arguments and their types once, beside its body.

    class PurgeInputs(JobInputs):
        operation: Literal[OPERATIONS]
        limit: Annotated[datetime, Meta(tz=True)]
        dry_run: bool = False
        batch: Annotated[int, Meta(ge=1)] = 1000

    @job("maintenance.purge", inputs=PurgeInputs)
    def purge(handle):
        handle.inputs.limit  # a datetime, checked when the job was enqueued

The declaration is a msgspec Struct. msgspec is already a dependency (the import decodes
NDJSON with it); a Struct is plain typed attributes, so the body reads `handle.inputs.limit`
as a datetime with no casts; one call both checks and converts the stored JSON; and it needs no
request, whereas DRF serializers are built around one (jobs are also enqueued by beat, the
management commands and retries). Unknown arguments are refused, so a misspelt one
(`dryrun`) is never silently ignored.

The run keeps its arguments as JSON (JobRun.arguments, as given); enqueue_job refuses
arguments that break the declaration with ValidationFailed naming the field and the rule,
before anything is written, and the worker converts them again into the declared type.
"""

from __future__ import annotations

import re

import msgspec
from msgspec import inspect

from csadmin.pluginlib.errors import ValidationFailed


class JobInputs(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of a job's declared inputs: subclass it with annotated fields (and defaults)."""


class NoInputs(JobInputs):
    """The inputs of a job that takes no arguments (the default of @job)."""


# msgspec's messages end with the path of the value they refuse ("... - at `$.batch`"), and
# name a missing or unknown field of an object in back-quotes.
AT_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`")
UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`")


def read_inputs(declared: type[JobInputs], arguments: dict, *, kind: str) -> JobInputs:
    """The arguments as the declared type; ValidationFailed naming the field and its rule."""
    try:
        return msgspec.convert(arguments, declared)
    except msgspec.ValidationError as exc:
        raise ValidationFailed.from_errors(_errors(declared, str(exc), kind)) from None


def _errors(declared: type[JobInputs], message: str, kind: str) -> dict[str, list[str]]:
    at = AT_PATH.search(message)
    path = at["path"] if at else ""
    message = message[: at.start()] if at else message
    if missing := MISSING.match(message):
        field = _joined(path, missing["field"])
        return {field: [f"is required: {_described(declared, field)}"]}
    if unknown := UNKNOWN.match(message):
        return {_joined(path, unknown["field"]): [f"is not an input of {kind}"]}
    if path:
        return {path: [f"must be {_described(declared, path)}"]}
    return {"arguments": [message]}


def _joined(path: str, field: str) -> str:
    return f"{path}.{field}" if path else field


def _described(declared: type[JobInputs], field: str) -> str:
    fields = {info.name: info for info in inspect.type_info(declared).fields}
    info = fields.get(field)
    return describe_type(info.type) if info else "valid"


def describe_type(info) -> str:
    """A declared type in words, e.g. "an integer, at least 1" or "one of json, csv"."""
    if isinstance(info, inspect.Metadata):  # a title or page hints around the type
        return describe_type(info.type)
    if isinstance(info, inspect.UnionType):
        members = [describe_type(member) for member in info.types]
        return (", or " if any("," in member for member in members) else " or ").join(members)
    if isinstance(info, inspect.NoneType):
        return "null"
    if isinstance(info, inspect.BoolType):
        return "true or false"
    if isinstance(info, inspect.LiteralType):
        return "one of " + ", ".join(str(value) for value in info.values)
    if isinstance(info, inspect.DateTimeType):
        zone = " with a time zone" if info.tz else ""
        return f"an ISO-8601 timestamp{zone}"
    if isinstance(info, inspect.StrType):
        bounds = _bounds(min_length=info.min_length, max_length=info.max_length)
        return "text" + bounds
    if isinstance(info, (inspect.IntType, inspect.FloatType)):
        noun = "an integer" if isinstance(info, inspect.IntType) else "a number"
        return noun + _bounds(gt=info.gt, ge=info.ge, lt=info.lt, le=info.le)
    return type(info).__name__.removesuffix("Type").lower()


BOUND_WORDS = {
    "gt": "above",
    "ge": "at least",
    "lt": "below",
    "le": "at most",
    "min_length": "at least {} characters",
    "max_length": "at most {} characters",
}


def _bounds(**bounds) -> str:
    words = []
    for name, value in bounds.items():
        if value is None:
            continue
        word = BOUND_WORDS[name]
        words.append(word.format(value) if "{}" in word else f"{word} {value}")
    return (", " + ", ".join(words)) if words else ""


def describe_inputs(declared: type[JobInputs] | None) -> list[dict]:
    """Each declared input with its type in words and its default (the Plug-ins page)."""
    if declared is None:
        return []
    described = []
    for info in inspect.type_info(declared).fields:
        default = None if info.required else _default(info)
        described.append(
            {
                "name": info.name,
                "type": describe_type(info.type),
                "required": info.required,
                "default": default,
            }
        )
    return described


def _default(info) -> str:
    value = info.default if info.default is not msgspec.NODEFAULT else info.default_factory()
    return msgspec.json.encode(value).decode()
