"""The services API (spec §2 business attributes, §4, §5): parse, call, render."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework.response import Response

from csadmin.pluginlib import KeysetPagination, TenantAPIView, ValidationFailed
from plugins.services import selectors, services
from plugins.services.api import serializers as s
from plugins.services.events import parse_timestamp, reject_nul
from plugins.services.representation import service_dict, state_dict, task_dict
from plugins.services.selectors import NO_NESTED, Nested, ServiceFilter

READ, CHANGE = "services.data.read", "services.data.change"
ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, "a rule is broken (the message names the field)"),
    404: OpenApiResponse(s.ErrorSerializer, "unknown service, state or task"),
}
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no", ""}


class ByStateNumber(KeysetPagination):
    ordering = "state_id"


class ByTaskNumber(KeysetPagination):
    ordering = "task_id"


def flag(request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() in TRUE:
        return True
    if raw.lower() in FALSE:
        return False
    raise ValidationFailed.from_errors({name: ["must be true or false"]})


def nested_flags(request) -> Nested:
    return Nested(*(flag(request, name) for name in Nested.__dataclass_fields__))


def timestamp_param(request, name: str):
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    value = parse_timestamp(raw)
    if value is None:
        raise ValidationFailed.from_errors({name: ["must be an ISO-8601 timestamp"]})
    return value


def names_param(request, name: str) -> tuple[str, ...]:
    raw = request.query_params.get(name) or ""
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def int_param(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationFailed.from_errors({name: ["must be an integer"]}) from None


def list_filter(request, status: str, **fixed) -> ServiceFilter:
    return ServiceFilter(
        status=status,
        started_from=timestamp_param(request, "started_from"),
        started_to=timestamp_param(request, "started_to"),
        service_types=names_param(request, "service_types"),
        **fixed,
    )


class ServicesView(TenantAPIView):
    """Shared by every services view: the body, the actor, the rendering of one service."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # ids and filters go into SQL: PostgreSQL cannot hold NUL, so refuse it as bad input
        reject_nul(kwargs)
        reject_nul(dict(request.query_params.items()))

    def body(self):
        """The event body; a call without a body is an empty event."""
        return self.request.data or {}

    def render_service(self, service, status=200, nested=NO_NESTED):
        return Response(service_dict(service, nested), status=status)

    def service_page(self, source, nested: Nested):
        def serialize(page):
            return [service_dict(x, nested) for x in selectors.load_nested(page, nested)]

        return self.paginate(source, serialize)


# -- services --------------------------------------------------------------------------------


class ServiceStartView(ServicesView):
    privileges = {"POST": CHANGE}

    @extend_schema(
        request=s.ServiceStartSerializer,
        responses={201: s.ServiceIdSerializer, **ERRORS},
        tags=["services"],
    )
    def post(self, request):
        service = services.service_start(
            tenant=request.tenant, body=request.data, actor=request.user
        )
        return Response(
            {"service_id": service.service_id},
            status=201,
            headers={"Location": f"{request.path.rsplit('/start', 1)[0]}/{service.service_id}"},
        )


class ServiceCompositeStartView(ServicesView):
    privileges = {"POST": CHANGE}

    @extend_schema(
        request=s.CompositeStartSerializer,
        responses={201: s.CompositeResultSerializer, **ERRORS},
        tags=["services"],
    )
    def post(self, request):
        service, state_ids, task_ids = services.service_start_composite(
            tenant=request.tenant, body=request.data, actor=request.user
        )
        body = {"service_id": service.service_id, "state_ids": state_ids, "task_ids": task_ids}
        return Response(body, status=201)


class ServiceView(ServicesView):
    privileges = {"GET": READ, "PUT": CHANGE, "DELETE": CHANGE}

    @extend_schema(
        parameters=s.NESTED_PARAMETERS,
        responses={200: s.ServiceSerializer, **ERRORS},
        tags=["services"],
    )
    def get(self, request, service_id):
        nested = nested_flags(request)
        service = selectors.get_service(request.tenant, service_id, nested)
        return self.render_service(service, nested=nested)

    @extend_schema(
        request=s.ExpirySerializer,
        responses={200: s.ServiceSerializer, **ERRORS},
        description="Set the service's time to live (`ttl`, seconds) or `expiration_time`; "
        "ttl wins when both are given.",
        tags=["services"],
    )
    def put(self, request, service_id):
        service = services.service_set_expiry(
            tenant=request.tenant, service_id=service_id, body=request.data, actor=request.user
        )
        return self.render_service(service)

    @extend_schema(
        responses={
            200: s.ServiceIdSerializer,
            400: OpenApiResponse(s.ErrorSerializer, "unknown service (NotFoundException)"),
        },
        tags=["services"],
    )
    def delete(self, request, service_id):
        services.service_delete(tenant=request.tenant, service_id=service_id, actor=request.user)
        return Response({"service_id": service_id})


class ServiceEndView(ServicesView):
    privileges = {"POST": CHANGE}

    @extend_schema(request=s.EventSerializer, responses={204: None, **ERRORS}, tags=["services"])
    def post(self, request, service_id):
        services.service_end(
            tenant=request.tenant, service_id=service_id, body=self.body(), actor=request.user
        )
        return Response(status=204)


class ServiceExtensionView(ServicesView):
    privileges = {"PUT": CHANGE}

    @extend_schema(
        request=dict,
        parameters=[s.EXTENSION_NAME],
        responses={200: s.ServiceSerializer, **ERRORS},
        deprecated=True,
        tags=["services"],
    )
    def put(self, request, service_id, name):
        service = services.service_set_extension(
            tenant=request.tenant,
            service_id=service_id,
            name=name,
            value=request.data,
            actor=request.user,
        )
        return self.render_service(service)


class ServiceListView(ServicesView):
    """Lists by customer or by contact key; `status` and the key come from the URL."""

    privileges = {"GET": READ}
    status = "all"
    by = "customer"

    @extend_schema(
        parameters=s.LIST_PARAMETERS,
        responses={200: s.ServiceSerializer(many=True), **ERRORS},
        tags=["services"],
    )
    def get(self, request, key):
        if self.by == "customer":
            filters = list_filter(request, self.status, customer_id=key)
        else:
            filters = list_filter(request, self.status, contact_key=key, anonymous=True)
        nested = nested_flags(request)
        return self.service_page(selectors.service_page_source(request.tenant, filters), nested)


class AssociateView(ServicesView):
    privileges = {"POST": CHANGE}

    @extend_schema(request=None, responses={200: s.ServiceSerializer, **ERRORS}, tags=["services"])
    def post(self, request, key, service_id):
        service = services.service_associate(
            tenant=request.tenant, service_id=service_id, customer_id=key, actor=request.user
        )
        return self.render_service(service)


# -- states and tasks ------------------------------------------------------------------------
# A state's endpoints and a task's are the same calls (spec §5), written once below; each view
# names its part (the functions and the rendering) and declares its own OpenAPI shapes. Where
# the contract differs they differ: only states transition, a task list filters by state.


@dataclass(frozen=True)
class Part:
    """The state or the task functions the shared views call."""

    number: str  # the URL's and the body's name of its number: state_id or task_id
    start: Callable
    end: Callable
    set_extension: Callable
    get: Callable
    render: Callable
    pagination: type[KeysetPagination]


STATE = Part(
    "state_id",
    services.state_start,
    services.state_end,
    services.state_set_extension,
    selectors.get_state,
    state_dict,
    ByStateNumber,
)
TASK = Part(
    "task_id",
    services.task_start,
    services.task_end,
    services.task_set_extension,
    selectors.get_task,
    task_dict,
    ByTaskNumber,
)


class PartView(ServicesView):
    """A state or task view; the URL's number (`**number`: state_id or task_id) is passed on by
    its name, which the part's functions take."""

    part: Part

    def render_part(self, row):
        return Response(self.part.render(row))


class PartStartView(PartView):
    privileges = {"POST": CHANGE}

    def post(self, request, service_id):
        row = self.part.start(
            tenant=request.tenant, service_id=service_id, body=request.data, actor=request.user
        )
        number = self.part.number
        return Response({number: getattr(row, number)}, status=201)


class PartEndView(PartView):
    privileges = {"POST": CHANGE}

    def post(self, request, service_id, **number):
        self.part.end(
            tenant=request.tenant,
            service_id=service_id,
            body=self.body(),
            actor=request.user,
            **number,
        )
        return Response(status=204)


class PartListView(PartView):
    privileges = {"GET": READ}
    status = "all"

    def rows(self, request, service):
        raise NotImplementedError

    def get(self, request, service_id):
        rows = self.rows(request, selectors.get_service(request.tenant, service_id))
        render = self.part.render
        return self.paginate(rows, lambda page: [render(x) for x in page], self.part.pagination)


class PartItemView(PartView):
    privileges = {"GET": READ}

    def get(self, request, service_id, **number):
        service = selectors.get_service(request.tenant, service_id)
        return self.render_part(self.part.get(service, number[self.part.number]))


class PartExtensionView(PartView):
    privileges = {"PUT": CHANGE}

    def put(self, request, service_id, name, **number):
        row = self.part.set_extension(
            tenant=request.tenant,
            service_id=service_id,
            name=name,
            value=request.data,
            actor=request.user,
            **number,
        )
        return self.render_part(row)


def documented(method: str, tag: str, responses: dict, **schema):
    """The OpenAPI declaration of one state or task view (its shapes are its own)."""
    return extend_schema_view(
        **{method: extend_schema(responses={**responses, **ERRORS}, tags=[tag], **schema)}
    )


def documented_extension(serializer, tag: str):
    return documented(
        "put",
        tag,
        {200: serializer},
        request=dict,
        parameters=[s.EXTENSION_NAME],
        deprecated=True,
    )


@documented("post", "states", {201: s.StateIdSerializer}, request=s.StateStartSerializer)
class StateStartView(PartStartView):
    part = STATE


class StateTransitionView(ServicesView):
    privileges = {"POST": CHANGE}

    @extend_schema(
        request=s.TransitionSerializer,
        responses={201: s.StateIdSerializer, **ERRORS},
        tags=["states"],
    )
    def post(self, request, service_id):
        state = services.state_transition(
            tenant=request.tenant, service_id=service_id, body=request.data, actor=request.user
        )
        return Response({"state_id": state.state_id}, status=201)


@documented("post", "states", {204: None}, request=s.EventSerializer)
class StateEndView(PartEndView):
    part = STATE


@documented(
    "get",
    "states",
    {200: s.StateSerializer(many=True)},
    parameters=[OpenApiParameter("state_types", str), *s.PAGING_PARAMETERS],
)
class StateListView(PartListView):
    part = STATE

    def rows(self, request, service):
        return selectors.states_of(service, self.status, names_param(request, "state_types"))


@documented("get", "states", {200: s.StateSerializer})
class StateView(PartItemView):
    part = STATE


@documented_extension(s.StateSerializer, "states")
class StateExtensionView(PartExtensionView):
    part = STATE


@documented("post", "tasks", {201: s.TaskIdSerializer}, request=s.TaskStartSerializer)
class TaskStartView(PartStartView):
    part = TASK


@documented("post", "tasks", {204: None}, request=s.EventSerializer)
class TaskEndView(PartEndView):
    part = TASK


@documented(
    "get",
    "tasks",
    {200: s.TaskSerializer(many=True)},
    parameters=[
        OpenApiParameter("task_types", str),
        OpenApiParameter("state_id", int),
        *s.PAGING_PARAMETERS,
    ],
)
class TaskListView(PartListView):
    part = TASK

    def rows(self, request, service):
        return selectors.tasks_of(
            service,
            self.status,
            names_param(request, "task_types"),
            int_param(request, "state_id"),
        )


@documented("get", "tasks", {200: s.TaskSerializer})
class TaskView(PartItemView):
    part = TASK


@documented_extension(s.TaskSerializer, "tasks")
class TaskExtensionView(PartExtensionView):
    part = TASK


# -- business attributes ---------------------------------------------------------------------


class BusinessAttributesView(TenantAPIView):
    privileges = {"GET": "services.attributes.read"}

    @extend_schema(responses={200: s.BusinessAttributeSerializer(many=True)}, tags=["metadata"])
    def get(self, request):
        return Response(selectors.business_attributes(request.tenant))


class BusinessAttributeView(TenantAPIView):
    privileges = {"GET": "services.attributes.read"}

    @extend_schema(responses={200: s.BusinessAttributeSerializer, **ERRORS}, tags=["metadata"])
    def get(self, request, name):
        return Response(selectors.business_attribute(request.tenant, name))
