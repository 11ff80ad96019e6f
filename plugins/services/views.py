"""Pages of the services plug-in: parse, call a service or selector, render."""

from __future__ import annotations

import datetime as dt
import json

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views import View
from django.views.generic import TemplateView

from csadmin.pluginlib import (
    ConfirmActionView,
    Confirmation,
    DomainError,
    ListPageView,
    TenantPageMixin,
    ValidationFailed,
    customer_names,
    parse_utc,
)
from csadmin.pluginlib.storable import echo
from plugins.services import selectors, services, timeline
from plugins.services.attributes import ATTRIBUTES, known_values
from plugins.services.events import has_nul
from plugins.services.selectors import ServiceFilter

READ, CHANGE = "services.data.read", "services.data.change"
PAGE_SIZE = 25


class RefuseNul(View):
    """Ids and filters of these pages go into SQL, where PostgreSQL cannot hold NUL: such an
    address or query is answered as not found, before any database work."""

    def dispatch(self, request, *args, **kwargs):
        if has_nul(kwargs) or any(has_nul(v) for v in request.GET.values()):
            raise Http404("No such page")
        return super().dispatch(request, *args, **kwargs)


# -- shared helpers --------------------------------------------------------------------------


def day_param(params, name: str, end_of_day: bool = False) -> dt.datetime | None:
    """A `YYYY-MM-DD` (the start, or end, of that day) or `YYYY-MM-DDTHH:MM[:SS]Z` filter in
    UTC; None when not given. Anything else is refused, naming the parameter and the rule."""
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        return parse_utc(text, end_of_day=end_of_day)
    except ValueError as wrong:
        raise ValidationFailed.from_errors({name: [str(wrong)]}) from None


class ServicePages(ListPageView, RefuseNul):
    """The lists of services: newest first, `?before=<cursor>` gives the next page."""

    privilege = READ
    page_size = PAGE_SIZE
    cursor_param = "before"
    rows_name = "services"


def query_without(params, *names: str) -> str:
    kept = params.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


def pretty(data) -> str:
    """Attached data as readable JSON; the template escapes it."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str)


# -- services page ---------------------------------------------------------------------------


class ServiceListPage(ServicePages):
    """Find a service by id, anonymous services by contact key, or browse recent ones."""

    template_name = "services/list.html"
    partial = "results"

    def get(self, request, *args, **kwargs):
        wanted = request.GET.get("service_id", "").strip()
        if wanted:
            if selectors.live_services(request.tenant).filter(service_id=wanted).exists():
                return redirect("services:service-detail", service_id=wanted)
            messages.error(request, f"No service {echo(wanted)} in this tenant.")
        return super().get(request, *args, **kwargs)

    def get_filters(self) -> ServiceFilter:
        params = self.request.GET
        contact_key = params.get("contact_key", "").strip() or None
        anonymous = {"yes": True, "no": False}.get(params.get("anonymous", ""))
        if contact_key:
            anonymous = True
        status = params.get("status", "all")
        return ServiceFilter(
            status=status if status in selectors.STATUSES else "all",
            contact_key=contact_key,
            anonymous=anonymous,
            started_from=day_param(params, "started_from"),
            started_to=day_param(params, "started_to", end_of_day=True),
            service_types=tuple(t for t in [params.get("type", "").strip()] if t),
        )

    def get_rows(self, filters):
        return selectors.service_list(self.request.tenant, filters)

    def get_context(self, page, filters):
        names = customer_names(self.request.tenant, [s.customer_id for s in page.rows])
        for service in page.rows:  # a name before the id, where the customer has one
            service.customer_name = names.get(service.customer_id, "")
        return {
            "params": self.request.GET,
            "types": selectors.service_types_in_use(self.request.tenant),
            "breadcrumbs": [],
        }


# -- one service -----------------------------------------------------------------------------


class ServiceDetailPage(TenantPageMixin, RefuseNul, TemplateView):
    privilege = READ
    template_name = "services/detail.html"

    def get_context_data(self, service_id, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            service, events = selectors.service_detail(self.request.tenant, service_id)
        except DomainError:
            raise Http404("No such service") from None
        states, tasks = service.nested_states, service.nested_tasks
        context.update(
            service=service,
            customer_name=customer_names(self.request.tenant, [service.customer_id]).get(
                service.customer_id, ""
            ),
            states=states,
            tasks=tasks,
            events=[{"event": e, "json": pretty(e.payload)} for e in events],
            started_json=pretty(service.started_data),
            completed_json=pretty(service.completed_data) if service.completed_data else None,
            extensions_json=pretty(service.extensions) if service.extensions else None,
            timeline=timeline.build(service, states, tasks),
            can_change=self.can(CHANGE),
            breadcrumbs=[(service.service_id, None)],
        )
        return context


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


class CustomerSuggestions(TenantPageMixin, RefuseNul):
    """Customer ids already seen on services of this tenant, for the associate field."""

    privilege = READ

    def get(self, request):
        prefix = request.GET.get("customer_id", "").strip()
        ids = selectors.seen_customer_ids(request.tenant, prefix) if prefix else []
        return render(request, "services/suggestions.html", {"ids": ids})


# -- the customer page's Services tab --------------------------------------------------------


class CustomerServicesTab(ServicePages):
    """A fragment for htmx (inside the customer page), a full page otherwise."""

    template_name = "services/customer_tab.html"
    partial = "tab"
    menu_entry = "profiles:customers"  # a customer's page, though served by this plug-in

    def get_filters(self) -> ServiceFilter:
        """The tab's filters but its status, which picks the sub-tab (counted apart)."""
        params = self.request.GET
        service_type = params.get("type", "").strip()
        return ServiceFilter(
            customer_id=self.kwargs["customer_id"],
            started_from=day_param(params, "started_from"),
            started_to=day_param(params, "started_to", end_of_day=True),
            service_types=(service_type,) if service_type else (),
        )

    def status(self) -> str:
        status = self.request.GET.get("status")
        return status if status in ("active", "completed") else "active"

    def get_rows(self, filters):
        return selectors.service_list(
            self.request.tenant,
            ServiceFilter(**{**filters.__dict__, "status": self.status()}),
            selectors.Nested(active_states=True, active_tasks=True),
        )

    def get_context(self, page, filters):
        customer_id, tenant = self.kwargs["customer_id"], self.request.tenant
        name = customer_names(tenant, [customer_id]).get(customer_id, "")
        return {
            "customer_id": customer_id,
            "customer_name": name,
            "status": self.status(),
            "counts": selectors.status_counts(selectors.service_list(tenant, filters))
            if filters
            else {},
            "filter_query": query_without(self.request.GET, "status", "before"),
            "params": self.request.GET,
            "tab_url": reverse("services:customer-tab", args=[customer_id]),
            "types": selectors.service_types_in_use(tenant),
            "breadcrumbs": [(name or customer_id, None), ("Services", None)],
        }


# -- business attributes ---------------------------------------------------------------------


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
