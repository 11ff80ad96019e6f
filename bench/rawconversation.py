"""A bare DRF endpoint set doing the writes of the conversation (scenario 4's same-run baseline).

The same URLs as the services API under /bench/raw/cs/, the same rows written (a service, its
states and tasks, their numbers and ends), and nothing else: no authentication, no privilege
check, no tenancy beyond the ContactCenterId header, no validation, no events, no row lock.
Each write is one SQL statement in autocommit; the attached data goes to `started_data` as
csadmin stores it. Used only by the bench server (bench.settings).
"""

from __future__ import annotations

import json
import uuid

from django.db import connection
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from bench.rawviews import service_with_states

SERVICE_COLUMNS = ("service_type", "customer_id", "contact_key")
START_SERVICE = """
INSERT INTO services_service (tenant_id, service_id, service_type, customer_id, contact_key,
  started_at, disposition, disposition_desc, started_data, extensions, last_state_id,
  last_task_id)
VALUES (%s, %s, %s, %s, %s, now(), '', '', %s, '{}', 0, 0)
"""
# The next number and the new row in one statement: the counter's UPDATE feeds the INSERT.
START_PART = """
WITH service AS (
  UPDATE services_service SET last_{part}_id = last_{part}_id + 1
  WHERE tenant_id = %s AND service_id = %s
  RETURNING id, last_{part}_id AS number
)
INSERT INTO services_{part} (service_id, {part}_id, {part}_type, {extra_column}started_at,
  disposition, disposition_desc, started_data, extensions)
SELECT id, number, %s, {extra_value}now(), '', '', %s, '{{}}' FROM service
RETURNING {part}_id
"""
END_PART = """
UPDATE services_{part} p SET completed_at = now(), completed_data = %s, disposition = %s
FROM services_service s
WHERE s.tenant_id = %s AND s.service_id = %s AND p.service_id = s.id AND p.{part}_id = %s
"""
END_SERVICE = """
UPDATE services_service SET completed_at = now(), completed_data = %s, disposition = %s
WHERE tenant_id = %s AND service_id = %s
"""


def _tenant(request) -> int:
    return int(request.headers.get("ContactCenterId", "0"))


def _data(body: dict, columns: tuple[str, ...]) -> str:
    return json.dumps({k: v for k, v in body.items() if k not in columns})


def _execute(sql: str, params: list):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone() if cur.description else None


class RawView(APIView):
    """DRF with everything csadmin adds switched off."""

    authentication_classes = ()
    permission_classes = ()
    parser_classes = (JSONParser,)
    renderer_classes = (JSONRenderer,)


class ServiceStart(RawView):
    def post(self, request):
        body, service_id = request.data, uuid.uuid4().hex
        _execute(
            START_SERVICE,
            [
                _tenant(request),
                service_id,
                body.get("service_type", ""),
                body.get("customer_id"),
                body.get("contact_key", ""),
                _data(body, SERVICE_COLUMNS),
            ],
        )
        return Response({"service_id": service_id}, status=201)


class ServiceEnd(RawView):
    def post(self, request, service_id):
        body = request.data
        params = [_data(body, ("disposition",)), body.get("disposition", "")]
        _execute(END_SERVICE, [*params, _tenant(request), service_id])
        return Response(status=204)


class PartStart(RawView):
    part = "state"

    def post(self, request, service_id):
        body, part = request.data, self.part
        extra = part == "task"
        sql = START_PART.format(
            part=part,
            extra_column="state_id, " if extra else "",
            extra_value="%s, " if extra else "",
        )
        columns = (f"{part}_type", "state_id")
        params = [_tenant(request), service_id, body.get(f"{part}_type", "")]
        params += [body.get("state_id")] if extra else []
        row = _execute(sql, [*params, _data(body, columns)])
        return Response({f"{part}_id": row[0]}, status=201)


class PartEnd(RawView):
    part = "state"

    def post(self, request, service_id, number):
        body = request.data
        params = [_data(body, ("disposition",)), body.get("disposition", "")]
        sql = END_PART.format(part=self.part)
        _execute(sql, [*params, _tenant(request), service_id, number])
        return Response(status=204)


class ServiceRead(RawView):
    def get(self, request, service_id):
        return service_with_states(request._request, service_id)
