"""GET /maintenance/jobs[/{id}], POST .../cancel and .../retry, GET .../files/{name}."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response

from csadmin.api.pagination import KeysetPagination
from csadmin.api.views import TenantAPIView
from csadmin.jobs.api.serializers import JobAcceptedSerializer, JobFilterSerializer, JobSerializer
from csadmin.jobs.presenters import job_accepted, job_json
from csadmin.jobs.selectors import get_job, get_job_file, jobs_of
from csadmin.jobs.services import cancel_job, retry_job

VIEW = "jobs.runs.view"
ERROR = OpenApiResponse(description="The spec's error body")


class JobListView(TenantAPIView):
    privileges = {"GET": VIEW}

    @extend_schema(
        operation_id="jobs_list",
        parameters=[
            JobFilterSerializer,
            *KeysetPagination.openapi_parameters(),
        ],
        responses={200: JobSerializer(many=True), 400: ERROR},
    )
    def get(self, request):
        # A plain dict: DRF reads a blank form value as "not given", so ?state= would pass.
        filters = JobFilterSerializer(data=request.query_params.dict())
        filters.is_valid(raise_exception=True)
        rows = jobs_of(request.tenant, filters.validated_data)
        return self.paginate(rows, lambda page: [job_json(run, request) for run in page])


class JobDetailView(TenantAPIView):
    privileges = {"GET": VIEW}

    @extend_schema(operation_id="jobs_read", responses={200: JobSerializer, 404: ERROR})
    def get(self, request, job_id: int):
        return Response(job_json(get_job(tenant=request.tenant, job_id=job_id), request))


class JobCancelView(TenantAPIView):
    # Any member may ask; the service lets only the owner or a jobs.runs.manage holder through.
    privileges = {"POST": VIEW}

    @extend_schema(
        operation_id="jobs_cancel",
        request=None,
        responses={200: JobSerializer, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def post(self, request, job_id: int):
        run = cancel_job(tenant=request.tenant, job_id=job_id, actor=request.user)
        return Response(job_json(run, request))


class JobRetryView(TenantAPIView):
    privileges = {"POST": VIEW}

    @extend_schema(
        operation_id="jobs_retry",
        request=None,
        responses={202: JobAcceptedSerializer, 400: ERROR, 403: ERROR, 404: ERROR, 503: ERROR},
    )
    def post(self, request, job_id: int):
        run = retry_job(tenant=request.tenant, job_id=job_id, actor=request.user)
        return job_accepted(request, run)


class JobFileView(TenantAPIView):
    privileges = {"GET": VIEW}

    @extend_schema(
        operation_id="jobs_file",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 403: ERROR, 404: ERROR},
    )
    def get(self, request, job_id: int, name: str):
        stored = get_job_file(tenant=request.tenant, job_id=job_id, name=name, actor=request.user)
        return download(stored)


def download(stored) -> FileResponse:
    """The file as an attachment (never rendered inline), under its checked name."""
    response = FileResponse(
        stored.open(),
        as_attachment=True,
        filename=stored.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
