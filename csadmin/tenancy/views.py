from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect
from django.views.generic import TemplateView

from csadmin.jobs.inputs import describe_inputs
from csadmin.pluginlib.errors import DomainError
from csadmin.pluginlib.registry import registry
from csadmin.tenancy.models import Tenant
from csadmin.tenancy.selectors import disabled_plugins
from csadmin.tenancy.services import create_tenant, set_plugin_enabled, set_server_mode
from csadmin.ui.views import TenantPageMixin


class TenantListView(TenantPageMixin, TemplateView):
    privileges = {"GET": "tenancy.tenants.view", "POST": "tenancy.tenants.manage"}
    template_name = "tenancy/tenants.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tenants"] = (
            Tenant.objects.filter(memberships__user=self.request.user)
            .annotate(members=Count("memberships", distinct=True))
            .order_by("name")
        )
        context["can_create"] = self.can("tenancy.tenants.manage")
        context["breadcrumbs"] = []
        return context

    def post(self, request):
        try:
            tenant = create_tenant(name=request.POST.get("name", ""), actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                f"Tenant {tenant.name} created (id {tenant.pk}); you are its Administrator.",
            )
        return redirect("tenancy:tenants")


class PluginListView(TenantPageMixin, TemplateView):
    privileges = {"GET": "tenancy.plugins.view", "POST": "tenancy.plugins.manage"}
    template_name = "tenancy/plugins.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        off = disabled_plugins(self.request.tenant)
        context["plugins"] = [
            {
                "plugin": plugin,
                "enabled": plugin.label not in off,
                "routes": len(plugin.urlpatterns),
                "api_routes": len(plugin.api_urlpatterns),
                "jobs": [
                    {"name": name, "inputs": describe_inputs(registry.job_inputs(name))}
                    for name in registry.jobs_of(plugin.label)
                ],
            }
            for plugin in sorted(registry.plugins(), key=lambda p: (p.config.core, p.label))
        ]
        context["can_manage"] = self.can("tenancy.plugins.manage")
        context["breadcrumbs"] = []
        return context

    def post(self, request):
        label = request.POST.get("plugin", "")
        enabled = request.POST.get("enabled") == "1"
        try:
            set_plugin_enabled(
                tenant=request.tenant, label=label, enabled=enabled, actor=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            state = "enabled" if enabled else "disabled"
            messages.success(request, f"Plug-in {label} {state} for {request.tenant.name}.")
        return redirect("tenancy:plugins")


class ServerModeView(TenantPageMixin, TemplateView):
    privileges = {"GET": "tenancy.server.status", "POST": "tenancy.server.mode"}
    template_name = "tenancy/server_mode.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_switch"] = self.can("tenancy.server.mode")
        context["breadcrumbs"] = []
        return context

    def post(self, request):
        try:
            set_server_mode(
                tenant=request.tenant, mode=request.POST.get("mode", ""), actor=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"{request.tenant.name} is now in {request.tenant.mode} mode."
            )
        return redirect("tenancy:server-mode")
