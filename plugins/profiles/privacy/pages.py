"""The customer page's two actions of a data-protection request: "Download data" (starts the
data export and leads to its job, where the zip is downloaded) and "Erase customer…" (the
one confirmation page, asking to type the customer's id). Both call the API's functions."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.views import View

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    TenantPageMixin,
)
from plugins.profiles import selectors
from plugins.profiles.privacy import requests, running

PRIVACY = "profiles.customers.privacy"


def _job_url(run) -> str:
    return reverse("jobs:detail", args=[run.pk])


class DataExportAction(TenantPageMixin, View):
    """POST: start the customer's data export and show its job."""

    privilege = PRIVACY

    def post(self, request, customer_id):
        try:
            with transaction.atomic():
                run = requests.start_data_export(
                    tenant=request.tenant, customer_id=customer_id, actor=request.user
                )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("profiles:customers")
        messages.success(
            request, f"Data export started (job {run.pk}): its zip is listed here when ready."
        )
        return redirect(_job_url(run))


class EraseConfirmForm(forms.Form):
    """GOV.UK style: a label, a hint, and the id typed exactly (an error names the field)."""

    confirm = forms.CharField(
        label="Customer id",
        max_length=64,
        strip=False,
        error_messages={"required": "Enter the customer id to confirm the erase"},
    )

    def __init__(self, *args, customer_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer_id = customer_id
        field = self.fields["confirm"]
        field.help_text = f"Type {customer_id} exactly as shown to confirm."
        field.widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false", "aria-describedby": "id_confirm-hint"}
        )

    def add_error(self, field, error):
        if field == "confirm":  # the input points at its message, as the hint
            attrs = self.fields["confirm"].widget.attrs
            attrs.update(
                {"aria-invalid": "true", "aria-describedby": "id_confirm-hint id_confirm-error"}
            )
        super().add_error(field, error)

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"]
        if typed != self.customer_id:
            raise forms.ValidationError(
                "Enter the customer id exactly as shown, " + self.customer_id
            )
        return typed


class ErasePage(ConfirmActionView):
    """The confirmation of erasing a customer with everything stored about it."""

    privilege = PRIVACY
    form_class = EraseConfirmForm

    def get_form_kwargs(self) -> dict:
        return {"customer_id": self.customer.customer_id}

    # The customer is read once the privilege check passed (an unknown one is 404).
    def get(self, request, **kwargs):
        self.customer = selectors.customer(request.tenant, kwargs["customer_id"])
        return super().get(request, **kwargs)

    def post(self, request, **kwargs):
        self.customer = selectors.customer(request.tenant, kwargs["customer_id"])
        return super().post(request, **kwargs)

    def confirmation(self, customer_id):
        shown = self.customer.customer_id
        return Confirmation(
            heading=f"Are you sure you want to erase customer {shown}?",
            button=f"Yes, erase customer {shown}",
            cancel_url=reverse("profiles:customer", args=[shown]),
            goes=running.erase_preview(self.request.tenant, self.customer),
            note=(
                "Everything stored about the customer goes as well: its services with their "
                "states, tasks and events, the event deliveries about them, and earlier export "
                "files that hold them. It runs as a job and cannot be undone."
            ),
        )

    def perform(self, form, customer_id):
        body = {"confirm": form.cleaned_data["confirm"]}
        run = requests.start_erase(
            tenant=self.request.tenant, customer_id=customer_id, body=body, actor=self.request.user
        )
        return f"Erase started (job {run.pk}).", _job_url(run)
