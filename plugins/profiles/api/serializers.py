"""Shapes of the API's bodies, for the OpenAPI document. Rules live in schema_rules and
record_rules; these serializers only describe."""

from rest_framework import serializers

from csadmin.pluginlib import ErrorSerializer  # noqa: F401  (used by the views)


class AttributeSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=26)
    type = serializers.ChoiceField(
        ["string", "integer", "long", "double", "date", "datetime", "currency", "boolean"]
    )
    length = serializers.IntegerField(required=False, help_text="strings only; default 256")
    default = serializers.JSONField(required=False)
    mandatory = serializers.BooleanField(required=False, default=False)
    unique = serializers.BooleanField(required=False, default=False)
    encrypt = serializers.BooleanField(required=False, default=False)


class ExtensionSchemaSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=26)
    type = serializers.ChoiceField(["single-valued", "multi-valued", "classifier"])
    attributes = AttributeSerializer(many=True, required=False)
    unique = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text="attribute names; an item may be a list of names (composite key)",
    )


class NameSerializer(serializers.Serializer):
    name = serializers.CharField()


class ProfileSchemaSerializer(serializers.Serializer):
    attributes = AttributeSerializer(many=True)


class IdentificationKeySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=26)
    source = serializers.CharField(help_text='"profile" or the name of an extension schema')
    attributes = serializers.ListField(child=serializers.CharField())
    unique = serializers.BooleanField(required=False, default=False)


class CustomerIdSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
