"""The customer page's Extensions tab: each extension's section, where records are shown,
added, edited and deleted (the deletion through its confirmation page)."""

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
    ValidationFailed,
)
from plugins.profiles import forms, selectors, services
from plugins.profiles.views.common import CUSTOMERS_CHANGE, CUSTOMERS_READ


class ExtensionsTab(TenantPageMixin, View):
    privilege = CUSTOMERS_READ

    def get(self, request, customer_id):
        customer = selectors.customer(request.tenant, customer_id)
        can_change = self.can(CUSTOMERS_CHANGE)
        sections = [
            _section(customer, schema, records, can_change)
            for schema, records in selectors.customer_extensions(customer)
        ]
        context = {"customer": customer, "sections": sections}
        return render(request, "profiles/customer.html#extensions", context)


def _section(customer, schema, records, can_change, *, edit_id=None, errors=None, posted=None):
    """What one extension's part of the Extensions tab shows."""
    errors = errors or {}
    columns = [a["name"] for a in schema.attributes]
    rows = []
    for record in records:
        editing = record.pk == edit_id
        rows.append(
            {
                "id": record.pk,
                "values": [record.values.get(name, "") for name in columns],
                "fields": forms.input_fields(
                    schema.attributes,
                    posted if (editing and posted is not None) else record.values,
                    errors if editing else {},
                    prefix=f"{schema.name}.",
                )
                if editing
                else None,
            }
        )
    single = records[0].values if records else {}
    adding = edit_id is None and posted is not None
    return {
        "schema": schema,
        "customer_id": customer.customer_id,
        "columns": columns,
        "rows": rows,
        "present": bool(records),
        "single_fields": forms.input_fields(
            schema.attributes,
            posted if posted is not None else single,
            errors,
            prefix=f"{schema.name}.",
        ),
        "add_fields": forms.input_fields(
            schema.attributes,
            posted if adding else {},
            errors if adding else {},
            prefix=f"{schema.name}.",
        ),
        "errors": [m for messages_ in errors.values() for m in messages_],
        "can_change": can_change,
    }


class ExtensionSectionView(TenantPageMixin, View):
    """One extension's section of the Extensions tab: show, add, edit, delete records."""

    privileges = {"GET": CUSTOMERS_READ, "POST": CUSTOMERS_CHANGE}

    def get(self, request, customer_id, extension):
        edit = request.GET.get("edit", "")
        return self.render_section(
            request, customer_id, extension, edit_id=int(edit) if edit.isdigit() else None
        )

    def post(self, request, customer_id, extension):
        tenant = request.tenant
        schema = selectors.extension_schema(tenant, extension)
        action = request.POST.get("action", "")
        record = request.POST.get("record", "")
        record_id = int(record) if record.isdigit() else None
        values = forms.values_from_post(request.POST, schema.attributes, prefix=f"{schema.name}.")
        common = {"tenant": tenant, "customer_id": customer_id, "actor": request.user}
        try:
            if action == "add":
                services.extension_record_add(
                    extension=schema.name, values=values, from_text=True, **common
                )
            elif action == "save" and record_id:
                services.extension_record_update(
                    extension=schema.name,
                    record_id=record_id,
                    values=values,
                    from_text=True,
                    **common,
                )
            elif action == "set":
                services.extension_records_set(body={schema.name: values}, from_text=True, **common)
            elif action == "clear":
                services.extension_records_set(body={schema.name: []}, **common)
            else:
                raise ValidationFailed.from_errors({"action": ["is not an action of this form"]})
        except DomainError as error:
            if not request.htmx:
                messages.error(request, error.message)
                return HttpResponseRedirect(reverse("profiles:customer", args=[customer_id]))
            errors = error.errors or {"body": [error.message]}
            return self.render_section(
                request,
                customer_id,
                extension,
                edit_id=record_id if action == "save" else None,
                errors=errors,
                posted=values,
            )
        if not request.htmx:
            return HttpResponseRedirect(reverse("profiles:customer", args=[customer_id]))
        return self.render_section(request, customer_id, extension)

    def render_section(
        self, request, customer_id, extension, *, edit_id=None, errors=None, posted=None
    ):
        customer = selectors.customer(request.tenant, customer_id)
        schema = selectors.extension_schema(request.tenant, extension)
        records = list(customer.records.filter(schema=schema).order_by("pk"))
        section = _section(
            customer,
            schema,
            records,
            self.can(CUSTOMERS_CHANGE),
            edit_id=edit_id,
            errors=errors,
            posted=posted,
        )
        # A refused write answers the section with its errors as a 200: htmx swaps only
        # successful answers, and the section is what the user must see.
        return render(request, "profiles/customer.html#section", {"section": section})


class ExtensionRecordDeletePage(ConfirmActionView):
    """The confirmation page of deleting one extension record of a customer."""

    privilege = CUSTOMERS_CHANGE

    def confirmation(self, customer_id, extension, record_id):
        record = selectors.customer_record(self.request.tenant, customer_id, extension, record_id)
        values = ", ".join(f"{name}: {value}" for name, value in record.values.items())
        return Confirmation(
            heading=f"Are you sure you want to delete this {extension} record of {customer_id}?",
            button=f"Yes, delete the {extension} record",
            cancel_url=reverse("profiles:customer", args=[customer_id]),
            goes=[(f"{extension} record", 1)],
            note=f"The record: {values}." if values else "",
        )

    def perform(self, form, customer_id, extension, record_id):
        services.extension_record_delete(
            tenant=self.request.tenant,
            customer_id=customer_id,
            extension=extension,
            record_id=record_id,
            actor=self.request.user,
        )
        done = f"{extension} record of {customer_id} deleted."
        return done, reverse("profiles:customer", args=[customer_id])
