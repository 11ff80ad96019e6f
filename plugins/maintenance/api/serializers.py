"""The OpenAPI shapes of the maintenance API's requests (the views parse with the services'
own rules; these only document them)."""

from rest_framework import serializers

from plugins.maintenance.purge import OPERATIONS


class PurgeSerializer(serializers.Serializer):
    limit = serializers.DateTimeField(help_text="services started before this are purged")
    operation = serializers.ChoiceField(choices=OPERATIONS)
    dry_run = serializers.BooleanField(required=False, default=False)


class FilesUploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    max_errors = serializers.IntegerField(required=False, min_value=1)


class CustomersUploadSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    format = serializers.ChoiceField(choices=["json", "csv"], required=False, allow_blank=True)
    extensions = serializers.CharField(required=False, allow_blank=True)
    mode = serializers.ChoiceField(
        choices=["create", "merge", "replace"], required=False, allow_blank=True
    )
    match = serializers.CharField(required=False, allow_blank=True)
    dry_run = serializers.BooleanField(required=False)
    max_errors = serializers.IntegerField(required=False, min_value=1)
