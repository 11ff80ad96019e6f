from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from csadmin.access.models import ApiToken, Role
from csadmin.access.services import (
    create_api_token,
    find_or_create_user,
    grant_roles,
    revoke_api_token,
    revoke_grant,
)
from csadmin.pluginlib.errors import DomainError
from csadmin.tenancy.models import Membership
from csadmin.tenancy.selectors import tenants_of
from csadmin.ui.views import TenantPageMixin


class GrantListView(TenantPageMixin, TemplateView):
    privileges = {"GET": "access.grants.view", "POST": "access.grants.manage"}
    template_name = "access/grants.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["memberships"] = (
            Membership.objects.filter(tenant=self.request.tenant)
            .select_related("user")
            .prefetch_related("roles")
            .order_by("user__username")
        )
        context["roles"] = Role.objects.order_by("name")
        context["can_manage"] = self.can("access.grants.manage")
        context["breadcrumbs"] = [("Administration", None), ("Users and grants", None)]
        return context

    def post(self, request):
        try:
            user = find_or_create_user(
                username=request.POST.get("username", ""), password=request.POST.get("password")
            )
            grant_roles(
                tenant=request.tenant,
                user=user,
                role_names=request.POST.getlist("roles"),
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"Roles of {user.get_username()} in {request.tenant.name} saved."
            )
        return redirect("access:grants")


class RevokeGrantView(TenantPageMixin, TemplateView):
    privilege = "access.grants.manage"
    template_name = "access/revoke_confirm.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["member"] = get_object_or_404(
            Membership.objects.select_related("user"),
            tenant=self.request.tenant,
            user_id=self.kwargs["user_id"],
        )
        return context

    def post(self, request, user_id):
        user = get_object_or_404(get_user_model(), pk=user_id)
        try:
            revoke_grant(tenant=request.tenant, user=user, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"{user.get_username()} no longer holds a grant here.")
        return redirect("access:grants")


class RoleListView(TenantPageMixin, TemplateView):
    privilege = "access.grants.view"
    template_name = "access/roles.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = Role.objects.prefetch_related("privileges").order_by("name")
        context["breadcrumbs"] = [("Administration", None), ("Roles", None)]
        return context


class ProfileView(LoginRequiredMixin, TemplateView):
    """Every signed-in user manages their own API tokens; no privilege needed."""

    template_name = "access/profile.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tokens"] = ApiToken.objects.filter(user=self.request.user)
        context["grants"] = (
            Membership.objects.filter(user=self.request.user)
            .select_related("tenant")
            .prefetch_related("roles")
        )
        context["tenants"] = tenants_of(self.request.user)
        context["breadcrumbs"] = [("Profile and API tokens", None)]
        return context

    def post(self, request):
        try:
            token, key = create_api_token(user=request.user, name=request.POST.get("name", ""))
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("access:profile")
        context = self.get_context_data()
        context["new_key"] = key
        context["new_token"] = token
        return self.render_to_response(context)


class RevokeTokenView(LoginRequiredMixin, TemplateView):
    def post(self, request, token_id):
        try:
            revoke_api_token(user=request.user, token_id=token_id)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Token revoked.")
        return redirect("access:profile")
