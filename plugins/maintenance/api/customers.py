"""GET /maintenance/profiles/stream and POST /maintenance/profiles/files (spec §8). Thin:
parse, call the customers services, answer."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from csadmin.pluginlib import TenantAPIView, ValidationFailed
from csadmin.pluginlib.api import StorableJSONParser
from csadmin.pluginlib.jobs import JobAcceptedSerializer, job_accepted
from plugins.maintenance.api.serializers import CustomersUploadSerializer
from plugins.maintenance.api.views import (
    ERROR,
    NDJSON,
    RUN,
    FormatIsOurs,
    NdjsonRenderer,
)
from plugins.maintenance.customers import exporting, services
from plugins.maintenance.uploads import LimitedUploadHandler, UploadTooLarge
from plugins.profiles import bulk

EXTENSIONS = OpenApiParameter(
    "extensions", str, description="`*` or extension names (comma-separated); none: core only"
)


class ProfilesStreamView(TenantAPIView):
    """Every customer of the tenant in customer-id order, as GET /profiles/{id}?extensions=
    answers each: a streamed JSON array, or one per line with `Accept: application/x-ndjson`."""

    privileges = {"GET": RUN}
    renderer_classes = [JSONRenderer, NdjsonRenderer]

    @extend_schema(
        operation_id="maintenance_profiles_stream",
        parameters=[EXTENSIONS],
        responses={
            (200, "application/json"): OpenApiTypes.ANY,
            (200, NDJSON): OpenApiTypes.STR,
            400: ERROR,
            401: ERROR,
        },
    )
    def get(self, request):
        schemas = bulk.requested_extensions(request.tenant, request.query_params.get("extensions"))
        if NDJSON in request.headers.get("Accept", ""):
            body, content_type = exporting.stream_ndjson(request.tenant, schemas), NDJSON
        else:
            body = exporting.stream_json_array(request.tenant, schemas)
            content_type = "application/json"
        response = StreamingHttpResponse(body, content_type=content_type)
        response["Cache-Control"] = "no-store"
        return response


class _NotesFileParts(LimitedUploadHandler):
    """The upload handler of the services import, noting each file part, even an empty one
    (Django drops an empty file, which would turn an import into an export)."""

    def new_file(self, field_name, *args, **kwargs):
        self.request.file_parts = {*getattr(self.request, "file_parts", ()), field_name}
        return super().new_file(field_name, *args, **kwargs)


class CustomersMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        request.upload_handlers = [_NotesFileParts(request._request)]
        return super().parse(stream, media_type, parser_context)


class ProfileFilesView(TenantAPIView):
    """Without an upload: an export job writing a `customers` file (format json or csv, the
    named extensions). With a multipart `file` (JSON array, NDJSON, CSV or a zip of one): an
    import job in mode create / merge / replace, matched by customer_id or an identification
    key, optionally a dry run; bad rows are skipped and reported, max_errors stops it."""

    privileges = {"POST": RUN}
    content_negotiation_class = FormatIsOurs
    parser_classes = [CustomersMultiPartParser, StorableJSONParser]

    @extend_schema(
        operation_id="maintenance_profiles_files",
        parameters=[
            OpenApiParameter("format", str, enum=["", "json", "csv"], description="export only"),
            EXTENSIONS,
            OpenApiParameter("mode", str, enum=["", *bulk.MODES], description="import only"),
            OpenApiParameter("match", str, description="import only: customer_id or a key"),
            OpenApiParameter("dry_run", bool, description="import only"),
            OpenApiParameter("max_errors", int, description="import only"),
        ],
        request={"multipart/form-data": CustomersUploadSerializer},
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
        if upload is None and "file" in getattr(request._request, "file_parts", ()):
            raise ValidationFailed.from_errors({"file": ["is empty"]})
        params = _parameters(request)
        # every parameter given is checked, whichever job it is for: none is silently ignored
        options = services.parse_import_options(request.tenant, params)
        if upload is None:
            run = services.start_customers_export(
                tenant=request.tenant,
                fmt=params.get("format"),
                extensions=params.get("extensions"),
                actor=request.user,
            )
            return job_accepted(request, run)
        services.parse_format(params.get("format"))
        services.parse_extensions(request.tenant, params.get("extensions"))
        token = services.keep_customers_upload(request.tenant, upload)
        run = services.start_customers_import(
            tenant=request.tenant,
            token=token,
            name=upload.name,
            options=options,
            actor=request.user,
        )
        return job_accepted(request, run)


def _parameters(request) -> dict:
    """The form fields of a multipart body, then the query's (either may carry them)."""
    params = {key: request.query_params.get(key) for key in request.query_params}
    if hasattr(request.data, "get"):
        for key in ("format", "extensions", "mode", "match", "dry_run", "max_errors"):
            value = request.data.get(key)
            if value is not None and not hasattr(value, "read"):
                params[key] = value
    return params
