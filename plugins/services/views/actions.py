"""A service's actions, each confirmed: end it or one of its states or tasks, associate it,
set its expiry, delete it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    TenantPageMixin,
)
from plugins.services import selectors, services
from plugins.services.attributes import known_values
from plugins.services.views.common import (
    CHANGE,
    RefuseNul,
)


class ServiceActionView(TenantPageMixin, RefuseNul):
    """A POST form of the service page: call one service function, report, go back."""

    privilege = CHANGE
    success = ""

    def act(self, request, service_id, **kwargs):
        raise NotImplementedError

    def post(self, request, service_id, **kwargs):
        try:
            # The page's unit of work: the service functions open no savepoint of their own
            # (the API's transaction aborts on any error), so a refusal caught here must end
            # a transaction (or a savepoint, under an outer one) of its own.
            with transaction.atomic():
                message = self.act(request, service_id, **kwargs)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
        return redirect("services:service-detail", service_id=service_id)


class EndForm(forms.Form):
    """The end event's disposition and its description, as the API's end body takes them.
    The disposition is a select of the tenant's Disposition values when it has some (the API
    then refuses any other); without values any text is accepted, as by the API."""

    disposition = forms.CharField(required=False, label="Disposition")
    disposition_desc = forms.CharField(
        required=False, max_length=64, label="Description of the disposition"
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        names = sorted(
            known_values(tenant, ["Disposition"]).get("Disposition", {}).get("by_name", {})
        )
        if names:
            self.fields["disposition"] = forms.ChoiceField(
                required=False,
                label="Disposition",
                choices=[("", "(none)"), *((name, name) for name in names)],
            )

    def body(self) -> dict:
        """The API's end body: only the fields given."""
        return {key: value for key, value in self.cleaned_data.items() if value}


class EndActionPage(ConfirmActionView, RefuseNul):
    """Ending asks first, on the one confirmation page, for the disposition and description."""

    privilege = CHANGE
    form_class = EndForm

    def get_form_kwargs(self) -> dict:
        return {"tenant": self.request.tenant}

    def service(self, service_id):
        return selectors.get_service(self.request.tenant, service_id)

    def detail_url(self, service_id) -> str:
        return reverse("services:service-detail", args=[service_id])


class EndServiceAction(EndActionPage):
    def confirmation(self, service_id):
        service = self.service(service_id)
        states = selectors.states_of(service, "active").count()
        tasks = selectors.tasks_of(service, "active").count()
        return Confirmation(
            heading=f"Are you sure you want to end service {service_id}?",
            button=f"Yes, end service {service_id}",
            cancel_url=self.detail_url(service_id),
            goes=[("Service", 1), ("Active states", states), ("Active tasks", tasks)],
            note="The service and its active states and tasks are ended; nothing is deleted.",
        )

    def perform(self, form, service_id):
        services.service_end(
            tenant=self.request.tenant,
            service_id=service_id,
            body=form.body(),
            actor=self.request.user,
        )
        return "Service ended, with its active states and tasks.", self.detail_url(service_id)


class EndPartAction(EndActionPage):
    """End a state or a task: the URL names which by its number (state_id or task_id)."""

    ENDS = {"state_id": services.state_end, "task_id": services.task_end}

    def confirmation(self, service_id, **number):
        [(field, value)] = number.items()
        kind = field.removesuffix("_id")
        service = self.service(service_id)
        tasks = 0
        if kind == "state":
            selectors.get_state(service, value)  # an unknown state answers 404
            tasks = selectors.tasks_of(service, "active", state_id=value).count()
        else:
            selectors.get_task(service, value)
        goes = [(kind.capitalize(), 1)] + ([("Its active tasks", tasks)] if kind == "state" else [])
        return Confirmation(
            heading=f"Are you sure you want to end {kind} {value} of service {service_id}?",
            button=f"Yes, end {kind} {value}",
            cancel_url=self.detail_url(service_id),
            goes=goes,
        )

    def perform(self, form, service_id, **number):
        [(field, value)] = number.items()
        self.ENDS[field](
            tenant=self.request.tenant,
            service_id=service_id,
            body=form.body(),
            actor=self.request.user,
            **number,
        )
        return f"{field.removesuffix('_id').capitalize()} {value} ended.", self.detail_url(
            service_id
        )


class AssociateAction(ServiceActionView):
    def act(self, request, service_id):
        customer_id = request.POST.get("customer_id", "").strip()
        services.service_associate(
            tenant=request.tenant,
            service_id=service_id,
            customer_id=customer_id,
            actor=request.user,
        )
        return f"Service associated with customer {customer_id}."


class ExpiryAction(ServiceActionView):
    def act(self, request, service_id):
        ttl = request.POST.get("ttl", "").strip()
        expiration = request.POST.get("expiration_time", "").strip()
        body = {}
        if ttl:
            if not ttl.isdigit():
                raise DomainError("ttl: must be a whole number of seconds")
            body["ttl"] = int(ttl)
        elif expiration:
            body["expiration_time"] = expiration
        services.service_set_expiry(
            tenant=request.tenant, service_id=service_id, body=body, actor=request.user
        )
        return "Expiration set."


class DeleteServicePage(ConfirmActionView, RefuseNul):
    """The confirmation page of a service's deletion; its POST deletes."""

    privilege = CHANGE

    def confirmation(self, service_id):
        service = selectors.get_service(self.request.tenant, service_id)
        parts = selectors.service_parts_count(service)
        return Confirmation(
            heading=f"Are you sure you want to delete service {service_id}?",
            button=f"Yes, delete service {service_id}",
            cancel_url=reverse("services:service-detail", args=[service_id]),
            goes=[
                ("Service", 1),
                ("States", parts["states"]),
                ("Tasks", parts["tasks"]),
                ("Events", parts["events"]),
            ],
            note=f"A {service.service_type} service"
            + (f" of customer {service.customer_id}" if service.customer_id else "")
            + ". Deleting it cannot be undone.",
        )

    def perform(self, form, service_id):
        services.service_delete(
            tenant=self.request.tenant, service_id=service_id, actor=self.request.user
        )
        return f"Service {service_id} deleted.", reverse("services:service-list")
