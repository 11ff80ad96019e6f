"""The business attributes page and the edit and removal of one value."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.generic import TemplateView

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    TenantPageMixin,
)
from plugins.services import selectors, services
from plugins.services.attributes import ATTRIBUTES
from plugins.services.views.common import (
    RefuseNul,
)


class BusinessAttributesPage(TenantPageMixin, RefuseNul, TemplateView):
    privileges = {"GET": "services.attributes.read", "POST": "services.attributes.change"}
    template_name = "services/attributes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        attributes = selectors.business_attributes(self.request.tenant)
        for attribute in attributes:
            attribute["anchor"] = ATTRIBUTE_ANCHORS[attribute["name"]]
            attribute["values"].sort(key=lambda value: value["id"])  # ids in order
        context["attributes"] = attributes
        context["can_change"] = self.can("services.attributes.change")
        editing = self.request.GET.get("edit", "")  # the row in edit, without JavaScript
        context["editing"] = int(editing) if editing.isdecimal() and context["can_change"] else None
        context["breadcrumbs"] = []
        return context

    def post(self, request):
        attribute = request.POST.get("attribute", "")
        try:
            value = services.business_value_add(
                tenant=request.tenant,
                attribute=attribute,
                name=request.POST.get("name", ""),
                display_name=request.POST.get("display_name", "").strip(),
                description=request.POST.get("description", "").strip(),
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Value {value.name} added to {attribute}.")
        return redirect(
            reverse("services:attributes") + f"#attr-{ATTRIBUTE_ANCHORS.get(attribute, '')}"
        )


ATTRIBUTE_ANCHORS = {name: name.replace(".", "-").lower() for name in ATTRIBUTES}


ROW_TEMPLATE = "services/attributes.html"


class BusinessValueEdit(TenantPageMixin, RefuseNul):
    """One value's row, edited in place: GET answers its inputs (or, with `?show=1`, the row
    as read, for Cancel) to htmx; POST saves and answers the row as read, or its inputs with
    the refusal. Without JavaScript, GET opens the page with the row in edit and POST
    returns to the page."""

    privilege = "services.attributes.change"

    def get(self, request, value_id):
        value = selectors.business_value(request.tenant, value_id)
        if not request.htmx:
            return redirect(reverse("services:attributes") + f"?edit={value.pk}#value-{value.pk}")
        partial = "value-row" if request.GET.get("show") else "value-edit"
        return self.row(request, value, partial, focus=True)

    def post(self, request, value_id):
        fields = {
            "name": request.POST.get("name", ""),
            "display_name": request.POST.get("display_name", "").strip(),
            "description": request.POST.get("description", "").strip(),
        }
        try:
            value = services.business_value_update(
                tenant=request.tenant, value_id=value_id, actor=request.user, **fields
            )
        except DomainError as error:
            if not request.htmx:
                messages.error(request, error.message)
                return redirect(reverse("services:attributes") + f"?edit={value_id}")
            value = selectors.business_value(request.tenant, value_id)
            # 200: htmx swaps only a success; the row carries the refusal and the inputs typed
            return self.row(request, value, "value-edit", errors=[error.message], posted=fields)
        if not request.htmx:
            messages.success(request, f"Value {value.name} saved.")
            return redirect(reverse("services:attributes") + f"#value-{value.pk}")
        return self.row(request, value, "value-row", focus=True)

    def row(self, request, value, partial: str, **context):
        context = {
            "value": value,
            "attribute_name": value.attribute.name,
            "can_change": True,
            **context,
        }
        response = render(request, f"{ROW_TEMPLATE}#{partial}", context)
        patch_vary_headers(response, ["HX-Request"])
        return response


class BusinessValueRemove(ConfirmActionView, RefuseNul):
    """The confirmation page of removing a business attribute value; its POST removes it."""

    privilege = "services.attributes.change"

    def confirmation(self, value_id):
        value = selectors.business_value(self.request.tenant, value_id)
        return Confirmation(
            heading=f"Are you sure you want to remove {value.attribute.name} value {value.name}?",
            button=f"Yes, remove {value.name}",
            cancel_url=reverse("services:attributes"),
            goes=[(f"{value.attribute.name} value", 1)],
            note="Events that send this value are then refused; services already stored keep it.",
        )

    def perform(self, form, value_id):
        services.business_value_remove(
            tenant=self.request.tenant, value_id=value_id, actor=self.request.user
        )
        return "Value removed.", reverse("services:attributes")
