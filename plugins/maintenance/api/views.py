"""POST /maintenance/purge, GET /maintenance/services/stream, POST /maintenance/services/files
(spec §6). Thin: parse, call the plug-in's services, answer."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from csadmin.pluginlib import TenantAPIView
from csadmin.pluginlib.api import StorableJSONParser
from csadmin.pluginlib.jobs import JobAcceptedSerializer, job_accepted
from plugins.maintenance import services
from plugins.maintenance.api.serializers import FilesUploadSerializer, PurgeSerializer
from plugins.maintenance.exporting import parse_export_query, stream_json_array, stream_ndjson
from plugins.maintenance.uploads import LimitedUploadHandler, UploadTooLarge, keep_upload

RUN = "maintenance.run"
ERROR = OpenApiResponse(description="The spec's error body")
NDJSON = "application/x-ndjson"


# A blank value reads as the default (exporting.parse_export_query), so "" is documented too.
EXPORT_PARAMETERS = [
    OpenApiParameter("time_from", OpenApiTypes.DATETIME, required=True),
    OpenApiParameter(
        "time_to",
        {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "maxLength": 0}]},
        description="default now",
    ),
    OpenApiParameter("filter_events", str, enum=["", "any", "started", "completed"]),
    OpenApiParameter("export_content", bool),
    OpenApiParameter(
        "filter_state",
        str,
        enum=["", "any", "active", "inactive"],
        description="only with content",
    ),
]


class PurgeView(TenantAPIView):
    """Purge services of one class started before `limit`, and expired services, as a job;
    `dry_run` only counts. 202 with the job's status URL in Location."""

    privileges = {"POST": RUN}

    @extend_schema(
        operation_id="maintenance_purge",
        request=PurgeSerializer,
        responses={202: JobAcceptedSerializer, 400: ERROR, 401: ERROR, 503: ERROR},
    )
    def post(self, request):
        run = services.start_purge(tenant=request.tenant, body=request.data, actor=request.user)
        return job_accepted(request, run)


class NdjsonRenderer(JSONRenderer):
    """Lets `Accept: application/x-ndjson` through negotiation (errors still render as JSON)."""

    media_type = NDJSON


class ExportStreamView(TenantAPIView):
    """Services with a start / end / any event in [time_from, time_to], kept when active /
    inactive now: a streamed JSON array of ids, or of full services with their states and
    tasks (export_content=true); one per line with `Accept: application/x-ndjson`."""

    privileges = {"GET": RUN}
    renderer_classes = [JSONRenderer, NdjsonRenderer]

    @extend_schema(
        operation_id="maintenance_services_stream",
        parameters=EXPORT_PARAMETERS,
        responses={
            (200, "application/json"): OpenApiTypes.ANY,
            (200, NDJSON): OpenApiTypes.STR,
            400: ERROR,
            401: ERROR,
        },
    )
    def get(self, request):
        query = parse_export_query(request.query_params)
        if NDJSON in request.headers.get("Accept", ""):
            body, content_type = stream_ndjson(request.tenant, query), NDJSON
        else:
            body, content_type = stream_json_array(request.tenant, query), "application/json"
        response = StreamingHttpResponse(body, content_type=content_type)
        response["Cache-Control"] = "no-store"
        return response


class LimitedMultiPartParser(MultiPartParser):
    """Multipart with the upload streamed to disk and stopped past the configured limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        request.upload_handlers = [LimitedUploadHandler(request._request)]
        return super().parse(stream, media_type, parser_context)


class _NoFormatOverride:
    URL_FORMAT_OVERRIDE = None


class FormatIsOurs(DefaultContentNegotiation):
    """`?format=json|csv` names the export files' format here (spec §6), not DRF's renderer."""

    settings = _NoFormatOverride


class ServiceFilesView(TenantAPIView):
    """Without an upload: an export job writing services, states and tasks files (format json
    or csv), or one zip of the json files and a manifest (format zip). With a multipart `file`
    (the stream's JSON array or NDJSON, with full content; the export's files as JSON, NDJSON
    or CSV; or a zip of them): an import job; bad rows are skipped and reported, max_errors
    stops it. 202 either way."""

    privileges = {"POST": RUN}
    content_negotiation_class = FormatIsOurs
    parser_classes = [LimitedMultiPartParser, StorableJSONParser]

    @extend_schema(
        operation_id="maintenance_services_files",
        parameters=[
            *EXPORT_PARAMETERS,
            OpenApiParameter(
                "format",
                str,
                enum=["", "json", "csv", "zip"],
                description="export only: json or csv files, or zip (the json files and a "
                "manifest.json with the query, the counts, the version and the time, in one "
                "export.zip that imports in one job)",
            ),
            OpenApiParameter("max_errors", int, description="import only"),
        ],
        request={"multipart/form-data": FilesUploadSerializer},
        responses={202: JobAcceptedSerializer, 400: ERROR, 401: ERROR, 413: ERROR, 503: ERROR},
    )
    def post(self, request):
        try:
            upload = request.FILES.get("file")
        except UploadTooLarge as too_large:
            return Response(
                {
                    "message": str(too_large),
                    "exception": "PayloadTooLargeException",
                    "errors": {"file": [f"must be at most {too_large.limit} bytes"]},
                },
                status=413,
            )
        if upload is None:
            return self.export(request)
        services.check_export_parameters_given(request.query_params)
        max_errors = services.parse_max_errors(
            request.data.get("max_errors") or request.query_params.get("max_errors")
        )
        token = keep_upload(upload)
        run = services.start_import(
            tenant=request.tenant,
            token=token,
            name=upload.name,
            max_errors=max_errors,
            actor=request.user,
        )
        return job_accepted(request, run)

    def export(self, request):
        query = parse_export_query(request.query_params, for_files=True)
        fmt = request.query_params.get("format") or "json"
        run = services.start_export_files(
            tenant=request.tenant, query=query, fmt=fmt, actor=request.user
        )
        return job_accepted(request, run)
