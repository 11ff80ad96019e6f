"""The services lists: all services with filters, a customer's services tab, and the
suggestions of customer ids."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from csadmin.pluginlib import (
    TenantPageMixin,
    customer_names,
)
from csadmin.pluginlib.storable import echo
from plugins.services import selectors
from plugins.services.selectors import ServiceFilter
from plugins.services.views.common import (
    READ,
    RefuseNul,
    ServicePages,
    day_param,
    query_without,
)


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
