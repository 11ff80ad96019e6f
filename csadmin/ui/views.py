"""Base views of the pages: the privilege mixin, htmx partials, sign-in, dashboard, errors."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import TemplateView

from csadmin.access.checks import Decision, decide
from csadmin.access.grants import session_grant
from csadmin.access.throttle import (
    client_address,
    login_pause,
    record_login_failure,
    reset_login_failures,
)
from csadmin.api.errors import DATABASE_DOWN, database_unreachable, is_api_path, json_error
from csadmin.pluginlib.errors import DomainError, NotFoundError
from csadmin.pluginlib.paging import CursorRefused
from csadmin.pluginlib.registry import registry
from csadmin.pluginlib.storable import echo
from csadmin.tenancy.models import Tenant
from csadmin.tenancy.selectors import TENANT_SESSION_KEY


class TenantPageMixin(LoginRequiredMixin):
    """Every page goes through here: sign-in, the current tenant, then the one privilege check.

    Declare `privilege` (all methods) or `privileges = {"GET": ..., "POST": ...}`.
    """

    privilege: str | None = None
    privileges: dict[str, str] = {}

    def required_privilege(self, method: str) -> str:
        method = "GET" if method in {"HEAD", "OPTIONS"} else method
        privilege = self.privileges.get(method) or self.privilege
        if not privilege:
            raise ImproperlyConfigured(f"{type(self).__name__} declares no privilege for {method}")
        return privilege

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        tenant = session_grant(request)
        request.tenant = tenant
        if tenant is None:
            return render(request, "ui/no_tenant.html", status=403)
        plugin = registry.label_for_module(type(self).__module__)
        decision = decide(request.user, tenant, self.required_privilege(request.method), plugin)
        if decision is Decision.PLUGIN_DISABLED:
            raise Http404("This plug-in is disabled for this tenant.")
        if decision is not Decision.ALLOW:
            return render(
                request,
                "ui/forbidden.html",
                {"privilege": self.required_privilege(request.method)},
                status=403,
            )
        try:
            return super().dispatch(request, *args, **kwargs)
        except NotFoundError as missing:  # an unknown (or another tenant's) object: the 404 page
            raise Http404(missing.message) from None
        except CursorRefused as refused:
            return bad_cursor(request, refused)

    def can(self, privilege: str) -> bool:
        return decide(self.request.user, self.request.tenant, privilege) is Decision.ALLOW


def htmx_partial(request, template: str, partial: str, context: dict, status: int = 200):
    """The whole page on a normal request; only `template#partial` for an htmx swap."""
    name = template
    if getattr(request, "htmx", False) and not request.htmx.boosted:
        name = f"{template}#{partial}"
    response = TemplateResponse(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def bad_cursor(request, refused: CursorRefused):
    """A list asked for a page it did not give out: 400 and a way back to its first page,
    not a silent first page that looks like a list that lost its rows."""
    query = request.GET.copy()
    query.pop(refused.param, None)
    first = f"{request.path}?{query.urlencode()}" if query else request.path
    context = {"param": refused.param, "rule": refused.errors[refused.param][0], "first": first}
    return render(request, "ui/bad_cursor.html", context, status=400)


def domain_error_message(request, error: DomainError) -> None:
    messages.error(request, error.message)


class LoginView(auth_views.LoginView):
    """Sign-in, throttled per user name and address after repeated failures."""

    template_name = "ui/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[:150]
        pause = login_pause(username, client_address(request))
        if pause:
            form = self.get_form()
            form.errors.clear()
            form.add_error(
                None,
                "Too many failed sign-in attempts. Wait a few minutes and try again.",
            )
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(pause)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        record_login_failure(
            self.request.POST.get("username", "")[:150], client_address(self.request)
        )
        return super().form_invalid(form)

    def form_valid(self, form):
        reset_login_failures(form.get_user().get_username())
        return super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    pass


MODE_MEANINGS = {
    "production": "Schema changes are refused; the API serves the contact center as configured.",
    "maintenance": "Schema changes are allowed; switch to production once the schemas are set.",
}


def server_mode(tenant) -> dict[str, str]:
    """The tenant's server mode and one line on what it means for the people working in it."""
    return {
        "name": tenant.mode,
        "label": tenant.get_mode_display().capitalize(),
        "meaning": MODE_MEANINGS.get(tenant.mode, ""),
    }


class DashboardView(TenantPageMixin, TemplateView):
    privilege = "ui.dashboard.view"
    template_name = "ui/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        context["mode"] = server_mode(request.tenant)
        context["widgets"] = [
            {
                "title": widget.title,
                "html": widget.render(request),
                "key": widget.key,
                "wide": widget.wide,
            }
            for widget in registry.widgets()
            if decide(request.user, request.tenant, widget.privilege, widget.plugin)
            is Decision.ALLOW
        ]
        return context


def section_list(user, tenant, path: str) -> str:
    """The list page of the menu section `path` belongs to, as seen in `tenant`: a page of the
    old tenant's object (a job, a customer, a service) would answer "Not found" in the new one.
    The dashboard when no menu item of the new tenant holds the path."""
    menu = registry.menu(
        lambda item: decide(user, tenant, item.privilege, item.plugin) is Decision.ALLOW
    )
    urls = [item.url() for group in menu for item in group.items]
    return max((url for url in urls if path.startswith(url)), key=len, default=None) or reverse(
        "ui:dashboard"
    )


class SwitchTenantView(LoginRequiredMixin, View):
    """The header's tenant picker: keeps the choice in the session, then lands on the list of
    the section the user was in (never on the old tenant's object)."""

    def post(self, request):
        raw = request.POST.get("tenant", "")
        tenant = None
        if raw.isdigit():
            tenant = Tenant.objects.filter(pk=int(raw), memberships__user=request.user).first()
        target = request.POST.get("next") or reverse("ui:dashboard")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            target = reverse("ui:dashboard")
        if tenant is None:
            messages.error(request, "You hold no grant in that tenant.")
            return HttpResponseRedirect(target)
        request.session[TENANT_SESSION_KEY] = tenant.pk
        messages.success(request, f"Now working in tenant {tenant.name}.")
        return HttpResponseRedirect(section_list(request.user, tenant, urlsplit(target).path))


@csrf_exempt  # it changes nothing; a CSRF refusal would answer HTML instead of the JSON 404
def api_not_found(request, *args, **kwargs):
    return json_error(404, f"No such resource: {echo(request.path)}")


def not_found(request, exception=None):
    if is_api_path(request.path):
        return json_error(404, f"No such resource: {echo(request.path)}")
    return render(request, "ui/not_found.html", status=404)


def forbidden(request, exception=None):
    if is_api_path(request.path):
        return json_error(403, "Forbidden.")
    return render(request, "ui/forbidden.html", status=403)


def server_error(request):
    """Django's 500 handler, called while the error is being handled: for any error not
    answered where it was raised, views and middleware alike (Django turns an exception into a
    response at each middleware, so no middleware sees another's; this handler sees them all).
    A database that cannot be reached answers 503, as /healthz does."""
    if database_unreachable(sys.exc_info()[1]):
        if is_api_path(request.path):
            return json_error(503, DATABASE_DOWN)
        # No request context: its processors (user, messages, the shell) read the database.
        return HttpResponse(render_to_string("ui/unavailable.html"), status=503)
    if is_api_path(request.path):
        return json_error(500, "The server failed to answer; the error was logged.")
    return render(request, "ui/server_error.html", status=500)


def csrf_failure(request, reason=""):
    if is_api_path(request.path):
        return json_error(403, f"CSRF check failed: {reason}")
    return render(request, "ui/forbidden.html", {"reason": "CSRF check failed"}, status=403)


def healthz(request):
    """Liveness and database reachability for load balancers and container health checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links: send them to the static icon
    (a temporary redirect, since the static name carries a content hash that changes)."""
    return redirect(static("csadmin/favicon.svg"))
