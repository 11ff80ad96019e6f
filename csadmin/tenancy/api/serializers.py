from rest_framework import serializers


class ServerStatusSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["production", "maintenance"])
    tenant = serializers.CharField()
    tenant_id = serializers.IntegerField()


class ServerModeSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["production", "maintenance"])
