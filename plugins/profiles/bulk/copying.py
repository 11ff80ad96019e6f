"""Inserting a batch's new rows on PostgreSQL with COPY (psycopg 3), the fastest insert there
is: row ids are taken from the table's sequence first (one statement), so the records and key
rows that refer to them go in by COPY too. Elsewhere, bulk_create."""

from __future__ import annotations

import json
import operator

import msgspec
from django.db import connection, models

_encode = msgspec.json.encode


def json_text(value) -> str:
    """A JSON column's text: msgspec's encoder, several times json.dumps' speed, for what it
    can encode; json.dumps for the rest (integers beyond 64 bits)."""
    try:
        return _encode(value).decode()
    except (TypeError, OverflowError):
        return json.dumps(value, ensure_ascii=False)


def copies() -> bool:
    return connection.vendor == "postgresql"


def next_ids(model, count: int) -> list[int]:
    """`count` new row ids of the model's table, from its sequence (PostgreSQL)."""
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # The sequence is looked up once (MATERIALIZED): inline, pg_get_serial_sequence would
        # run once per id, four times the cost of the ids themselves.
        cursor.execute(
            "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, 'id')::regclass AS seq) "
            "SELECT nextval(s.seq) FROM s, generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(model, rows: list[dict], *, with_ids: bool = True) -> None:
    """COPY rows (column values by attribute name; "id" given when `with_ids`) into the
    model's table, in text form: JSON columns as JSON text, the rest as psycopg writes them."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    json_at = [n for n, f in enumerate(fields) if isinstance(f, models.JSONField)]
    time_at = [n for n, f in enumerate(fields) if isinstance(f, models.DateTimeField)]
    values_of = operator.itemgetter(*(f.attname for f in fields))
    # A batch's rows share their timestamps: each is written as text once, which spares
    # psycopg's datetime conversion per row (three quarters of a customer row's COPY cost).
    times: dict = {}
    # wrap_database_errors: a unique violation is Django's IntegrityError, as from the ORM
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = list(values_of(row))
            for n in json_at:
                values[n] = json_text(values[n])
            for n in time_at:
                if (moment := values[n]) is not None:
                    values[n] = times.get(moment) or times.setdefault(moment, moment.isoformat())
            copy.write_row(values)
