"""Load a generated NDJSON file into the services tables of one tenant with COPY.

This is the raw-COPY path the import scenario compares against; until the import job exists it
is also how the harness fills the database for the read scenarios. Service row ids are the line
numbers of the file (1-based), so SQL can name row n without a lookup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

SERVICE_COLUMNS = (
    "id",
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
STATE_COLUMNS = (
    "service_id",
    "state_id",
    "state_type",
    "started_at",
    "completed_at",
    "est_duration",
    "disposition",
    "disposition_desc",
    "started_data",
    "completed_data",
    "extensions",
)
TASK_COLUMNS = (
    "service_id",
    "task_id",
    "state_id",
    "task_type",
    "started_at",
    "completed_at",
    "est_duration",
    "disposition",
    "disposition_desc",
    "started_data",
    "completed_data",
    "extensions",
)


def _split_timing(row: dict) -> tuple[str, str | None, str, str | None]:
    """(started_at, completed_at, started_data json, completed_data json or None)."""
    started = dict(row["started"])
    started_at = started.pop("timestamp")
    completed = row.get("completed")
    if completed is None:
        return started_at, None, json.dumps(started), None
    completed = dict(completed)
    completed_at = completed.pop("timestamp")
    return started_at, completed_at, json.dumps(started), json.dumps(completed)


def _common(row: dict) -> tuple:
    return (
        row.get("est_duration"),
        row.get("disposition") or "",
        row.get("disposition_desc") or "",
    )


def rows_of(service: dict, row_id: int, tenant_id: int):
    """(service row, state rows, task rows) of one service of the file."""
    started_at, completed_at, started, completed = _split_timing(service)
    states = service.get("active_states", []) + service.get("completed_states", [])
    tasks = service.get("active_tasks", []) + service.get("completed_tasks", [])
    est, disposition, desc = _common(service)
    service_row = (
        row_id,
        tenant_id,
        service["service_id"],
        service.get("service_type") or "",
        service.get("customer_id"),
        service.get("contact_key") or "",
        started_at,
        completed_at,
        service.get("expiration_time"),
        est,
        disposition,
        desc,
        started,
        completed,
        json.dumps(service.get("extensions") or {}),
        max((s["state_id"] for s in states), default=0),
        max((t["task_id"] for t in tasks), default=0),
    )
    state_rows = []
    for state in states:
        s_started_at, s_completed_at, s_started, s_completed = _split_timing(state)
        state_rows.append(
            (
                row_id,
                state["state_id"],
                state.get("state_type") or "",
                s_started_at,
                s_completed_at,
                *_common(state),
                s_started,
                s_completed,
                json.dumps(state.get("extensions") or {}),
            )
        )
    task_rows = []
    for task in tasks:
        t_started_at, t_completed_at, t_started, t_completed = _split_timing(task)
        task_rows.append(
            (
                row_id,
                task["task_id"],
                task.get("state_id"),
                task.get("task_type") or "",
                t_started_at,
                t_completed_at,
                *_common(task),
                t_started,
                t_completed,
                json.dumps(task.get("extensions") or {}),
            )
        )
    return service_row, state_rows, task_rows


def read_ndjson(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def copy_services(conn, tenant_id: int, path: Path) -> dict[str, int]:
    """COPY the file's services, then their states, then their tasks: one pass over the file
    per table, so memory stays flat whatever the file's size."""
    counts = {}
    tables = (
        ("services", "services_service", SERVICE_COLUMNS, lambda rows: [rows[0]]),
        ("states", "services_state", STATE_COLUMNS, lambda rows: rows[1]),
        ("tasks", "services_task", TASK_COLUMNS, lambda rows: rows[2]),
    )
    with conn.cursor() as cur:
        for name, table, columns, pick in tables:
            counts[name] = 0
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row_id, service in enumerate(read_ndjson(path), start=1):
                    for row in pick(rows_of(service, row_id, tenant_id)):
                        copy.write_row(row)
                        counts[name] += 1
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('services_service', 'id'), "
            "(SELECT coalesce(max(id), 1) FROM services_service))"
        )
    conn.commit()
    return counts
