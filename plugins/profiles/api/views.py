"""The profile metadata (§2) and customer (§3) API: parse, call a service, render."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from csadmin.pluginlib import (
    KeysetPagination,
    TenantAPIView,
    ValidationFailed,
    name_path_parameter,
)
from plugins.profiles import selectors, services
from plugins.profiles.api.serializers import (
    CustomerIdSerializer,
    ErrorSerializer,
    ExtensionSchemaSerializer,
    IdentificationKeySerializer,
    NameSerializer,
    ProfileSchemaSerializer,
)

SCHEMA_READ = "profiles.schema.read"
SCHEMA_CHANGE = "profiles.schema.change"
CUSTOMERS_READ = "profiles.customers.read"
CUSTOMERS_CHANGE = "profiles.customers.change"
ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 404, 415)}
LOCATION = OpenApiParameter(
    "Location", str, OpenApiParameter.HEADER, response=[201], description="the new resource"
)
FREE_OBJECT = OpenApiTypes.OBJECT
# At least one extension (services.extension_records_set refuses an empty body).
EXTENSION_RECORDS = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": {},
    "description": '{"<extension>": record, [records] or null (no records), ...}',
}
EXTENSION_NAME = name_path_parameter("name", "an extension schema's name (any case)")
KEY_NAME = name_path_parameter("name", "an identification key's name (any case)")
RECORD_EXTENSION = name_path_parameter("extension", "a multi-valued extension schema's name")


class ByName(KeysetPagination):
    ordering = "name_lower"


class ById(KeysetPagination):
    ordering = "id"


# -- metadata -------------------------------------------------------------------------------


class ProfileSchemaView(TenantAPIView):
    privileges = {"GET": SCHEMA_READ, "PUT": SCHEMA_CHANGE}

    @extend_schema(
        responses={200: ProfileSchemaSerializer, **ERRORS}, operation_id="profile_schema_get"
    )
    def get(self, request):
        schema = selectors.profile_schema(request.tenant)
        return Response({"attributes": schema.attributes if schema else []})

    @extend_schema(
        request=ProfileSchemaSerializer,
        responses={200: ProfileSchemaSerializer, **ERRORS},
        operation_id="profile_schema_set",
    )
    def put(self, request):
        schema = services.profile_schema_set(
            tenant=request.tenant, body=request.data, actor=request.user
        )
        return Response({"attributes": schema.attributes})


class ExtensionSchemasView(TenantAPIView):
    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}

    @extend_schema(
        responses={200: ExtensionSchemaSerializer(many=True), **ERRORS},
        operation_id="extension_schemas_list",
    )
    def get(self, request):
        rows = selectors.extension_schemas(request.tenant)
        return self.paginate(
            rows, lambda page: [selectors.schema_document(s) for s in page], ByName
        )

    @extend_schema(
        request=ExtensionSchemaSerializer,
        responses={201: NameSerializer, **ERRORS},
        parameters=[LOCATION],
        operation_id="extension_schemas_create",
    )
    def post(self, request):
        schema = services.extension_schema_create(
            tenant=request.tenant, body=request.data, actor=request.user
        )
        location = reverse("profiles-api:extension", args=[schema.name])
        return Response({"name": schema.name}, status=201, headers={"Location": location})


class ExtensionSchemaView(TenantAPIView):
    privileges = {"GET": SCHEMA_READ, "PUT": SCHEMA_CHANGE, "DELETE": SCHEMA_CHANGE}

    @extend_schema(
        parameters=[EXTENSION_NAME],
        responses={200: ExtensionSchemaSerializer, **ERRORS},
        operation_id="extension_schema_get",
    )
    def get(self, request, name):
        return Response(selectors.schema_document(selectors.extension_schema(request.tenant, name)))

    @extend_schema(
        request=ExtensionSchemaSerializer,
        parameters=[EXTENSION_NAME],
        responses={200: ExtensionSchemaSerializer, **ERRORS},
        operation_id="extension_schema_replace",
    )
    def put(self, request, name):
        schema = services.extension_schema_replace(
            tenant=request.tenant, name=name, body=request.data, actor=request.user
        )
        return Response(selectors.schema_document(schema))

    @extend_schema(
        parameters=[EXTENSION_NAME],
        responses={204: None, **ERRORS},
        operation_id="extension_schema_delete",
    )
    def delete(self, request, name):
        services.extension_schema_delete(tenant=request.tenant, name=name, actor=request.user)
        return Response(status=204)


class IdentificationKeysView(TenantAPIView):
    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}

    @extend_schema(
        responses={200: IdentificationKeySerializer(many=True), **ERRORS},
        operation_id="identification_keys_list",
    )
    def get(self, request):
        rows = selectors.identification_keys(request.tenant)
        return self.paginate(rows, lambda page: [selectors.key_document(k) for k in page], ById)

    @extend_schema(
        request=IdentificationKeySerializer,
        responses={201: IdentificationKeySerializer, **ERRORS},
        parameters=[LOCATION],
        operation_id="identification_keys_create",
    )
    def post(self, request):
        key = services.identification_key_create(
            tenant=request.tenant, body=request.data, actor=request.user
        )
        location = reverse("profiles-api:identification-key", args=[key.name])
        return Response(selectors.key_document(key), status=201, headers={"Location": location})


class IdentificationKeyView(TenantAPIView):
    privileges = {"GET": SCHEMA_READ, "DELETE": SCHEMA_CHANGE}

    @extend_schema(
        parameters=[KEY_NAME],
        responses={200: IdentificationKeySerializer, **ERRORS},
        operation_id="identification_key_get",
    )
    def get(self, request, name):
        return Response(selectors.key_document(selectors.identification_key(request.tenant, name)))

    @extend_schema(
        parameters=[KEY_NAME],
        responses={204: None, **ERRORS},
        operation_id="identification_key_delete",
    )
    def delete(self, request, name):
        services.identification_key_delete(tenant=request.tenant, name=name, actor=request.user)
        return Response(status=204)


# -- customers ------------------------------------------------------------------------------

IDENTIFY_PARAMETERS = [
    OpenApiParameter("id_key", str, description="identification key to use"),
    OpenApiParameter("include_profile", str, enum=["yes", "no"]),
    OpenApiParameter("extensions", str, description="a,b or *"),
    OpenApiParameter("page_size", int),
    OpenApiParameter("cursor", str),
]
CONTROL_PARAMETERS = {"id_key", "include_profile", "extensions", "page_size", "cursor"}


def _include_profile(request) -> bool:
    raw = request.query_params.get("include_profile", "yes").lower()
    if raw not in ("yes", "no", "true", "false"):
        raise ValidationFailed.from_errors({"include_profile": ["must be yes or no"]})
    return raw in ("yes", "true")


class CustomersView(TenantAPIView):
    privileges = {"GET": CUSTOMERS_READ, "POST": CUSTOMERS_CHANGE}

    @extend_schema(
        parameters=IDENTIFY_PARAMETERS,
        responses={200: FREE_OBJECT, **ERRORS},
        operation_id="customers_identify",
        description="Identify customers: give the attributes of an identification "
        "key (`Attr=v`, `Ext.Attr=v`).",
    )
    def get(self, request):
        params = {k: v for k, v in request.query_params.items() if k not in CONTROL_PARAMETERS}
        include_profile = _include_profile(request)
        schemas = selectors.requested_extensions(
            request.tenant, request.query_params.get("extensions")
        )
        rows = selectors.identify(request.tenant, params, request.query_params.get("id_key"))
        return self.paginate(
            rows,
            lambda page: selectors.customer_documents(
                page, schemas, include_profile=include_profile
            ),
            ById,
        )

    @extend_schema(
        request=FREE_OBJECT,
        responses={201: CustomerIdSerializer, **ERRORS},
        parameters=[LOCATION],
        operation_id="customers_create",
    )
    def post(self, request):
        customer = services.customer_create(
            tenant=request.tenant, body=request.data, actor=request.user
        )
        location = reverse("profiles-api:customer", args=[customer.customer_id])
        return Response(
            {"customer_id": customer.customer_id}, status=201, headers={"Location": location}
        )


class CustomerView(TenantAPIView):
    privileges = {"GET": CUSTOMERS_READ, "PUT": CUSTOMERS_CHANGE, "DELETE": CUSTOMERS_CHANGE}

    @extend_schema(
        parameters=[OpenApiParameter("extensions", str, description="a,b or *")],
        responses={200: FREE_OBJECT, **ERRORS},
        operation_id="customer_get",
    )
    def get(self, request, customer_id):
        customer = selectors.customer(request.tenant, customer_id)
        schemas = selectors.requested_extensions(
            request.tenant, request.query_params.get("extensions")
        )
        return Response(selectors.customer_documents([customer], schemas)[0])

    @extend_schema(
        request=FREE_OBJECT,
        responses={200: CustomerIdSerializer, **ERRORS},
        operation_id="customer_replace",
    )
    def put(self, request, customer_id):
        customer = services.customer_replace(
            tenant=request.tenant, customer_id=customer_id, body=request.data, actor=request.user
        )
        return Response({"customer_id": customer.customer_id})

    @extend_schema(responses={200: CustomerIdSerializer, **ERRORS}, operation_id="customer_delete")
    def delete(self, request, customer_id):
        services.customer_delete(tenant=request.tenant, customer_id=customer_id, actor=request.user)
        return Response({"customer_id": customer_id})


class CustomerExtensionsView(TenantAPIView):
    privileges = {"POST": CUSTOMERS_CHANGE}

    @extend_schema(
        request={"application/json": EXTENSION_RECORDS},
        responses={200: FREE_OBJECT, **ERRORS},
        operation_id="customer_extensions_set",
    )
    def post(self, request, customer_id):
        body = request.data
        customer = services.extension_records_set(
            tenant=request.tenant, customer_id=customer_id, body=body, actor=request.user
        )
        schemas = selectors.requested_extensions(request.tenant, ",".join(body))
        return Response(selectors.customer_documents([customer], schemas, include_profile=False)[0])


class RecordByUniqueView(TenantAPIView):
    privileges = {"PUT": CUSTOMERS_CHANGE}

    @extend_schema(
        request=FREE_OBJECT,
        parameters=[RECORD_EXTENSION],
        responses={204: None, **ERRORS},
        operation_id="customer_extension_update_by_unique",
    )
    def put(self, request, customer_id, extension):
        services.extension_record_update_by_unique(
            tenant=request.tenant,
            customer_id=customer_id,
            extension=extension,
            body=request.data,
            actor=request.user,
        )
        return Response(status=204)


class RecordDeleteByUniqueView(TenantAPIView):
    privileges = {"PUT": CUSTOMERS_CHANGE}

    @extend_schema(
        request=FREE_OBJECT,
        parameters=[RECORD_EXTENSION],
        responses={204: None, **ERRORS},
        operation_id="customer_extension_delete_by_unique",
    )
    def put(self, request, customer_id, extension):
        services.extension_record_delete_by_unique(
            tenant=request.tenant,
            customer_id=customer_id,
            extension=extension,
            body=request.data,
            actor=request.user,
        )
        return Response(status=204)
