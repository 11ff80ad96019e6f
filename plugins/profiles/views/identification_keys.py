"""The identification keys page (list and create) and the confirmation of deleting one."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views import View

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    TenantPageMixin,
    htmx_partial,
)
from plugins.profiles import selectors, services
from plugins.profiles.views.common import SCHEMA_CHANGE, SCHEMA_READ


class KeysPage(TenantPageMixin, View):
    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}

    def get(self, request, errors=None, status=200):
        tenant = request.tenant
        source = request.GET.get("source") or request.POST.get("source") or "profile"
        context = {
            "keys": [selectors.key_document(k) for k in selectors.identification_keys(tenant)],
            "sources": ["profile", *[s.name for s in selectors.extension_schemas(tenant)]],
            "source": source,
            "source_attributes": self._attributes(tenant, source),
            "picked": request.POST.getlist("attributes"),
            "editable": not tenant.in_production and self.can(SCHEMA_CHANGE),
            "production": tenant.in_production,
            "errors": errors or {},
            "form": request.POST,
            "breadcrumbs": [],
        }
        return htmx_partial(request, "profiles/keys.html", "attributes", context, status=status)

    @staticmethod
    def _attributes(tenant, source):
        if source == "profile":
            schema = selectors.profile_schema(tenant)
            return [a["name"] for a in schema.attributes] if schema else []
        schema = selectors.find_extension_schema(tenant, source)
        return [a["name"] for a in schema.attributes] if schema else []

    def post(self, request):
        body = {
            "name": request.POST.get("name", "").strip(),
            "source": request.POST.get("source", "profile"),
            "attributes": request.POST.getlist("attributes"),
            "unique": request.POST.get("unique") == "on",
        }
        try:
            key = services.identification_key_create(
                tenant=request.tenant, body=body, actor=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
            return self.get(request, errors=error.errors, status=error.status_code)
        messages.success(request, f"Identification key {key.name} created.")
        return HttpResponseRedirect(reverse("profiles:keys"))


class KeyDeletePage(ConfirmActionView):
    """The confirmation page of deleting an identification key; its POST deletes it."""

    privilege = SCHEMA_CHANGE

    def confirmation(self, name):
        key = selectors.identification_key(self.request.tenant, name)
        return Confirmation(
            heading=f"Are you sure you want to delete identification key {key.name}?",
            button=f"Yes, delete {key.name}",
            cancel_url=reverse("profiles:keys"),
            goes=[("Identification key", 1)],
            note="Customers are then no longer found by this key; their data stays.",
        )

    def perform(self, form, name):
        services.identification_key_delete(
            tenant=self.request.tenant, name=name, actor=self.request.user
        )
        return f"Identification key {name} deleted.", reverse("profiles:keys")
