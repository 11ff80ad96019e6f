"""Shapes of the API's bodies, for the OpenAPI document. Rules live in schema_rules and
record_rules; these serializers only describe."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from csadmin.pluginlib import (
    NAME,
    NAME_MAX,
    NAME_SCHEMA,
    ErrorSerializer,  # noqa: F401  (used by the views)
    NameField,
)
from plugins.profiles.schema_rules import MAX_STRING_LENGTH

# Unknown fields are refused (schema_rules, services.identification_key_create): say so.
CLOSED = {"additionalProperties": False}


@extend_schema_field(
    {"oneOf": [NAME_SCHEMA, {"type": "array", "items": NAME_SCHEMA, "minItems": 1}]}
)
class UniqueItemField(serializers.JSONField):
    """An attribute's name, or a list of names (a composite key)."""


class AttributeSerializer(serializers.Serializer):
    openapi_rules = CLOSED

    name = NameField()
    type = serializers.ChoiceField(
        ["string", "integer", "long", "double", "date", "datetime", "currency", "boolean"]
    )
    length = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_STRING_LENGTH,
        help_text="strings only; default 256",
    )
    default = serializers.JSONField(required=False)
    mandatory = serializers.BooleanField(required=False, default=False)
    unique = serializers.BooleanField(required=False, default=False)
    encrypt = serializers.BooleanField(required=False, default=False)


class ExtensionSchemaSerializer(serializers.Serializer):
    openapi_rules = CLOSED

    name = NameField()
    type = serializers.ChoiceField(["single-valued", "multi-valued", "classifier"])
    attributes = AttributeSerializer(many=True, required=False, allow_null=True)
    unique = serializers.ListField(
        child=UniqueItemField(),
        required=False,
        allow_null=True,
        help_text="attribute names; an item may be a list of names (composite key)",
    )


class NameSerializer(serializers.Serializer):
    name = serializers.CharField()


class ProfileSchemaSerializer(serializers.Serializer):
    openapi_rules = CLOSED

    attributes = AttributeSerializer(many=True)


class IdentificationKeySerializer(serializers.Serializer):
    openapi_rules = CLOSED

    name = NameField()
    source = NameField(
        required=False, help_text='"profile" (the default) or the name of an extension schema'
    )
    attributes = serializers.ListField(
        child=serializers.RegexField(
            # an attribute of the source, optionally written <extension>.<attribute>
            rf"^{NAME}(\.{NAME})?$",
            max_length=2 * NAME_MAX + 1,
        ),
        min_length=1,
        help_text="names of the source's attributes",
    )
    unique = serializers.BooleanField(required=False, default=False)


class CustomerIdSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
