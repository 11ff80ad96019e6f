"""The export's reads (spec §6): which services an export selects, their ids, their rows in
chunks (for the export files and the stream off PostgreSQL), and on PostgreSQL the full JSON text
of each service built by the database itself, rendered on several connections at once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from itertools import islice
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from csadmin.pluginlib import rendering
from plugins.services.models import ACTIVE, Event, State, Task
from plugins.services.representation import full_service_dict
from plugins.services.selectors import live_services

EXPORT_EVENT_FILTERS = ("any", "started", "completed")
EXPORT_STATE_FILTERS = ("any", "active", "inactive")


def export_selection(
    tenant,
    *,
    time_from: dt.datetime,
    time_to: dt.datetime,
    filter_events: str = "any",
    filter_state: str = "any",
):
    """Services (not expired) with a start / end / any event in [time_from, time_to], then
    kept when active / inactive now (spec §6). Ordered by row id for a stable stream."""
    started = Q(started_at__gte=time_from, started_at__lte=time_to)
    completed = Q(completed_at__gte=time_from, completed_at__lte=time_to)
    if filter_events == "started":
        condition = started
    elif filter_events == "completed":
        condition = completed
    else:
        with_event = Event.objects.filter(at__gte=time_from, at__lte=time_to).values("service_id")
        condition = started | completed | Q(pk__in=with_event)
    queryset = live_services(tenant).filter(condition)
    if filter_state == "active":
        queryset = queryset.filter(ACTIVE)
    elif filter_state == "inactive":
        queryset = queryset.filter(completed_at__isnull=False)
    return queryset.order_by("pk")


def export_service_ids(queryset, *, chunk: int = 5000) -> Iterator[str]:
    """The selected services' ids, from a server-side cursor on PostgreSQL."""
    return queryset.values_list("service_id", flat=True).iterator(chunk_size=chunk)


EXPORT_COMMON_FIELDS = (
    "started_at",
    "completed_at",
    "est_duration",
    "disposition",
    "disposition_desc",
    "started_data",
    "completed_data",
    "extensions",
)
EXPORT_SERVICE_FIELDS = (
    "id",
    "service_id",
    "service_type",
    "customer_id",
    "contact_key",
    "expires_at",
    *EXPORT_COMMON_FIELDS,
)
EXPORT_STATE_FIELDS = ("service_id", "state_id", "state_type", *EXPORT_COMMON_FIELDS)
EXPORT_TASK_FIELDS = ("service_id", "task_id", "state_id", "task_type", *EXPORT_COMMON_FIELDS)


def _grouped(queryset, fields) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in queryset.values(*fields):
        grouped.setdefault(row["service_id"], []).append(SimpleNamespace(**row))
    return grouped


def _of_services(ids: list[int]) -> Q:
    """service_id among these row ids. On PostgreSQL the ids go as one array parameter: a
    thousand `IN` placeholders cost more to build and parse than the query takes to run."""
    if connection.vendor == "postgresql":
        return Q(service_id__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
    return Q(service_id__in=ids)


def export_service_chunks(queryset, *, chunk: int = 1000):
    """The selected services in chunks of (service, states, tasks), read from a server-side
    cursor: per chunk one query for the states and one for the tasks. Rows are plain
    namespaces with the models' attribute names (no model objects: several times faster,
    and the representation functions read attributes only)."""
    rows = queryset.values(*EXPORT_SERVICE_FIELDS).iterator(chunk_size=chunk)
    while True:
        services = list(islice(rows, chunk))
        if not services:
            return
        ids = [row["id"] for row in services]
        states = _grouped(
            State.objects.filter(_of_services(ids)).order_by("service_id", "state_id"),
            EXPORT_STATE_FIELDS,
        )
        tasks = _grouped(
            Task.objects.filter(_of_services(ids)).order_by("service_id", "task_id"),
            EXPORT_TASK_FIELDS,
        )
        yield [
            (SimpleNamespace(**row), states.get(row["id"], []), tasks.get(row["id"], []))
            for row in services
        ]


# The full representation of services (spec §4: the service with all its states and tasks,
# as representation.service_dict renders it) built by PostgreSQL itself as JSON text, one text
# per service, and streamed out as it comes (never parsed again in Python). The text is put
# together with string functions rather than jsonb_build_object and `||`: building, merging
# and re-serializing jsonb values cost several times more than concatenating the texts.
# Keys come in their own order; the values are the same (a test compares both paths).
_TS = """to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"""


def _key(name: str, value_sql: str) -> str:
    return f"""'"{name}":' || {value_sql}"""


def _string(expr: str) -> str:
    """A JSON string (escaped by to_json), or null."""
    return f"COALESCE(to_json({expr})::text, 'null')"


def _quoted(expr: str) -> str:
    """A text that needs no escaping (a formatted timestamp) as a JSON string."""
    return f"""'"' || {expr} || '"'"""


def _number(expr: str) -> str:
    return f"COALESCE(({expr})::text, 'null')"


def _event_json(at: str, data: str) -> str:
    """{"timestamp": ..., **data}: the data's keys follow the timestamp (a data key named
    "timestamp" wins, as in Python; jsonb merges that rare case)."""
    stamp = f"""'{{"timestamp":' || {_quoted(_TS.format(at))}"""
    return f"""CASE
        WHEN {data} IS NULL OR {data} = '{{}}'::jsonb THEN {stamp} || '}}'
        WHEN {data} ? 'timestamp'
          THEN (jsonb_build_object('timestamp', {_TS.format(at)}) || {data})::text
        ELSE {stamp} || ',' || substr({data}::text, 2) END"""


def _common_parts(alias: str) -> list[str]:
    a = alias
    ended = f"""CASE WHEN {a}.completed_at IS NOT NULL THEN
        {_key("completed", _event_json(a + ".completed_at", a + ".completed_data"))}
        || ',' || {
        _key(
            "duration",
            f"trunc(extract(epoch FROM {a}.completed_at - {a}.started_at)::float8 * 1000)"
            "::bigint::text",
        )
    } END"""
    extensions = f"""CASE WHEN {a}.extensions IS NOT NULL AND {a}.extensions <> '{{}}'::jsonb
        THEN {_key("extensions", a + ".extensions::text")} END"""
    return [
        _key("est_duration", _number(f"{a}.est_duration")),
        _key("disposition", _string(f"NULLIF({a}.disposition, '')")),
        _key("disposition_desc", _string(f"NULLIF({a}.disposition_desc, '')")),
        _key("started", _event_json(a + ".started_at", a + ".started_data")),
        ended,
        extensions,
    ]


def _object(parts: list[str]) -> str:
    """A JSON object from `"key":value` texts; NULL parts (absent keys) are skipped."""
    return "'{' || concat_ws(',', " + ", ".join(parts) + ") || '}'"


def _nested_json(table: str, alias: str, number: str, head: list[str]) -> str:
    """Per service of the chunk, the active and the completed items as JSON array bodies:
    one aggregate over the chunk's rows of `table` (an index range per service id)."""
    item = _object(head + _common_parts(alias))
    return f"""
      LEFT JOIN (
        SELECT {alias}.service_id,
          string_agg({item}, ',' ORDER BY {alias}.{number})
            FILTER (WHERE {alias}.completed_at IS NULL) AS active,
          string_agg({item}, ',' ORDER BY {alias}.{number})
            FILTER (WHERE {alias}.completed_at IS NOT NULL) AS completed
        FROM {table} {alias} WHERE {alias}.service_id = ANY(%(ids)s)
        GROUP BY {alias}.service_id
      ) {alias}_json ON {alias}_json.service_id = s.id"""  # noqa: S608 (constant SQL)


def _array(expr: str) -> str:
    return f"'[' || COALESCE({expr}, '') || ']'"


FULL_SERVICE_JSON_SQL = f"""
SELECT {
    _object(
        [
            _key("service_id", _string("s.service_id")),
            _key("service_type", _string("s.service_type")),
            _key("customer_id", _string("s.customer_id")),
            _key("contact_key", _string("NULLIF(s.contact_key, '')")),
            _key("active_states", _array("st_json.active")),
            _key("completed_states", _array("st_json.completed")),
            _key("active_tasks", _array("tk_json.active")),
            _key("completed_tasks", _array("tk_json.completed")),
            *_common_parts("s"),
            "CASE WHEN s.expires_at IS NOT NULL THEN "
            + _key("expiration_time", _quoted(_TS.format("s.expires_at")))
            + " END",
        ]
    )
}
FROM services_service s
{
    _nested_json(
        "services_state",
        "st",
        "state_id",
        [_key("state_id", _number("st.state_id")), _key("state_type", _string("st.state_type"))],
    )
}
{
    _nested_json(
        "services_task",
        "tk",
        "task_id",
        [
            _key("task_id", _number("tk.task_id")),
            _key("task_type", _string("tk.task_type")),
            _key("state_id", _number("tk.state_id")),
        ],
    )
}
WHERE s.id = ANY(%(ids)s)
ORDER BY s.id
"""  # noqa: S608 (constant SQL: no input reaches this text; the ids are one array parameter)

# The first chunk is small so the first bytes leave at once; later chunks amortize the query.
FIRST_EXPORT_CHUNK = 200


def export_full_json(queryset, *, chunk: int = 2000) -> Iterator[str] | None:
    """On PostgreSQL: the JSON text of each selected service with all its states and tasks.
    The selected row ids come from a server-side cursor, opened inside a transaction that
    lives as long as the generator (outside one, Django declares a WITH HOLD cursor and
    PostgreSQL computes the whole result before the first row); each chunk of ids is then
    rendered by one query, on CSADMIN_EXPORT_RENDERERS extra connections at once when the
    caller is not in a transaction of its own (see csadmin.pluginlib.rendering). None elsewhere (use
    export_service_chunks and the representation functions there)."""
    if connection.vendor != "postgresql":
        return None
    ids_query = queryset.order_by("pk").values_list("pk", flat=True)
    selection, params = ids_query.query.sql_with_params()
    wanted = settings.CSADMIN_EXPORT_RENDERERS
    in_parallel = wanted > 1 and not connection.in_atomic_block

    def id_chunks(ids_cursor) -> Iterator[list[int]]:
        size = FIRST_EXPORT_CHUNK
        while ids := [row[0] for row in ids_cursor.fetchmany(size)]:
            yield ids
            size = chunk

    def serially(chunks) -> Iterator[str]:
        for ids in chunks:
            with connection.cursor() as cursor:
                cursor.execute(FULL_SERVICE_JSON_SQL, {"ids": ids})
                yield from (text for (text,) in cursor.fetchall())

    def rows():
        # Opened and closed inside the generator: a streaming response runs it after the view
        # returned. Closing the generator early (a client gone: GeneratorExit) leaves the
        # block through the exception, which rolls the read-only transaction back.
        with transaction.atomic(), connection.chunked_cursor() as ids_cursor:
            ids_cursor.execute(selection, params)
            chunks = id_chunks(ids_cursor)
            renderers = rendering.open_renderers(connection, wanted) if in_parallel else None
            if renderers:
                yield from rendering.render_in_order(renderers, FULL_SERVICE_JSON_SQL, chunks)
            else:
                yield from serially(chunks)

    return rows()


def full_service_texts(queryset) -> Iterator[str]:
    """The compact JSON text of each selected service with all its states and tasks, in row
    id order: the stream's full content (spec §6), rendered by PostgreSQL there and by the
    representation functions elsewhere. Every writer of full services goes through here."""
    rendered = export_full_json(queryset)
    if rendered is not None:
        yield from rendered
        return
    for chunk in export_service_chunks(queryset):
        for service, states, tasks in chunk:
            yield json.dumps(full_service_dict(service, states, tasks), separators=(",", ":"))
