"""Shapes of the subscription API's bodies, for the OpenAPI document (rules live in rules.py)."""

from rest_framework import serializers

from plugins.webhooks.models import EVENT_KINDS, Subscription


class SubscriptionInputSerializer(serializers.Serializer):
    openapi_rules = {"additionalProperties": False}  # rules.clean refuses unknown fields

    name = serializers.CharField(max_length=100)
    target_url = serializers.URLField(max_length=2000)
    kinds = serializers.ListField(
        child=serializers.ChoiceField(EVENT_KINDS),
        required=False,
        min_length=1,
        help_text="default: all",
    )
    service_types = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="empty: every service type"
    )
    customers = serializers.ChoiceField(Subscription.Customers.values, required=False)
    customer_id = serializers.CharField(required=False, allow_blank=True)
    active = serializers.BooleanField(required=False, default=True)
    failure_limit = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    secret = serializers.CharField(
        required=False, min_length=16, max_length=128, help_text="default: generated"
    )


class SubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    target_url = serializers.URLField()
    kinds = serializers.ListField(child=serializers.ChoiceField(EVENT_KINDS))
    service_types = serializers.ListField(child=serializers.CharField())
    customers = serializers.ChoiceField(Subscription.Customers.values)
    customer_id = serializers.CharField(allow_blank=True)
    active = serializers.BooleanField()
    paused_reason = serializers.CharField(allow_null=True)
    failure_limit = serializers.IntegerField()
    consecutive_failures = serializers.IntegerField()
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(help_text="shown this once; keep it to verify signatures")


class SecretSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    secret = serializers.CharField()


class AttemptSerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    latency_ms = serializers.IntegerField()
    response = serializers.CharField(allow_null=True)
    error = serializers.CharField(allow_null=True)


class DeliverySerializer(serializers.Serializer):
    delivery_id = serializers.UUIDField()
    event_id = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    service_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(["pending", "delivered", "failed"])
    attempts = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_latency_ms = serializers.IntegerField(allow_null=True)
    last_response = serializers.CharField(allow_null=True)
    last_error = serializers.CharField(allow_null=True)
    redelivery_of = serializers.UUIDField(allow_null=True)


class DeliveryDetailSerializer(DeliverySerializer):
    event = serializers.JSONField()
    log = AttemptSerializer(many=True)
