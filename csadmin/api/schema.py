"""OpenAPI pieces every API view shares: the error body of spec §1, the rule of names, and
the object rules (closed objects, alternatives) that serializers declare for their bodies."""

from django.core.validators import RegexValidator
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from csadmin.pluginlib.names import NAME_MAX, NAME_PATTERN

# The rule of names as OpenAPI writes it, for bodies (NameField) and paths alike.
NAME_SCHEMA = {"type": "string", "pattern": NAME_PATTERN, "minLength": 1, "maxLength": NAME_MAX}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema, plus the object rules a request serializer declares as
    `openapi_rules` (e.g. `{"additionalProperties": False}` where unknown fields are refused,
    `minProperties`, `anyOf` of required fields): JSON Schema keywords that DRF fields cannot
    express. Only request bodies: answers are described as they are."""

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            schema.update(getattr(serializer, "openapi_rules", {}))
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        """A body whose rules refuse `{}` (minProperties, an anyOf of required fields) is a
        required body: the server refuses a call without one."""
        schema, required = super()._get_request_for_media_type(serializer, direction)
        rules = (
            serializer if isinstance(serializer, dict) else getattr(serializer, "openapi_rules", {})
        )
        if {"minProperties", "anyOf"} & set(rules):
            required = True
        return schema, required


class NameField(serializers.CharField):
    """A name following the rule of names (csadmin.pluginlib.names): documented with its
    pattern and length. The services check names with name_problems; this only describes."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", NAME_MAX)
        kwargs.setdefault("min_length", 1)
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(NAME_PATTERN))


def name_path_parameter(name: str, description: str = "") -> OpenApiParameter:
    """A path segment that is a name: documented with the rule of names."""
    return OpenApiParameter(
        name,
        dict(NAME_SCHEMA),
        OpenApiParameter.PATH,
        description=description or "a name: a letter, then letters, digits or _",
    )


class ErrorSerializer(serializers.Serializer):
    """{"message", "exception", "errors"?}: the body of every 4xx and 5xx answer."""

    message = serializers.CharField()
    exception = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )

    class Meta:
        ref_name = "Error"


# Answers any API operation can give before its own code runs: a missing or unknown
# ContactCenterId (400), no credentials (401), a caller without the privilege or outside the
# tenant (403), HTTP Basic paused after repeated failures (429). Documented once here so no
# view can forget them.
COMMON_ERRORS = {
    "400": "Bad request: missing or unknown ContactCenterId, or a refused parameter or body",
    "401": "No valid credentials, or an administrative privilege is missing",
    "403": "The caller lacks the privilege or is not a member of the tenant",
    "429": "HTTP Basic paused after repeated failed authentications of the user name or address",
}
COMMON_HEADERS = {
    "429": {
        "Retry-After": {
            "description": "seconds until the pause ends",
            "schema": {"type": "integer"},
        }
    }
}


def add_common_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation documents COMMON_ERRORS."""
    error = {"$ref": "#/components/schemas/Error"}
    result.setdefault("components", {}).setdefault("schemas", {}).setdefault(
        "Error", _error_component()
    )
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in COMMON_ERRORS.items():
                response = {
                    "description": description,
                    "content": {"application/json": {"schema": error}},
                }
                if code in COMMON_HEADERS:
                    response["headers"] = COMMON_HEADERS[code]
                responses.setdefault(code, response)
    return result


def _error_component() -> dict:
    return {
        "type": "object",
        "properties": {
            "message": {"type": "string"},
            "exception": {"type": "string"},
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        "required": ["message", "exception"],
    }
