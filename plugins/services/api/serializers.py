"""OpenAPI shapes of the services API. Answers are built by plugins.services.representation;
these classes describe them (and the request bodies) for the schema."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class EventSerializer(serializers.Serializer):
    """A start or end event: the known fields; any other key is attached data."""

    customer_id = serializers.CharField(required=False, max_length=255)
    contact_key = serializers.CharField(required=False, max_length=255)
    service_type = serializers.CharField(required=False, help_text="value name or id")
    state_type = serializers.CharField(required=False, help_text="value name or id")
    task_type = serializers.CharField(required=False, help_text="value name or id")
    session_id = serializers.CharField(required=False, max_length=32)
    interaction_id = serializers.CharField(required=False, max_length=50)
    application_type = serializers.CharField(required=False)
    application_id = serializers.CharField(required=False)
    resource_type = serializers.CharField(required=False)
    resource_id = serializers.CharField(required=False)
    media_type = serializers.CharField(required=False)
    disposition = serializers.CharField(required=False)
    disposition_desc = serializers.CharField(required=False, max_length=64)
    est_duration = serializers.IntegerField(required=False, min_value=0)
    ttl = serializers.IntegerField(required=False, min_value=0)
    expiration_time = serializers.DateTimeField(required=False)


class TimestampSerializer(serializers.Serializer):
    timestamp = serializers.CharField()


class _Common(serializers.Serializer):
    est_duration = serializers.IntegerField(allow_null=True)
    duration = serializers.IntegerField(required=False, help_text="ms, once completed")
    disposition = serializers.CharField(allow_null=True)
    disposition_desc = serializers.CharField(allow_null=True)
    started = TimestampSerializer()
    completed = TimestampSerializer(required=False)
    extensions = serializers.DictField(required=False)


class StateSerializer(_Common):
    state_id = serializers.IntegerField()
    state_type = serializers.CharField()


class TaskSerializer(_Common):
    task_id = serializers.IntegerField()
    task_type = serializers.CharField()
    state_id = serializers.IntegerField(allow_null=True)


class ServiceSerializer(_Common):
    service_id = serializers.CharField()
    service_type = serializers.CharField()
    customer_id = serializers.CharField(allow_null=True)
    contact_key = serializers.CharField(allow_null=True)
    expiration_time = serializers.CharField(required=False)
    active_states = StateSerializer(many=True, required=False)
    completed_states = StateSerializer(many=True, required=False)
    active_tasks = TaskSerializer(many=True, required=False)
    completed_tasks = TaskSerializer(many=True, required=False)


class ServiceIdSerializer(serializers.Serializer):
    service_id = serializers.CharField()


class CompositeStartSerializer(EventSerializer):
    states = EventSerializer(many=True, required=False)
    tasks = EventSerializer(many=True, required=False, help_text='each may name "state_index"')


class CompositeResultSerializer(serializers.Serializer):
    service_id = serializers.CharField()
    state_ids = serializers.ListField(child=serializers.IntegerField())
    task_ids = serializers.ListField(child=serializers.IntegerField())


class StateIdSerializer(serializers.Serializer):
    state_id = serializers.IntegerField()


class TaskIdSerializer(serializers.Serializer):
    task_id = serializers.IntegerField()


class TaskStartSerializer(EventSerializer):
    state_id = serializers.IntegerField(required=False)


class TransitionFromSerializer(serializers.Serializer):
    state_id = serializers.IntegerField()
    disposition = serializers.CharField(required=False)
    disposition_desc = serializers.CharField(required=False, max_length=64)


class TransitionSerializer(EventSerializer):
    to = EventSerializer()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = TransitionFromSerializer()
        return fields


class ExpirySerializer(serializers.Serializer):
    ttl = serializers.IntegerField(required=False, min_value=0)
    expiration_time = serializers.DateTimeField(required=False)


class ValueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    display_name = serializers.CharField()
    description = serializers.CharField()


class BusinessAttributeSerializer(serializers.Serializer):
    name = serializers.CharField()
    display_name = serializers.CharField()
    description = serializers.CharField()
    values = ValueSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    exception = serializers.CharField()
    errors = serializers.DictField(required=False)


def _flag(name):
    return OpenApiParameter(name, bool, description=f"include {name.replace('_', ' ')}")


NESTED_PARAMETERS = [
    _flag("active_states"),
    _flag("completed_states"),
    _flag("active_tasks"),
    _flag("completed_tasks"),
]
PAGING_PARAMETERS = [
    OpenApiParameter("page_size", int, description="1 to 1000, default 100"),
    OpenApiParameter("cursor", str, description="from the Link rel=next header"),
]
LIST_PARAMETERS = [
    OpenApiParameter("started_from", str, description="ISO-8601 timestamp"),
    OpenApiParameter("started_to", str, description="ISO-8601 timestamp"),
    OpenApiParameter("service_types", str, description="comma-separated value names"),
    *PAGING_PARAMETERS,
    *NESTED_PARAMETERS,
]
