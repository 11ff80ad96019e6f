"""OpenAPI pieces every API view shares: the error body of spec §1."""

from rest_framework import serializers


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
