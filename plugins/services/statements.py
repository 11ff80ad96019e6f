"""The API's hottest reads as SQL written once: a service by its id with its nested states and
tasks, and a page of a customer's or a contact's services.

Building these statements through the ORM cost more CPU than the database took to run them
(0.2-0.4 ms per statement, half of a whole read call). Here each statement's text is built once
per shape and its rows become the same model objects, through the fields' own converters, that
the ORM gives. tests/services/test_statements.py compares the two paths.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import connection
from django.utils import timezone

from plugins.services.models import Service, State

LIVE = "(expires_at IS NULL OR expires_at > %s)"
STATUS_SQL = {
    "all": "",
    "active": " AND completed_at IS NULL",
    "completed": " AND completed_at IS NOT NULL",
}


@functools.cache
def _shape(model, vendor: str) -> tuple[str, list[str], list[tuple]]:
    """(select list, attribute names, each column's converters) of a model on one backend;
    the converters are the ones the ORM's compiler applies (jsonb text, SQLite's datetimes)."""
    table = model._meta.db_table
    fields = model._meta.concrete_fields
    columns = ", ".join(f"{table}.{connection.ops.quote_name(f.column)}" for f in fields)
    converters = []
    for field in fields:
        column = field.get_col(table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        converters.append((column, tuple(found)))
    return columns, [f.attname for f in fields], converters


def _objects(model, sql: str, params: list) -> list:
    """The rows of `sql` (selecting the model's columns in order) as model objects."""
    columns, names, converters = _shape(model, connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(columns=columns), params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for index, (column, functions) in enumerate(converters):
            for convert in functions:
                values[index] = convert(values[index], column, connection)
        found.append(model.from_db(connection.alias, names, values))
    return found


def live_service(tenant_id: int, service_id: str, now: dt.datetime | None = None):
    """The tenant's service of this id, unless expired; None when there is none."""
    sql = "SELECT {columns} FROM services_service WHERE tenant_id = %s AND service_id = %s"
    sql += " AND " + LIVE
    found = _objects(Service, sql, [tenant_id, service_id, now or timezone.now()])
    return found[0] if found else None


def nested_rows(model, service_ids: list[int], status: str) -> list:
    """The states or tasks (by `model`) of these services of one status, by number."""
    number = "state_id" if model is State else "task_id"
    marks = ", ".join(["%s"] * len(service_ids))
    sql = (
        f"SELECT {{columns}} FROM {model._meta.db_table} WHERE service_id IN ({marks})"  # noqa: S608
        + STATUS_SQL[status]
        + f" ORDER BY service_id, {number}"
    )
    return _objects(model, sql, list(service_ids)) if service_ids else []


class ServicesOf:
    """A customer's or a contact's live services of one status, as the keyset pager reads a
    queryset: `order_by("-id")` or `("id")`, `filter(id__lt=...)` or `(id__gt=...)`, then a
    slice, which runs one statement. Only what KeysetPagination calls is answered."""

    def __init__(self, tenant_id, column: str, value: str, status: str, without_customer=False):
        self.tenant_id, self.column, self.value = tenant_id, column, value
        self.status, self.without_customer = status, without_customer
        self.descending, self.bound = True, None

    def _copy(self, **changes) -> ServicesOf:
        copy = ServicesOf(
            self.tenant_id, self.column, self.value, self.status, self.without_customer
        )
        copy.descending, copy.bound = self.descending, self.bound
        copy.__dict__.update(changes)
        return copy

    def order_by(self, ordering: str) -> ServicesOf:
        if ordering not in ("id", "-id"):
            raise ValueError(f"services are paged by id, not {ordering}")
        return self._copy(descending=ordering == "-id")

    def filter(self, **position) -> ServicesOf:
        ((lookup, value),) = position.items()
        if lookup not in ("id__lt", "id__gt"):
            raise ValueError(f"services are paged by id, not {lookup}")
        return self._copy(bound=(lookup[-2:], int(value)))

    def __getitem__(self, window: slice) -> list[Service]:
        sql = "SELECT {columns} FROM services_service WHERE tenant_id = %s AND "
        sql += f"{self.column} = %s AND " + LIVE + STATUS_SQL[self.status]
        params = [self.tenant_id, self.value, timezone.now()]
        if self.without_customer:
            sql += " AND customer_id IS NULL"
        if self.bound is not None:
            sql += " AND id < %s" if self.bound[0] == "lt" else " AND id > %s"
            params.append(self.bound[1])
        sql += " ORDER BY id DESC" if self.descending else " ORDER BY id"
        sql += " LIMIT %s OFFSET %s"
        params += [window.stop - window.start, window.start]
        return _objects(Service, sql, params)
