"""Checks of one imported row, by the API's own rules (parse_event, business attribute values):
the full checks, which name every broken rule, and beside them the one-pass check of a plain row,
which answers the same values for a row as the exporter writes it. A row the plain check does not
take goes through the full checks."""

from __future__ import annotations

import datetime as dt

from csadmin.pluginlib import ValidationFailed
from plugins.services.attributes import known_values, resolve
from plugins.services.events import (
    ATTRIBUTE_FIELDS,
    CONTROL_CHARACTERS,
    DEFAULT_TEXT_LIMIT,
    LIMITS,
    MAX_DURATION,
    has_nul,
    parse_event,
    parse_timestamp,
    utc_timestamp,
)

IMPORT_SERVICE_FIELDS = (
    "service_type",
    "customer_id",
    "contact_key",
    "est_duration",
    "disposition",
    "disposition_desc",
    "expiration_time",
)
IMPORT_CHILD_FIELDS = ("est_duration", "disposition", "disposition_desc")
MAX_SERVICE_ID_LENGTH = 64
# The columns of the export files' rows: any other is refused (a misspelt column would
# otherwise be dropped without a word).
_ROW_TIMING = ("started", "completed", "started_data", "completed_data", "extensions")
ROW_KEYS = {
    "service": frozenset(("service_id", *IMPORT_SERVICE_FIELDS, *_ROW_TIMING)),
    "state": frozenset(
        ("service_id", "state_id", "state_type", *IMPORT_CHILD_FIELDS, *_ROW_TIMING)
    ),
    "task": frozenset(
        ("service_id", "task_id", "task_type", "state_id", *IMPORT_CHILD_FIELDS, *_ROW_TIMING)
    ),
}


class RowProblems(Exception):
    """One import row broke rules: `problems` is a list of (field, reason)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))
        self.problems = problems


# -- what the import calls ---------------------------------------------------------------------


def import_known_values(tenant) -> dict:
    """The tenant's business attribute values, read once per import batch."""
    return known_values(tenant, set(ATTRIBUTE_FIELDS.values()))


def import_service_row(tenant, row, known) -> dict:
    """The column values of a Service from one exported row (plain values: building model
    objects would cost more than the insert), or RowProblems naming every broken rule."""
    return _plain_service(tenant, row, known) or _checked_service_row(tenant, row, known)


def import_state_row(row, known) -> tuple[str, dict]:
    """(service_id, State field values) from one exported row, or RowProblems."""
    return _plain_child(row, known, "state") or _import_child(row, known, "state")


def import_task_row(row, known) -> tuple[str, dict]:
    """(service_id, Task field values) from one exported row, or RowProblems."""
    return _plain_child(row, known, "task") or _import_child(row, known, "task")


# -- the full checks: every broken rule named ------------------------------------------------


def _problems_of(error: ValidationFailed) -> list[tuple[str, str]]:
    return [
        (field, reason) for field, reasons in (error.errors or {}).items() for reason in reasons
    ]


def _timestamp(row: dict, name: str, required: bool, problems: list):
    value = row.get(name)
    if value in (None, ""):
        if required:
            problems.append((name, "is required"))
        return None
    parsed = parse_timestamp(value) if isinstance(value, str) else None
    if parsed is None:
        problems.append((name, "must be an ISO-8601 timestamp, e.g. 2026-11-29T10:15:00.000Z"))
    return parsed


def _json_object_field(row: dict, name: str, problems: list, *, nullable: bool):
    value = row.get(name)
    if value is None:
        return None if nullable else {}
    if not isinstance(value, dict):
        problems.append((name, "must be a JSON object"))
        return None
    if has_nul(value):
        problems.append((name, "must not contain the NUL character"))
        return None
    return value


def _positive_int(row: dict, name: str, problems: list, *, required: bool):
    value = row.get(name)
    if value is None:
        if required:
            problems.append((name, "is required"))
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append((name, "must be a positive integer"))
        return None
    return value


def _import_event(row: dict, fields, required: tuple[str, ...], known, problems: list):
    """The API's own rules on the event fields of a row, and the attribute values by name."""
    try:
        event = parse_event({k: row.get(k) for k in fields if k in row}, required=required)
    except ValidationFailed as error:
        problems.extend(_problems_of(error))
        return None
    for name in [n for n in event.fields if n in ATTRIBUTE_FIELDS]:
        resolved = resolve(event.fields[name], ATTRIBUTE_FIELDS[name], known)
        if resolved is None:
            problems.append(
                (
                    name,
                    f"{event.fields[name]!s} is not a value of business attribute "
                    f"{ATTRIBUTE_FIELDS[name]}",
                )
            )
        else:
            event.fields[name] = resolved
    return event


def _timing_fields(row: dict, problems: list) -> dict:
    started = _timestamp(row, "started", True, problems)
    completed = _timestamp(row, "completed", False, problems)
    if started and completed and completed < started:
        problems.append(("completed", "must not be before started"))
    return {
        "started_at": started,
        "completed_at": completed,
        "started_data": _json_object_field(row, "started_data", problems, nullable=False),
        "completed_data": _json_object_field(row, "completed_data", problems, nullable=True),
        "extensions": _json_object_field(row, "extensions", problems, nullable=False),
    }


def _unknown_columns(row: dict, kind: str, problems: list) -> None:
    for name in sorted(set(row) - ROW_KEYS[kind], key=str):
        problems.append((str(name)[:200], f"is not a column of a {kind} row"))


def _checked_service_row(tenant, row, known) -> dict:
    if not isinstance(row, dict):
        raise RowProblems([("row", "must be a JSON object")])
    problems: list[tuple[str, str]] = []
    service_id = row.get("service_id")
    if not isinstance(service_id, str) or not service_id.strip():
        problems.append(("service_id", "is required"))
    elif len(service_id) > MAX_SERVICE_ID_LENGTH:
        problems.append(("service_id", f"must be at most {MAX_SERVICE_ID_LENGTH} characters"))
    elif has_nul(service_id):
        problems.append(("service_id", "must not contain the NUL character"))
    event = _import_event(row, IMPORT_SERVICE_FIELDS, ("service_type",), known, problems)
    timing = _timing_fields(row, problems)
    _unknown_columns(row, "service", problems)
    if problems:
        raise RowProblems(problems)
    return {
        "tenant_id": tenant.pk,
        "service_id": service_id,
        "service_type": event.get("service_type", ""),
        "customer_id": event.get("customer_id") or None,
        "contact_key": event.get("contact_key", ""),
        "expires_at": event.expires_at,
        "est_duration": event.get("est_duration"),
        "disposition": event.get("disposition", ""),
        "disposition_desc": event.get("disposition_desc", ""),
        "last_state_id": 0,
        "last_task_id": 0,
        **timing,
    }


def _import_child(row, known, kind: str):
    if not isinstance(row, dict):
        raise RowProblems([("row", "must be a JSON object")])
    problems: list[tuple[str, str]] = []
    if not isinstance(row.get("service_id"), str) or not row["service_id"]:
        problems.append(("service_id", "is required"))
    elif has_nul(row["service_id"]):
        problems.append(("service_id", "must not contain the NUL character"))
    number = _positive_int(row, f"{kind}_id", problems, required=True)
    state_id = _positive_int(row, "state_id", problems, required=False) if kind == "task" else None
    type_field = f"{kind}_type"
    event = _import_event(row, (type_field, *IMPORT_CHILD_FIELDS), (type_field,), known, problems)
    timing = _timing_fields(row, problems)
    _unknown_columns(row, kind, problems)
    if problems:
        raise RowProblems(problems)
    values = {
        f"{kind}_id": number,
        type_field: event.get(type_field, ""),
        "est_duration": event.get("est_duration"),
        "disposition": event.get("disposition", ""),
        "disposition_desc": event.get("disposition_desc", ""),
        **timing,
    }
    if kind == "task":
        values["state_id"] = state_id
    return row["service_id"], values


# -- the plain row in one pass ----------------------------------------------------------------
# Nearly every imported row is as the exporter wrote it: UTC timestamps, value names the tenant
# knows, no NUL anywhere. For such a row the functions below answer the same values as the full
# checks above in one pass, without their per-field calls, problem lists and ParsedEvent (they
# were half the import's time). Anything else answers None and goes through the full checks,
# which then name its problems: so these may refuse a good row, never accept another value.


def _plain_name(value, known: dict, attribute: str) -> bool:
    """A value name as resolve() keeps it unchanged: the tenant has it, or has no values."""
    if type(value) is not str or value == "" or len(value) > DEFAULT_TEXT_LIMIT:
        return False
    entry = known.get(attribute)
    if entry is None:  # any name, as parse_event takes it
        return CONTROL_CHARACTERS.search(value) is None
    return value in entry["by_name"]


def _plain_text(value, limit: int) -> bool:
    return value is None or (type(value) is str and len(value) <= limit)


def _plain_duration(value) -> bool:
    return value is None or (type(value) is int and 0 <= value <= MAX_DURATION)


def _plain_instant(value):
    """A timestamp as the exporter writes it (UTC), or None."""
    return utc_timestamp(value) if type(value) is str else None


def _plain_timing(row: dict) -> dict | None:
    """_timing_fields of a plain row, or None."""
    started = _plain_instant(row.get("started"))
    completed = row.get("completed")
    if completed == "":
        completed = None
    elif completed is not None:
        completed = _plain_instant(completed)
        if completed is None:
            return None
    if started is None or (completed is not None and completed < started):
        return None
    started_data, completed_data = row.get("started_data"), row.get("completed_data")
    extensions = row.get("extensions")
    for value in (started_data, completed_data, extensions):
        if value is not None and type(value) is not dict:
            return None
    return {
        "started_at": started,
        "completed_at": completed,
        "started_data": {} if started_data is None else started_data,
        "completed_data": completed_data,
        "extensions": {} if extensions is None else extensions,
    }


def _plain_outcome(row: dict, known: dict) -> dict | None:
    """est_duration, disposition and disposition_desc of a plain row, or None."""
    duration, disposition = row.get("est_duration"), row.get("disposition")
    description = row.get("disposition_desc")
    if not _plain_duration(duration) or not _plain_text(description, LIMITS["disposition_desc"]):
        return None
    if disposition is not None and not _plain_name(disposition, known, "Disposition"):
        return None
    return {
        "est_duration": duration,
        "disposition": disposition or "",
        "disposition_desc": description or "",
    }


SERVICE_KEYS = ROW_KEYS["service"]


def _plain_service(tenant, row, known) -> dict | None:
    """import_service_row of a plain row, or None."""
    if type(row) is not dict or not SERVICE_KEYS.issuperset(row) or has_nul(row):
        return None
    service_id, service_type = row.get("service_id"), row.get("service_type")
    customer_id, contact_key = row.get("customer_id"), row.get("contact_key")
    expiration = row.get("expiration_time")
    expires_at = None if expiration is None else _plain_instant(expiration)
    if (
        type(service_id) is not str
        or not service_id.strip()
        or len(service_id) > MAX_SERVICE_ID_LENGTH
        or not _plain_name(service_type, known, ATTRIBUTE_FIELDS["service_type"])
        or not _plain_text(customer_id, DEFAULT_TEXT_LIMIT)
        or not _plain_text(contact_key, DEFAULT_TEXT_LIMIT)
        or (expiration is not None and expires_at is None)
    ):
        return None
    outcome, timing = _plain_outcome(row, known), _plain_timing(row)
    if outcome is None or timing is None:
        return None
    return {
        "tenant_id": tenant.pk,
        "service_id": service_id,
        "service_type": service_type,
        "customer_id": customer_id or None,
        "contact_key": contact_key or "",
        "expires_at": expires_at,
        **outcome,
        "last_state_id": 0,
        "last_task_id": 0,
        **timing,
    }


def _plain_child(row, known, kind: str) -> tuple[str, dict] | None:
    """_import_child of a plain row, or None."""
    if type(row) is not dict or not ROW_KEYS[kind].issuperset(row) or has_nul(row):
        return None
    number_field, type_field = f"{kind}_id", f"{kind}_type"
    service_id, number = row.get("service_id"), row.get(number_field)
    kind_type, state_id = row.get(type_field), row.get("state_id")
    if (
        type(service_id) is not str
        or not service_id
        or type(number) is not int
        or number < 1
        or not _plain_name(kind_type, known, ATTRIBUTE_FIELDS[type_field])
        or (kind == "task" and state_id is not None and (type(state_id) is not int or state_id < 1))
    ):
        return None
    outcome, timing = _plain_outcome(row, known), _plain_timing(row)
    if outcome is None or timing is None:
        return None
    values = {number_field: number, type_field: kind_type, **outcome, **timing}
    if kind == "task":
        values["state_id"] = state_id
    return service_id, values


# -- a full service: the stream's own shape, with its states and tasks nested ---------------
# The stream with content (and the API's service resource) nests each event as an object,
# {"timestamp": ..., **attached data}, and a service's states and tasks as four lists. Each part
# is put back into the flat row the files hold and checked by the checks above, so a full
# service obeys exactly the rules of the services, states and tasks files (one validator).

NESTED_LISTS = {
    "active_states": "state",
    "completed_states": "state",
    "active_tasks": "task",
    "completed_tasks": "task",
}
_COMMON_KEYS = {"est_duration", "duration", "disposition", "disposition_desc", "extensions"}
FULL_KEYS = {
    "service": {
        "service_id",
        "service_type",
        "customer_id",
        "contact_key",
        "expiration_time",
        "started",
        "completed",
        *_COMMON_KEYS,
        *NESTED_LISTS,
    },
    "state": {"state_id", "state_type", "started", "completed", *_COMMON_KEYS},
    "task": {"task_id", "task_type", "state_id", "started", "completed", *_COMMON_KEYS},
}
# What a nested item's flat row takes as it is (the events are unfolded, unknown keys reported)
FLAT_KEYS = {
    kind: keys - {"started", "completed", "duration", *NESTED_LISTS}
    for kind, keys in FULL_KEYS.items()
}
EVENT_OBJECT = "must be an object holding a timestamp (and the data attached to the event)"


class FullService:
    """A full service's checked parts: the Service values and, as import_*_row answers them,
    its states and tasks."""

    __slots__ = ("service", "states", "tasks")

    def __init__(self, service: dict, states: list, tasks: list) -> None:
        self.service, self.states, self.tasks = service, states, tasks


def is_full_service(row) -> bool:
    """The stream's shape (nested lists, or events as objects) rather than a file's flat row."""
    if type(row) is not dict:
        return False
    return any(name in row for name in NESTED_LISTS) or type(row.get("started")) is dict


def _unknown_keys(item: dict, kind: str, prefix: str, problems: list) -> None:
    for name in sorted(set(item) - FULL_KEYS[kind]):
        problems.append((f"{prefix}{name}"[:200], f"is not a field of a {kind}"))


def _flat(item: dict, kind: str, prefix: str, problems: list) -> dict:
    """The file's flat row of one nested item: `started` and `completed` objects become a
    timestamp and its data; `duration` (computed from them) only refines the start
    (_keep_duration)."""
    _unknown_keys(item, kind, prefix, problems)
    kept = FLAT_KEYS[kind]
    flat = {k: v for k, v in item.items() if k in kept}
    for name in ("started", "completed"):
        event = item.get(name)
        if event is None:
            continue
        if type(event) is not dict:
            problems.append((prefix + name, EVENT_OBJECT))
            continue
        data = dict(event)
        flat[name] = data.pop("timestamp", None)
        if flat[name] is None:
            problems.append((f"{prefix}{name}.timestamp", "is required"))
        flat[f"{name}_data"] = data
    return flat


ONE_MS = dt.timedelta(milliseconds=1)
JUST_UNDER_ONE_MS = dt.timedelta(microseconds=999)


def _keep_duration(values: dict, duration) -> dict:
    """The stream gives times to the millisecond and `duration` from the exact times: a span
    of 4.5 ms shows as timestamps 5 ms apart and a duration of 4. When the duration is one
    less than the timestamps' difference, the start moves to the end of its millisecond (its
    timestamp unchanged), so the service streams out again with the same duration."""
    started, completed = values["started_at"], values["completed_at"]
    if type(duration) is not int or completed is None or started.microsecond % 1000:
        return values
    if duration == (completed - started) // ONE_MS - 1 and duration >= 0:
        values["started_at"] = started + JUST_UNDER_ONE_MS
    return values


def _checked_part(check, flat: dict, duration, prefix: str, problems: list):
    """check(flat) with its problems named by their path in the full service; None if bad. A
    nested item's service_id is its service's, whose own check names what is wrong with it."""
    try:
        checked = check(flat)
    except RowProblems as bad:
        problems.extend(
            (prefix + name, reason)
            for name, reason in bad.problems
            if not (prefix and name == "service_id")
        )
        return None
    _keep_duration(checked if type(checked) is dict else checked[1], duration)
    return checked


def _nested(row: dict, service_id, known, problems: list):
    """The checked states and tasks of a full service: each list must be a list of objects,
    each item in the list its completion says, each number once in the service."""
    found: dict[str, list] = {"state": [], "task": []}
    numbers: dict[str, set] = {"state": set(), "task": set()}
    for key, kind in NESTED_LISTS.items():
        items = row.get(key)
        if items is None:
            continue
        if type(items) is not list:
            problems.append((key, f"must be a list of {kind}s"))
            continue
        check = import_state_row if kind == "state" else import_task_row
        completed = key.startswith("completed")
        for index, item in enumerate(items):
            prefix = f"{key}[{index}]."
            if type(item) is not dict:
                problems.append((f"{key}[{index}]", "must be a JSON object"))
                continue
            flat = _flat(item, kind, prefix, problems)
            if completed != (item.get("completed") is not None):
                problems.append(
                    (
                        prefix + "completed",
                        f"is required in {key}" if completed else f"must be absent in {key}",
                    )
                )
            flat["service_id"] = service_id if type(service_id) is str else ""
            checked = _checked_part(
                lambda f, c=check: c(f, known), flat, item.get("duration"), prefix, problems
            )
            if checked is None:
                continue
            number = checked[1][f"{kind}_id"]
            if number in numbers[kind]:
                problems.append((f"{prefix}{kind}_id", f"repeats {kind} {number} of this service"))
            numbers[kind].add(number)
            found[kind].append(checked)
    return found["state"], found["task"]


def import_full_service_row(tenant, row, known) -> FullService:
    """A service of the stream's full content, with its states and tasks, checked by the
    rules of the files' rows; RowProblems names every broken rule by its path in the service
    (`completed_states[2].state_type`). A service is taken whole or not at all."""
    if type(row) is not dict:
        raise RowProblems([("row", "must be a JSON object")])
    problems: list[tuple[str, str]] = []
    flat = _flat(row, "service", "", problems)
    service = _checked_part(
        lambda f: import_service_row(tenant, f, known), flat, row.get("duration"), "", problems
    )
    states, tasks = _nested(row, row.get("service_id"), known, problems)
    if problems:
        raise RowProblems(problems)
    return FullService(service, states, tasks)
