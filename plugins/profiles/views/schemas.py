"""The schema pages: the list of schemas, the designer of the profile schema and of an
extension schema (with its inline check while typing and its rows added or removed), and
the confirmation of deleting an extension schema."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    TenantPageMixin,
    ValidationFailed,
)
from plugins.profiles import forms, selectors, services
from plugins.profiles.schema_rules import validate_extension_schema, validate_profile_schema
from plugins.profiles.views.common import SCHEMA_CHANGE, SCHEMA_READ

# The designer form re-validates on this event (the removed row cannot carry it itself).
CHANGED = '{"designer-changed": {"target": "#designer"}}'


def _schema_crumbs(*more):
    return list(more)  # the shell puts Home > Configuration > Profile Schema before them


class SchemaListPage(TenantPageMixin, View):
    privilege = SCHEMA_READ

    def get(self, request):
        tenant = request.tenant
        profile = selectors.profile_schema(tenant)
        context = {
            "schemas": selectors.extension_schemas_with_counts(tenant),
            "profile_attributes": profile.attributes if profile else [],
            "has_profile": profile is not None,
            "can_change": self.can(SCHEMA_CHANGE),
            "production": tenant.in_production,
            "breadcrumbs": [],
        }
        return render(request, "profiles/schema_list.html", context)


class DesignerMixin:
    """What the extension and profile designers share: render the page or its feedback."""

    kind = "extension"

    def page(self, request, designer, *, schema_name=None, status=200):
        tenant = request.tenant
        context = {
            "designer": designer,
            "kind": self.kind,
            "schema_name": schema_name,
            "editable": not tenant.in_production and self.can(SCHEMA_CHANGE),
            "production": tenant.in_production,
            "preview": designer.preview(self.as_the_api_returns(self.document(designer))),
            "check_url": reverse("profiles:designer-check"),
            "breadcrumbs": _schema_crumbs(
                (
                    "Core profile"
                    if self.kind == "profile"
                    else schema_name or "New extension schema",
                    None,
                )
            ),
        }
        return render(request, "profiles/designer.html", context, status=status)

    def document(self, designer):
        if self.kind == "profile":
            return designer.profile_body()
        return designer.extension_body()

    def as_the_api_returns(self, document: dict) -> dict:
        """The body as the API would answer it once saved: the validator's normalized form
        (`"length": 32`, booleans, typed defaults); the body as typed while it is invalid."""
        try:
            if self.kind == "profile":
                return {"attributes": validate_profile_schema(document, from_text=True)}
            return validate_extension_schema(document, from_text=True)
        except ValidationFailed:
            return document


class ExtensionSchemaPage(DesignerMixin, TenantPageMixin, View):
    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}

    def get(self, request, name=None):
        if name is None:
            designer = forms.Designer(rows=[forms.AttributeRow(row_id=forms.new_row_id())])
            return self.page(request, designer)
        schema = selectors.extension_schema(request.tenant, name)
        document = selectors.schema_document(schema)
        return self.page(request, forms.designer_from_schema(document), schema_name=schema.name)

    def post(self, request, name=None):
        designer = forms.designer_from_post(request.POST)
        body = designer.extension_body()
        try:
            if name is None:
                schema = services.extension_schema_create(
                    tenant=request.tenant, body=body, actor=request.user, from_text=True
                )
            else:
                schema = services.extension_schema_replace(
                    tenant=request.tenant,
                    name=name,
                    body=body,
                    actor=request.user,
                    from_text=True,
                )
        except DomainError as error:
            designer.attach_errors(error.errors or {"body": [error.message]})
            messages.error(request, error.message)
            return self.page(request, designer, schema_name=name, status=error.status_code)
        messages.success(request, f"Extension schema {schema.name} saved.")
        return HttpResponseRedirect(reverse("profiles:schemas"))


class ProfileSchemaPage(DesignerMixin, TenantPageMixin, View):
    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}
    kind = "profile"

    def get(self, request):
        schema = selectors.profile_schema(request.tenant)
        if schema is None:
            designer = forms.Designer(
                rows=[
                    forms.AttributeRow(row_id=forms.new_row_id(), name=name, length=length)
                    for name, length in (
                        ("FirstName", "64"),
                        ("LastName", "64"),
                        ("PhoneNumber", "32"),
                        ("EmailAddress", "128"),
                        ("Title", "16"),
                    )
                ]
            )
        else:
            designer = forms.designer_from_schema({"attributes": schema.attributes})
        return self.page(request, designer)

    def post(self, request):
        designer = forms.designer_from_post(request.POST)
        try:
            services.profile_schema_set(
                tenant=request.tenant,
                body=designer.profile_body(),
                actor=request.user,
                from_text=True,
            )
        except DomainError as error:
            designer.attach_errors(error.errors or {"body": [error.message]})
            messages.error(request, error.message)
            return self.page(request, designer, status=error.status_code)
        messages.success(request, "Profile schema saved.")
        return HttpResponseRedirect(reverse("profiles:schemas"))


class DesignerRowView(TenantPageMixin, View):
    """A new attribute row (add), or nothing (remove: the row swaps itself out)."""

    privilege = SCHEMA_READ

    def get(self, request):
        if request.GET.get("remove"):
            response = HttpResponse("")
            response["HX-Trigger-After-Settle"] = CHANGED
            return response
        row = forms.AttributeRow(row_id=forms.new_row_id())
        context = {"row": row, "designer": forms.Designer(), "editable": True}
        response = render(request, "profiles/designer.html#row", context)
        response["HX-Trigger-After-Settle"] = CHANGED
        return response


class DesignerCheckView(DesignerMixin, TenantPageMixin, View):
    """Inline validation while typing: runs the same validator as saving, answers the
    errors, the unique-key picker and the JSON preview as out-of-band swaps."""

    privilege = SCHEMA_READ

    def post(self, request):
        self.kind = "profile" if request.POST.get("kind") == "profile" else "extension"
        designer = forms.designer_from_post(request.POST)
        document = self.document(designer)
        try:
            if self.kind == "profile":
                document = {"attributes": validate_profile_schema(document, from_text=True)}
            else:
                document = validate_extension_schema(document, from_text=True)
                self._check_name_free(request, designer)
        except ValidationFailed as failed:
            designer.attach_errors(failed.errors or {})
        context = {
            "designer": designer,
            "kind": self.kind,
            "editable": True,
            "preview": designer.preview(document),
        }
        return render(request, "profiles/designer.html#feedback", context)

    def _check_name_free(self, request, designer):
        original = request.POST.get("original", "")
        if designer.name.lower() == original.lower():
            return
        if selectors.find_extension_schema(request.tenant, designer.name) is not None:
            raise ValidationFailed.from_errors(
                {"name": [f"an extension schema named {designer.name} exists (names ignore case)"]}
            )


class ExtensionSchemaDeletePage(ConfirmActionView):
    """The confirmation page of deleting an extension schema with its records; blocked while
    identification keys use it or the server is in production mode."""

    privileges = {"GET": SCHEMA_READ, "POST": SCHEMA_CHANGE}

    def confirmation(self, name):
        schema = selectors.extension_schema(self.request.tenant, name)
        keys = list(schema.keys.values_list("name", flat=True))
        blocked = ""
        if keys:
            blocked = (
                f"Identification keys using this schema: {', '.join(keys)}. Delete them first."
            )
        elif self.request.tenant.in_production:
            blocked = "The server is in production mode: schemas cannot be deleted."
        return Confirmation(
            heading=f"Are you sure you want to delete extension schema {schema.name}?",
            button=f"Yes, delete {schema.name} and its records",
            cancel_url=reverse("profiles:schemas"),
            goes=[("Extension schema", 1), ("Extension records", selectors.record_count(schema))],
            note="The records of every customer in this schema go with it. It cannot be undone.",
            blocked=blocked,
        )

    def perform(self, form, name):
        records = services.extension_schema_delete(
            tenant=self.request.tenant, name=name, actor=self.request.user
        )
        return (
            f"Extension schema {name} deleted with {records} records.",
            reverse("profiles:schemas"),
        )
