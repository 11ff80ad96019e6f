"""Loading checked import rows, a batch per short transaction, set-based: COPY on PostgreSQL,
bulk_create elsewhere. Re-importing a row that is already there (a service by its service_id, a
state or task by its number) adds nothing."""

from __future__ import annotations

import json
import operator

from django.db import connection, models, transaction
from psycopg.adapt import PyFormat

from plugins.services.models import Service, State, Task


def _copy_rows(model, rows: list[dict]) -> None:
    """COPY the rows (column values by attribute name) into the model's table (PostgreSQL,
    psycopg 3): the fastest insert there is. In binary: the server takes timestamps and numbers
    as they are stored rather than parsing their text."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    values_of = operator.itemgetter(*(f.attname for f in fields))  # one C call per row
    json_at = [n for n, f in enumerate(fields) if isinstance(f, models.JSONField)]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    # Each column's type by name (varchar(64) is a varchar); the jsonb fields are written as
    # given, as bytea would be: _jsonb_field() makes them.
    types = [
        "bytea" if n in json_at else f.db_type(connection).split("(")[0]
        for n, f in enumerate(fields)
    ]
    sql = f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)"
    with connection.cursor() as cursor, _bytes_in_c(cursor.cursor).copy(sql) as copy:
        copy.set_types(types)
        for row in rows:
            values = list(values_of(row))
            for n in json_at:
                values[n] = _jsonb_field(values[n])
            copy.write_row(values)


JSONB_EMPTY = b"\x01{}"


def _bytes_in_c(cursor):
    """The cursor, its bytea columns written by the bytes dumper (in C): psycopg's dumper for
    the bytea type itself is its DB-API Binary one, in Python (a call per value)."""
    cursor.adapters.register_dumper(bytes, cursor.adapters.get_dumper(bytes, PyFormat.BINARY))
    return cursor


def _jsonb_field(value, dumps=json.dumps) -> bytes | None:
    """A jsonb field of a binary COPY: its format version (1) and the JSON text. Built here
    rather than by psycopg's jsonb dumper (a Python call per value); most rows carry empty
    objects, which need no serializing."""
    if value is None:
        return None
    return JSONB_EMPTY if value == {} else b"\x01" + dumps(value).encode()


def _insert(model, rows: list[dict]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        _copy_rows(model, rows)
    else:
        model.objects.bulk_create([model(**row) for row in rows], batch_size=500)


# -- what the tenant has already (reads of the import's bookkeeping) --------------------------

EXISTING_SERVICE_IDS_SQL = (
    "SELECT service_id FROM services_service WHERE tenant_id = %s AND service_id = ANY(%s)"
)


def existing_service_ids(tenant, service_ids) -> set[str]:
    """Which of these service ids the tenant already has (expired ones too): one query (on
    PostgreSQL with the ids as one array parameter, much cheaper than thousands of IN terms)."""
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


# -- the batches ------------------------------------------------------------------------------


def import_services_batch(tenant, services: list[dict]) -> int:
    """Insert the services (from import_service_row) whose service_id the tenant does not have
    yet, the first of each id within the batch; one short transaction; answer how many."""
    with transaction.atomic():
        existing = existing_service_ids(tenant, {row["service_id"] for row in services})
        fresh, seen = [], set(existing)
        for row in services:
            if row["service_id"] not in seen:
                seen.add(row["service_id"])
                fresh.append(row)
        _insert(Service, fresh)
    return len(fresh)


def refresh_service_statistics() -> None:
    """Call after importing a file of services. PostgreSQL's planner still counts the tenant
    as nearly empty and would look the children's service ids up through the tenant index,
    filtering every service of the tenant for each batch (slower with every batch); fresh
    statistics let it use the (tenant, service_id) index."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE services_service")


# On PostgreSQL the children's bookkeeping runs as two plain statements with the ids as one
# array parameter: the ORM's IN lists of 2,000 placeholders cost more than the COPY itself.
SERVICE_ROW_IDS_SQL = (
    "SELECT service_id, id FROM services_service WHERE tenant_id = %s AND service_id = ANY(%s)"
)
CHILD_NUMBERS_SQL = "SELECT service_id, {number} FROM {table} WHERE service_id = ANY(%s)"


def _children_bookkeeping_pg(tenant, model, kind: str):
    """(row ids of service ids, present (service pk, number) pairs)."""
    number, table = f"{kind}_id", model._meta.db_table

    def row_ids(service_ids) -> dict[str, int]:
        with connection.cursor() as cursor:
            cursor.execute(SERVICE_ROW_IDS_SQL, [tenant.pk, list(service_ids)])
            return dict(cursor.fetchall())

    def present(pks) -> set:
        with connection.cursor() as cursor:
            cursor.execute(CHILD_NUMBERS_SQL.format(number=number, table=table), [list(pks)])
            return set(cursor.fetchall())

    return row_ids, present


def _children_bookkeeping_orm(tenant, model, kind: str):
    number = f"{kind}_id"

    def row_ids(service_ids) -> dict[str, int]:
        return service_row_ids(tenant, service_ids)

    def present(pks) -> set:
        return set(model.objects.filter(service_id__in=list(pks)).values_list("service_id", number))

    return row_ids, present


def _import_children(tenant, model, kind: str, rows: list[tuple[int, str, dict]]):
    """Insert states or tasks whose service exists in the tenant and whose number it does not
    have yet; answer (inserted, [(line, service_id) of rows whose service is unknown])."""
    bookkeeping = (
        _children_bookkeeping_pg if connection.vendor == "postgresql" else _children_bookkeeping_orm
    )
    row_ids, present_numbers = bookkeeping(tenant, model, kind)
    number = f"{kind}_id"
    with transaction.atomic():
        pks = row_ids({service_id for _, service_id, _ in rows})
        present = present_numbers(pks.values())
        fresh, unknown = [], []
        for line, service_id, values in rows:
            pk = pks.get(service_id)
            if pk is None:
                unknown.append((line, service_id))
                continue
            key = (pk, values[number])
            if key not in present:
                present.add(key)
                values["service_id"] = pk  # the row's own dict, made by its check
                fresh.append(values)
        # The services' counters stay as they are: the next number the API hands out is past
        # the highest stored one (locked_service).
        _insert(model, fresh)
    return len(fresh), unknown


def import_states_batch(tenant, rows: list[tuple[int, str, dict]]):
    """rows: (line, service_id, values from import_state_row) -> (inserted, unknown services)."""
    return _import_children(tenant, State, "state", rows)


def import_tasks_batch(tenant, rows: list[tuple[int, str, dict]]):
    """rows: (line, service_id, values from import_task_row) -> (inserted, unknown services)."""
    return _import_children(tenant, Task, "task", rows)


def import_full_services_batch(tenant, rows: list[tuple[int, object]]):
    """rows: (line, FullService from import_full_service_row). The services, then their states
    and tasks, in one transaction: a batch is in whole or not at all, so an import stopped
    anywhere (kill -9) and run again leaves every service with all its states and tasks once.
    Answers (services, states, tasks) inserted and the children whose service is unknown (none
    but a race with a delete)."""
    with transaction.atomic():
        services = import_services_batch(tenant, [full.service for _, full in rows])
        states, unknown = import_states_batch(
            tenant, [(line, sid, values) for line, full in rows for sid, values in full.states]
        )
        tasks, unknown_of_tasks = import_tasks_batch(
            tenant, [(line, sid, values) for line, full in rows for sid, values in full.tasks]
        )
    return (services, states, tasks), unknown + unknown_of_tasks
