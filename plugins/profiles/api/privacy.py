"""A customer's data on request (spec §9): POST /profiles/{id}/data-export and
POST /profiles/{id}/erase, each answering 202 with the job. Thin: the checks and the jobs
live in plugins.profiles.privacy."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from csadmin.pluginlib import ErrorSerializer, TenantAPIView
from csadmin.pluginlib.jobs import JobAcceptedSerializer, job_accepted
from plugins.profiles.privacy import requests

PRIVACY = "profiles.customers.privacy"
ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 415, 503)}


class EraseRequestSerializer(serializers.Serializer):
    openapi_rules = {"additionalProperties": False}

    confirm = serializers.CharField(
        max_length=64, help_text="the customer's id, typed again to confirm"
    )


class DataExportView(TenantAPIView):
    """Write everything stored about the customer into one zip, customer-<id>.zip, as a job."""

    privileges = {"POST": PRIVACY}

    @extend_schema(
        request=None,
        responses={202: JobAcceptedSerializer, **ERRORS},
        operation_id="customer_data_export",
    )
    def post(self, request, customer_id):
        run = requests.start_data_export(
            tenant=request.tenant, customer_id=customer_id, actor=request.user
        )
        return job_accepted(request, run)


class EraseView(TenantAPIView):
    """Remove the customer and everything stored about it, as a job (confirmed by its id)."""

    privileges = {"POST": PRIVACY}

    @extend_schema(
        request=EraseRequestSerializer,
        responses={202: JobAcceptedSerializer, **ERRORS},
        operation_id="customer_erase",
    )
    def post(self, request, customer_id):
        run = requests.start_erase(
            tenant=request.tenant, customer_id=customer_id, body=request.data, actor=request.user
        )
        return job_accepted(request, run)
