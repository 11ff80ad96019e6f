"""Minimal raw-SQL views answering the same JSON as two csadmin reads: the ceiling of what a
Django view in this server can do for them. No authentication, no privilege check, no
serializer: the tenant id comes from the ContactCenterId header, the SQL is written by hand and
the rows become JSON with json.dumps. Used only by the bench server (bench.settings)."""

from __future__ import annotations

import datetime as dt
import json

from django.db import connection
from django.http import HttpResponse

COMMON = "est_duration, disposition, disposition_desc, started_at, completed_at, started_data, "
COMMON += "completed_data, extensions"
SERVICE_SQL = (
    "SELECT id, service_id, service_type, customer_id, contact_key, expires_at, "
    + COMMON
    + " FROM services_service WHERE tenant_id = %s"
)
LIVE = " AND (expires_at IS NULL OR expires_at > now())"


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _loads(value):
    """Django has psycopg hand jsonb over as text; parse it once here."""
    return json.loads(value) if isinstance(value, str) else value


def _common(est, disposition, desc, started_at, completed_at, started, completed, ext) -> dict:
    started, completed, ext = _loads(started), _loads(completed), _loads(ext)
    body = {
        "est_duration": est,
        "disposition": disposition or None,
        "disposition_desc": desc or None,
        "started": {"timestamp": iso(started_at), **(started or {})},
    }
    if completed_at is not None:
        body["completed"] = {"timestamp": iso(completed_at), **(completed or {})}
        body["duration"] = int((completed_at - started_at).total_seconds() * 1000)
    if ext:
        body["extensions"] = ext
    return body


def _service(row) -> dict:
    _, service_id, service_type, customer_id, contact_key, expires_at, *common = row
    body = {
        "service_id": service_id,
        "service_type": service_type,
        "customer_id": customer_id,
        "contact_key": contact_key or None,
        **_common(*common),
    }
    if expires_at is not None:
        body["expiration_time"] = iso(expires_at)
    return body


def _json(body, status=200) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")


def _tenant(request) -> int | None:
    raw = request.headers.get("ContactCenterId", "")
    return int(raw) if raw.isdigit() else None


def customer_active_services(request, key: str):
    with connection.cursor() as cur:
        cur.execute(
            SERVICE_SQL
            + " AND customer_id = %s AND completed_at IS NULL"
            + LIVE
            + " ORDER BY id DESC LIMIT 100",
            [_tenant(request), key],
        )
        return _json([_service(row) for row in cur.fetchall()])


def service_with_states(request, service_id: str):
    with connection.cursor() as cur:
        cur.execute(SERVICE_SQL + " AND service_id = %s" + LIVE, [_tenant(request), service_id])
        row = cur.fetchone()
        if row is None:
            return _json({"message": "not found"}, status=404)
        body = _service(row)
        cur.execute(
            "SELECT state_id, state_type, "
            + COMMON
            + " FROM services_state WHERE service_id = %s ORDER BY state_id",
            [row[0]],
        )
        states = [{"state_id": s[0], "state_type": s[1], **_common(*s[2:])} for s in cur]
    body["active_states"] = [s for s in states if "completed" not in s]
    body["completed_states"] = [s for s in states if "completed" in s]
    return _json(body)
