from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from csadmin.api.views import TenantAPIView
from csadmin.tenancy.api.serializers import ServerModeSerializer, ServerStatusSerializer
from csadmin.tenancy.services import set_server_mode


class ServerStatusView(TenantAPIView):
    privileges = {"GET": "tenancy.server.status"}

    @extend_schema(responses=ServerStatusSerializer, operation_id="server_status")
    def get(self, request):
        tenant = request.tenant
        return Response({"mode": tenant.mode, "tenant": tenant.name, "tenant_id": tenant.pk})


class ServerModeView(TenantAPIView):
    privileges = {"POST": "tenancy.server.mode"}

    @extend_schema(
        request=ServerModeSerializer,
        responses=inline_serializer(
            "ServerModeChanged",
            {"server changed": serializers.ChoiceField(["production", "maintenance"])},
        ),
        operation_id="server_mode",
    )
    def post(self, request):
        data = ServerModeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = set_server_mode(
            tenant=request.tenant, mode=data.validated_data["mode"], actor=request.user
        )
        return Response({"server changed": tenant.mode})
