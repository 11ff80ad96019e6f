"""OpenAPI shapes of the services API. Answers are built by plugins.services.representation;
these classes describe them (and the request bodies) for the schema."""

from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from csadmin.pluginlib import ErrorSerializer, KeysetPagination, name_path_parameter  # noqa: F401  (used by the views)
from plugins.services.events import WITHOUT_CONTROL_CHARACTERS

# A value's name holds no control characters (events._check): say so to clients.
VALUE_REF = {
    "oneOf": [
        {"type": "string", "maxLength": 255, "pattern": WITHOUT_CONTROL_CHARACTERS},
        {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    ],
    "nullable": True,
    "description": "business attribute value: its name or its id",
}
REQUIRED_VALUE_REF = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 255, "pattern": WITHOUT_CONTROL_CHARACTERS},
        {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
    ],
    "description": "business attribute value: its name or its id",
}


@extend_schema_field(VALUE_REF)
class ValueRefField(serializers.JSONField):
    """A value name or id; null reads as "not given" (plugins.services.events)."""


@extend_schema_field(REQUIRED_VALUE_REF)
class RequiredValueRefField(serializers.JSONField):
    """A value name or id that the operation needs."""


def _text(limit: int = 255):
    return serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=limit
    )


def _seconds():
    return serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=10**9)


class EventSerializer(serializers.Serializer):
    """A start or end event: the known fields; any other key is attached data. Every known
    field may be null, which reads as "not given"."""

    customer_id = _text()
    contact_key = _text()
    service_type = ValueRefField(required=False)
    state_type = ValueRefField(required=False)
    task_type = ValueRefField(required=False)
    session_id = _text(32)
    interaction_id = _text(50)
    application_type = ValueRefField(required=False)
    application_id = _text()
    resource_type = ValueRefField(required=False)
    resource_id = _text()
    media_type = ValueRefField(required=False)
    disposition = ValueRefField(required=False)
    disposition_desc = _text(64)
    est_duration = _seconds()
    ttl = _seconds()
    expiration_time = serializers.DateTimeField(required=False, allow_null=True)


class ServiceStartSerializer(EventSerializer):
    service_type = RequiredValueRefField()


class StateStartSerializer(EventSerializer):
    state_type = RequiredValueRefField()


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


class CompositeTaskSerializer(EventSerializer):
    task_type = RequiredValueRefField()
    state_index = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, help_text="position in states"
    )


class CompositeStartSerializer(ServiceStartSerializer):
    states = StateStartSerializer(many=True, required=False)
    tasks = CompositeTaskSerializer(many=True, required=False)


class CompositeResultSerializer(serializers.Serializer):
    service_id = serializers.CharField()
    state_ids = serializers.ListField(child=serializers.IntegerField())
    task_ids = serializers.ListField(child=serializers.IntegerField())


class StateIdSerializer(serializers.Serializer):
    state_id = serializers.IntegerField()


class TaskIdSerializer(serializers.Serializer):
    task_id = serializers.IntegerField()


class TaskStartSerializer(EventSerializer):
    task_type = RequiredValueRefField()
    state_id = serializers.IntegerField(required=False, allow_null=True)


class TransitionFromSerializer(EventSerializer):
    state_id = serializers.IntegerField()


class TransitionSerializer(EventSerializer):
    to = StateStartSerializer()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = TransitionFromSerializer()
        return fields


class ExpirySerializer(serializers.Serializer):
    # services.service_set_expiry: one of the two must be given (null reads as not given)
    openapi_rules = {"anyOf": [{"required": ["ttl"]}, {"required": ["expiration_time"]}]}

    ttl = _seconds()
    expiration_time = serializers.DateTimeField(required=False, allow_null=True)


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


EXTENSION_NAME = name_path_parameter("name", "the extension's name")


def _flag(name):
    return OpenApiParameter(name, bool, description=f"include {name.replace('_', ' ')}")


NESTED_PARAMETERS = [
    _flag("active_states"),
    _flag("completed_states"),
    _flag("active_tasks"),
    _flag("completed_tasks"),
]
PAGING_PARAMETERS = KeysetPagination.openapi_parameters()
# A blank value reads as "not given" (views.timestamp_param).
TIMESTAMP_OR_BLANK = {
    "anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "maxLength": 0}]
}
LIST_PARAMETERS = [
    OpenApiParameter("started_from", TIMESTAMP_OR_BLANK, description="ISO-8601 timestamp"),
    OpenApiParameter("started_to", TIMESTAMP_OR_BLANK, description="ISO-8601 timestamp"),
    OpenApiParameter("service_types", str, description="comma-separated value names"),
    *PAGING_PARAMETERS,
    *NESTED_PARAMETERS,
]
