"""Raw loaders of the generated export files into the services tables of one tenant: psycopg
COPY (the import scenario's baseline, and how the harness fills the database) and a plain
Django bulk_create (the import's second yardstick). Neither checks anything.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

SERVICE_COLUMNS = (
    "tenant_id",
    "service_id",
    "service_type",
    "customer_id",
    "contact_key",
    "started_at",
    "completed_at",
    "expires_at",
    "est_duration",
    "disposition",
    "disposition_desc",
    "started_data",
    "completed_data",
    "extensions",
    "last_state_id",
    "last_task_id",
)
COMMON = (
    "started_at",
    "completed_at",
    "est_duration",
    "disposition",
    "disposition_desc",
    "started_data",
    "completed_data",
    "extensions",
)
STATE_COLUMNS = ("service_id", "state_id", "state_type", *COMMON)
TASK_COLUMNS = ("service_id", "task_id", "state_id", "task_type", *COMMON)


def read_rows(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _json(value) -> str | None:
    return None if value is None else json.dumps(value)


def _common(row: dict) -> tuple:
    return (
        row["started"],
        row.get("completed"),
        row.get("est_duration"),
        row.get("disposition") or "",
        row.get("disposition_desc") or "",
        _json(row.get("started_data") or {}),
        _json(row.get("completed_data")),
        _json(row.get("extensions") or {}),
    )


def service_values(row: dict, tenant_id: int) -> tuple:
    # last_state_id / last_task_id are set by COUNTERS once the states and tasks are in.
    return (
        tenant_id,
        row["service_id"],
        row.get("service_type") or "",
        row.get("customer_id"),
        row.get("contact_key") or "",
        row["started"],
        row.get("completed"),
        row.get("expiration_time"),
        row.get("est_duration"),
        row.get("disposition") or "",
        row.get("disposition_desc") or "",
        _json(row.get("started_data") or {}),
        _json(row.get("completed_data")),
        _json(row.get("extensions") or {}),
        0,
        0,
    )


def state_values(row: dict, pk: int) -> tuple:
    return (pk, row["state_id"], row.get("state_type") or "", *_common(row))


def task_values(row: dict, pk: int) -> tuple:
    return (pk, row["task_id"], row.get("state_id"), row.get("task_type") or "", *_common(row))


# The numbering counters of each service, as the import keeps them: one set-based UPDATE.
COUNTERS = """
UPDATE services_service s SET
  last_state_id = coalesce((SELECT max(state_id) FROM services_state WHERE service_id = s.id), 0),
  last_task_id = coalesce((SELECT max(task_id) FROM services_task WHERE service_id = s.id), 0)
WHERE s.tenant_id = %s
"""


def service_pks(cur, tenant_id: int) -> dict[str, int]:
    cur.execute("SELECT service_id, id FROM services_service WHERE tenant_id = %s", (tenant_id,))
    return dict(cur.fetchall())


def copy_files(conn, tenant_id: int, folder: Path, *, ids_from: int | None = None) -> dict:
    """COPY services, states and tasks of the export files in `folder`; one pass per file.
    With `ids_from`, service n of the file gets row id ids_from + n - 1 (the reads scenario
    names rows by number); otherwise the sequence numbers them."""
    counts = {"services": 0, "states": 0, "tasks": 0}
    columns = ("id", *SERVICE_COLUMNS) if ids_from is not None else SERVICE_COLUMNS
    with conn.cursor() as cur:
        with cur.copy(f"COPY services_service ({', '.join(columns)}) FROM STDIN") as copy:
            for n, row in enumerate(read_rows(folder / "services.ndjson")):
                values = service_values(row, tenant_id)
                copy.write_row((ids_from + n, *values) if ids_from is not None else values)
                counts["services"] += 1
        if ids_from is not None:
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('services_service', 'id'), "
                "(SELECT max(id) FROM services_service))"
            )
        pks = service_pks(cur, tenant_id)
        for name, table, cols, values in (
            ("states", "services_state", STATE_COLUMNS, state_values),
            ("tasks", "services_task", TASK_COLUMNS, task_values),
        ):
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in read_rows(folder / f"{name}.ndjson"):
                    copy.write_row(values(row, pks[row["service_id"]]))
                    counts[name] += 1
        cur.execute(COUNTERS, (tenant_id,))
    conn.commit()
    return counts


def bulk_create_files(tenant_id: int, folder: Path, batch: int = 2000) -> dict:
    """The plain Django path: model objects from the rows, bulk_create by batches."""
    import itertools

    from django.db import transaction
    from django.utils.dateparse import parse_datetime

    from plugins.services.models import Service, State, Task

    def common(row):
        return {
            "started_at": parse_datetime(row["started"]),
            "completed_at": parse_datetime(row["completed"]) if row.get("completed") else None,
            "est_duration": row.get("est_duration"),
            "disposition": row.get("disposition") or "",
            "disposition_desc": row.get("disposition_desc") or "",
            "started_data": row.get("started_data") or {},
            "completed_data": row.get("completed_data"),
            "extensions": row.get("extensions") or {},
        }

    def own_fields(row, fields):
        return {f: row.get(f) or ("" if f.endswith("type") else None) for f in fields}

    counts = {"services": 0, "states": 0, "tasks": 0}
    pks: dict[str, int] = {}
    rows = read_rows(folder / "services.ndjson")
    while chunk := list(itertools.islice(rows, batch)):
        objects = [
            Service(
                tenant_id=tenant_id,
                service_id=row["service_id"],
                service_type=row.get("service_type") or "",
                customer_id=row.get("customer_id"),
                contact_key=row.get("contact_key") or "",
                expires_at=parse_datetime(row["expiration_time"])
                if row.get("expiration_time")
                else None,
                **common(row),
            )
            for row in chunk
        ]
        with transaction.atomic():
            Service.objects.bulk_create(objects)
        pks.update((obj.service_id, obj.pk) for obj in objects)
        counts["services"] += len(objects)
    for name, model, number_fields in (
        ("states", State, ("state_id", "state_type")),
        ("tasks", Task, ("task_id", "state_id", "task_type")),
    ):
        rows = read_rows(folder / f"{name}.ndjson")
        while chunk := list(itertools.islice(rows, batch)):
            objects = [
                model(
                    service_id=pks[row["service_id"]],
                    **own_fields(row, number_fields),
                    **common(row),
                )
                for row in chunk
            ]
            with transaction.atomic():
                model.objects.bulk_create(objects)
            counts[name] += len(objects)
    return counts
