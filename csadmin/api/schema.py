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
