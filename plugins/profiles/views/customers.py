"""One customer's pages: create or edit the core attributes, the customer page with its
tabs (Profile here; Extensions in records.py; others contributed), and its deletion."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    TenantPageMixin,
    tabs_for,
)
from plugins.profiles import forms, naming, selectors, services
from plugins.profiles.views.common import CUSTOMERS_CHANGE, CUSTOMERS_READ


class CustomerFormPage(TenantPageMixin, View):
    """Create or edit a customer's core attributes: inputs generated from the profile schema."""

    privileges = {"GET": CUSTOMERS_CHANGE, "POST": CUSTOMERS_CHANGE}

    def get(self, request, customer_id=None, values=None, errors=None, status=200):
        profile = selectors.profile_schema(request.tenant)
        if profile is None:
            messages.error(request, "Define the profile schema before creating customers.")
            return HttpResponseRedirect(reverse("profiles:customers"))
        if values is None:
            values = (
                selectors.customer(request.tenant, customer_id).attributes if customer_id else {}
            )
        crumbs = []
        if customer_id:
            crumbs.append((customer_id, reverse("profiles:customer", args=[customer_id])))
        context = {
            "customer_id": customer_id,
            "fields": forms.input_fields(profile.attributes, values, errors or {}),
            "errors": errors or {},
            "posted_id": request.POST.get("customer_id", ""),
            "breadcrumbs": [*crumbs, ("Edit" if customer_id else "New customer", None)],
        }
        return render(request, "profiles/customer_form.html", context, status=status)

    def post(self, request, customer_id=None):
        profile = selectors.profile_schema(request.tenant)
        attributes = profile.attributes if profile else []
        values = forms.values_from_post(request.POST, attributes)
        try:
            if customer_id:
                customer = services.customer_replace(
                    tenant=request.tenant,
                    customer_id=customer_id,
                    body=values,
                    actor=request.user,
                    from_text=True,
                )
            else:
                body = dict(values)
                if request.POST.get("customer_id", "").strip():
                    body["customer_id"] = request.POST["customer_id"].strip()
                customer = services.customer_create(
                    tenant=request.tenant, body=body, actor=request.user, from_text=True
                )
        except DomainError as error:
            messages.error(request, error.message)
            return self.get(request, customer_id, values, error.errors, error.status_code)
        messages.success(request, f"Customer {customer.customer_id} saved.")
        return HttpResponseRedirect(reverse("profiles:customer", args=[customer.customer_id]))


class CustomerPage(TenantPageMixin, View):
    """The customer page: tabs Profile, Extensions and those other plug-ins contribute."""

    privilege = CUSTOMERS_READ

    def get(self, request, customer_id):
        customer = selectors.customer(request.tenant, customer_id)
        tabs = [
            {
                "key": "profile",
                "title": "Profile",
                "url": reverse("profiles:customer-profile", args=[customer_id]),
            },
            {
                "key": "extensions",
                "title": "Extensions",
                "url": reverse("profiles:customer-extensions", args=[customer_id]),
            },
            *tabs_for(request, "customer", customer_id),
        ]
        profile = selectors.profile_schema(request.tenant)
        name = naming.name_of(customer.attributes, _name_attributes(profile))
        context = {
            "customer": customer,
            "customer_name": name,
            "tabs": tabs,
            "profile": _profile_rows(request.tenant, customer, profile),
            "can_change": self.can(CUSTOMERS_CHANGE),
            "can_ask_data": self.can("profiles.customers.privacy"),
            "breadcrumbs": [(name or customer.customer_id, None)],
        }
        return render(request, "profiles/customer.html", context)


class CustomerDeletePage(ConfirmActionView):
    """The confirmation page of deleting a customer with its extension records."""

    privilege = CUSTOMERS_CHANGE

    def confirmation(self, customer_id):
        customer = selectors.customer(self.request.tenant, customer_id)
        return Confirmation(
            heading=f"Are you sure you want to delete customer {customer.customer_id}?",
            button=f"Yes, delete customer {customer.customer_id}",
            cancel_url=reverse("profiles:customer", args=[customer.customer_id]),
            goes=[
                ("Customer", 1),
                ("Extension records", selectors.customer_record_count(customer)),
            ],
            note="Services keep their customer id. It cannot be undone.",
        )

    def perform(self, form, customer_id):
        services.customer_delete(
            tenant=self.request.tenant, customer_id=customer_id, actor=self.request.user
        )
        return f"Customer {customer_id} deleted.", reverse("profiles:customers")


def _name_attributes(profile) -> list[str]:
    return naming.name_attributes(profile.attributes) if profile else []


def _profile_rows(tenant, customer, profile=None):
    profile = profile or selectors.profile_schema(tenant)
    names = [a["name"] for a in profile.attributes] if profile else []
    extra = [name for name in customer.attributes if name not in names]
    return [(name, customer.attributes.get(name)) for name in [*names, *extra]]


class ProfileTab(TenantPageMixin, View):
    privilege = CUSTOMERS_READ

    def get(self, request, customer_id):
        customer = selectors.customer(request.tenant, customer_id)
        context = {
            "customer": customer,
            "profile": _profile_rows(request.tenant, customer),
            "can_change": self.can(CUSTOMERS_CHANGE),
        }
        return render(request, "profiles/customer.html#profile", context)
