"""A service's page: its states, tasks and timeline."""

from __future__ import annotations

from django.http import Http404
from django.views.generic import TemplateView

from csadmin.pluginlib import (
    DomainError,
    TenantPageMixin,
    customer_names,
)
from plugins.services import selectors, timeline
from plugins.services.views.common import (
    CHANGE,
    READ,
    RefuseNul,
    pretty,
)


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
