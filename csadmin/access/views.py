from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
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
from csadmin.ui.confirm import ConfirmActionView, Confirmation, OwnConfirmActionView
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
        context["breadcrumbs"] = []
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


class RevokeGrantView(ConfirmActionView):
    """The confirmation page of revoking a user's grant in this tenant; its POST revokes."""

    privilege = "access.grants.manage"

    def member(self, user_id):
        return get_object_or_404(
            Membership.objects.select_related("user").prefetch_related("roles"),
            tenant=self.request.tenant,
            user_id=user_id,
        )

    def confirmation(self, user_id):
        member = self.member(user_id)
        name = member.user.get_username()
        return Confirmation(
            heading=f"Are you sure you want to revoke the grant of {name}?",
            button=f"Yes, revoke the grant of {name}",
            cancel_url=reverse("access:grants"),
            goes=[("Roles in this tenant", member.roles.count())],
            note=f"{name} will lose every role in {self.request.tenant.name}. Their account "
            "and their grants in other tenants stay.",
            title="Revoke grant",
        )

    def perform(self, form, user_id):
        user = self.member(user_id).user
        revoke_grant(tenant=self.request.tenant, user=user, actor=self.request.user)
        return f"{user.get_username()} no longer holds a grant here.", reverse("access:grants")


class RoleListView(TenantPageMixin, TemplateView):
    privilege = "access.grants.view"
    template_name = "access/roles.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["roles"] = Role.objects.prefetch_related("privileges").order_by("name")
        context["breadcrumbs"] = []
        return context


class ProfileView(LoginRequiredMixin, TemplateView):
    """Every signed-in user manages their own API tokens; no privilege needed."""

    template_name = "access/profile.html"
    menu_entry = ""  # reached from the user menu: no entry of the left menu is this page

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


class RevokeTokenView(OwnConfirmActionView):
    """The confirmation page of revoking one of your API tokens; its POST revokes it."""

    def confirmation(self, token_id):
        token = get_object_or_404(ApiToken, pk=token_id, user=self.request.user)
        return Confirmation(
            heading=f"Are you sure you want to revoke the API token {token.name}?",
            button=f"Yes, revoke {token.name}",
            cancel_url=reverse("access:profile"),
            goes=[("API token", 1)],
            note=f"Programs that send the token starting {token.prefix}… will be refused.",
            scope="Tenants: every tenant you hold a grant in (a token is not tied to one).",
            title="Revoke token",
        )

    def perform(self, form, token_id):
        revoke_api_token(user=self.request.user, token_id=token_id)
        return "Token revoked.", reverse("access:profile")
