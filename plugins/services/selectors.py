"""Every read of the services plug-in. Expired services (past `expires_at`) are invisible to
every read here; only the purge helpers see them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from csadmin.pluginlib import NotFoundError
from csadmin.pluginlib.storable import echo
from plugins.services import rendering
from plugins.services.attributes import ATTRIBUTES
from plugins.services.models import (
    ACTIVE,
    BusinessAttribute,
    BusinessAttributeValue,
    Event,
    Service,
    State,
    Task,
)

STATUSES = ("all", "active", "completed")


def not_expired(now: dt.datetime | None = None) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now or timezone.now())


def live_services(tenant):
    return Service.objects.filter(not_expired(), tenant=tenant)


def by_status(queryset, status: str):
    if status == "active":
        return queryset.filter(ACTIVE)
    if status == "completed":
        return queryset.filter(completed_at__isnull=False)
    return queryset


@dataclass(frozen=True)
class Nested:
    """Which nested lists a service representation carries (the four `?x=true` flags)."""

    active_states: bool = False
    completed_states: bool = False
    active_tasks: bool = False
    completed_tasks: bool = False

    @property
    def states(self) -> bool:
        return self.active_states or self.completed_states

    @property
    def tasks(self) -> bool:
        return self.active_tasks or self.completed_tasks


NO_NESTED = Nested()


@dataclass(frozen=True)
class ServiceFilter:
    status: str = "all"
    customer_id: str | None = None
    contact_key: str | None = None
    anonymous: bool | None = None  # True: no customer; False: with a customer; None: both
    started_from: dt.datetime | None = None
    started_to: dt.datetime | None = None
    service_types: tuple[str, ...] = ()


def with_nested(queryset, nested: Nested):
    """Two extra queries at most (states, tasks) whatever the number of services or rows."""
    lookups = []
    if nested.states:
        states = State.objects.order_by("state_id")
        if not nested.completed_states:
            states = states.filter(ACTIVE)
        elif not nested.active_states:
            states = states.filter(completed_at__isnull=False)
        lookups.append(Prefetch("states", queryset=states))
    if nested.tasks:
        tasks = Task.objects.order_by("task_id")
        if not nested.completed_tasks:
            tasks = tasks.filter(ACTIVE)
        elif not nested.active_tasks:
            tasks = tasks.filter(completed_at__isnull=False)
        lookups.append(Prefetch("tasks", queryset=tasks))
    return queryset.prefetch_related(*lookups) if lookups else queryset


def service_list(tenant, filters: ServiceFilter, nested: Nested = NO_NESTED):
    """Services of a tenant for a list; ordering is left to the keyset pager ("-id")."""
    queryset = by_status(live_services(tenant), filters.status)
    if filters.customer_id is not None:
        queryset = queryset.filter(customer_id=filters.customer_id)
    if filters.contact_key is not None:
        queryset = queryset.filter(contact_key=filters.contact_key)
    if filters.anonymous is True:
        queryset = queryset.filter(customer_id__isnull=True)
    elif filters.anonymous is False:
        queryset = queryset.filter(customer_id__isnull=False)
    if filters.started_from is not None:
        queryset = queryset.filter(started_at__gte=filters.started_from)
    if filters.started_to is not None:
        queryset = queryset.filter(started_at__lte=filters.started_to)
    if filters.service_types:
        queryset = queryset.filter(service_type__in=filters.service_types)
    return with_nested(queryset, nested)


def status_counts(queryset) -> dict[str, int]:
    """Active and completed counts of a filtered list, in one query."""
    counts = queryset.aggregate(
        active=Count("id", filter=ACTIVE), completed=Count("id", filter=~ACTIVE)
    )
    return {"active": counts["active"] or 0, "completed": counts["completed"] or 0}


def get_service(tenant, service_id: str, nested: Nested = NO_NESTED) -> Service:
    service = with_nested(live_services(tenant), nested).filter(service_id=service_id).first()
    if service is None:
        raise NotFoundError(f"service {echo(service_id)} not found")
    return service


def states_of(service, status: str = "all", state_types: tuple[str, ...] = ()):
    queryset = by_status(State.objects.filter(service=service), status)
    if state_types:
        queryset = queryset.filter(state_type__in=state_types)
    return queryset


def get_state(service, state_id: int) -> State:
    state = State.objects.filter(service=service, state_id=state_id).first()
    if state is None:
        raise NotFoundError(f"state {state_id} not found in service {service.service_id}")
    return state


def tasks_of(service, status="all", task_types: tuple[str, ...] = (), state_id: int | None = None):
    queryset = by_status(Task.objects.filter(service=service), status)
    if task_types:
        queryset = queryset.filter(task_type__in=task_types)
    if state_id is not None:
        queryset = queryset.filter(state_id=state_id)
    return queryset


def get_task(service, task_id: int) -> Task:
    task = Task.objects.filter(service=service, task_id=task_id).first()
    if task is None:
        raise NotFoundError(f"task {task_id} not found in service {service.service_id}")
    return task


def events_of(service):
    return Event.objects.filter(service=service).order_by("at", "id")


def service_detail(tenant, service_id: str):
    """A service with all its states, tasks and events, for its page: four queries."""
    service = get_service(tenant, service_id, Nested(True, True, True, True))
    return service, list(events_of(service))


def seen_customer_ids(tenant, prefix: str, limit: int = 10) -> list[str]:
    """Customer ids already on services of this tenant starting with `prefix` (suggestions)."""
    return list(
        Service.objects.filter(tenant=tenant, customer_id__startswith=prefix)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
        .distinct()[:limit]
    )


def service_types_in_use(tenant, limit: int = 200) -> list[str]:
    names = BusinessAttributeValue.objects.filter(
        attribute__tenant=tenant, attribute__name="Service.type"
    ).values_list("name", flat=True)
    return list(names[:limit])


# -- business attributes ---------------------------------------------------------------------


def business_attributes(tenant) -> list[dict]:
    """The seven attributes with their values, in two queries."""
    rows = {
        row.name: row
        for row in BusinessAttribute.objects.filter(tenant=tenant).prefetch_related(
            Prefetch("values", queryset=BusinessAttributeValue.objects.order_by("name"))
        )
    }
    return [_attribute_dict(name, rows.get(name)) for name in ATTRIBUTES]


def business_attribute(tenant, name: str) -> dict:
    if name not in ATTRIBUTES:
        raise NotFoundError(f"business attribute {echo(name)} not found")
    row = (
        BusinessAttribute.objects.filter(tenant=tenant, name=name)
        .prefetch_related(
            Prefetch("values", queryset=BusinessAttributeValue.objects.order_by("name"))
        )
        .first()
    )
    return _attribute_dict(name, row)


def _attribute_dict(name: str, row) -> dict:
    display_name, description = ATTRIBUTES[name]
    values = list(row.values.all()) if row is not None else []
    return {
        "name": name,
        "display_name": row.display_name if row is not None and row.display_name else display_name,
        "description": row.description if row is not None and row.description else description,
        "values": [
            {
                "id": value.pk,
                "name": value.name,
                "display_name": value.display_name,
                "description": value.description,
            }
            for value in values
        ],
    }


def active_count(tenant) -> int:
    return live_services(tenant).filter(ACTIVE).count()


def recent_services(tenant, limit: int = 5) -> list[Service]:
    return list(live_services(tenant).order_by("-id")[:limit])


# -- for the maintenance plug-in: purge classes, purge preview, export selection --------------
# Added for plugins/maintenance (purge, export stream, export files). Set-based: every function
# here answers a queryset, one aggregate, or batches by keyset, never all rows at once.

PURGE_OPERATIONS = (
    "purge.service.all",
    "purge.service.started",
    "purge.service.started.anonymous",
    "purge.service.completed",
    "purge.service.completed.anonymous",
)
EXPORT_EVENT_FILTERS = ("any", "started", "completed")
EXPORT_STATE_FILTERS = ("any", "active", "inactive")


def purge_class(operation: str, limit: dt.datetime) -> Q:
    """The services one purge operation removes among those started before `limit` (spec §6)."""
    started = Q(started_at__lt=limit)
    anonymous = Q(customer_id__isnull=True) | Q(customer_id="")
    classes = {
        "purge.service.all": started,
        "purge.service.started": started & ACTIVE,
        "purge.service.started.anonymous": started & ACTIVE & anonymous,
        "purge.service.completed": started & ~ACTIVE,
        "purge.service.completed.anonymous": started & ~ACTIVE & anonymous,
    }
    if operation not in classes:
        raise ValueError(f"unknown purge operation {operation}")
    return classes[operation]


def expired_services(now: dt.datetime | None = None) -> Q:
    """Services past their expiration time: every purge operation removes them."""
    return Q(expires_at__lte=now or timezone.now())


def purge_selection(tenant, operation: str, limit: dt.datetime, now=None):
    """Every service of `tenant` a purge removes: its class, and the expired ones."""
    condition = purge_class(operation, limit) | expired_services(now)
    return Service.objects.filter(condition, tenant=tenant)


def purge_id_batches(tenant, operation: str, limit: dt.datetime, *, batch: int = 1000, now=None):
    """Batches of service row ids to purge, ascending, by keyset: each batch is one short
    index range query, so nothing is held open between batches (a cancel can stop between)."""
    from django.db import connection

    selection = purge_selection(tenant, operation, limit, now)
    if connection.vendor == "postgresql":
        yield from _raw_id_batches(selection, batch)
        return
    last = 0
    while True:
        ids = list(
            selection.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _raw_id_batches(selection, batch: int):
    """purge_id_batches on PostgreSQL: the selection's SQL is compiled once and each batch is
    one plain statement (the simple subquery is pulled up: the same index range plan as the
    ORM's query, without building and compiling a queryset per batch)."""
    from django.db import connection

    sql, params = selection.order_by().values_list("id", flat=True).query.sql_with_params()
    keyset = f"SELECT id FROM ({sql}) AS selected WHERE id > %s ORDER BY id LIMIT %s"  # noqa: S608
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(keyset, [*params, last, batch])
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return
        yield ids
        last = ids[-1]


def purge_dry_counts(tenant, operation: str, limit: dt.datetime, now=None) -> dict[str, int]:
    """What a purge would remove, counted without deleting: three queries."""
    selection = purge_selection(tenant, operation, limit, now)
    ids = selection.values("pk")
    return {
        "services": selection.count(),
        "states": State.objects.filter(service_id__in=ids).count(),
        "tasks": Task.objects.filter(service_id__in=ids).count(),
    }


def purge_preview(tenant, limit: dt.datetime, now=None) -> dict[str, int]:
    """How many services each operation would remove (expired ones included), and how many
    are expired: one aggregate query."""
    expired = expired_services(now)
    aggregates = {
        operation: Count("id", filter=purge_class(operation, limit) | expired)
        for operation in PURGE_OPERATIONS
    }
    aggregates["expired"] = Count("id", filter=expired)
    counts = Service.objects.filter(tenant=tenant).aggregate(**aggregates)
    return {key: value or 0 for key, value in counts.items()}


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
    from types import SimpleNamespace

    grouped: dict[int, list] = {}
    for row in queryset.values(*fields):
        grouped.setdefault(row["service_id"], []).append(SimpleNamespace(**row))
    return grouped


def _of_services(ids: list[int]) -> Q:
    """service_id among these row ids. On PostgreSQL the ids go as one array parameter: a
    thousand `IN` placeholders cost more to build and parse than the query takes to run."""
    from django.db import connection
    from django.db.models.expressions import RawSQL

    if connection.vendor == "postgresql":
        return Q(service_id__in=RawSQL("SELECT unnest(%s::bigint[])", (ids,)))
    return Q(service_id__in=ids)


def export_service_chunks(queryset, *, chunk: int = 1000):
    """The selected services in chunks of (service, states, tasks), read from a server-side
    cursor: per chunk one query for the states and one for the tasks. Rows are plain
    namespaces with the models' attribute names (no model objects: several times faster,
    and the representation functions read attributes only)."""
    from itertools import islice
    from types import SimpleNamespace

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


EXISTING_SERVICE_IDS_SQL = (
    "SELECT service_id FROM services_service WHERE tenant_id = %s AND service_id = ANY(%s)"
)


def existing_service_ids(tenant, service_ids) -> set[str]:
    """Which of these service ids the tenant already has (expired ones too): one query (on
    PostgreSQL with the ids as one array parameter, much cheaper than thousands of IN terms)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(EXISTING_SERVICE_IDS_SQL, [tenant.pk, list(service_ids)])
            return {row[0] for row in cursor.fetchall()}
    return set(
        Service.objects.filter(tenant=tenant, service_id__in=list(service_ids)).values_list(
            "service_id", flat=True
        )
    )


def service_row_ids(tenant, service_ids) -> dict[str, int]:
    """service_id -> row id for these service ids of the tenant: one query."""
    return dict(
        Service.objects.filter(tenant=tenant, service_id__in=list(service_ids)).values_list(
            "service_id", "pk"
        )
    )


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
    caller is not in a transaction of its own (see rendering.py). None elsewhere (use
    export_service_chunks and the representation functions there)."""
    from django.db import connection

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
