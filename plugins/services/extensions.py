"""What services contribute to other pages: the customer page's Services tab and a dashboard
widget. The customer page belongs to another plug-in; the tab is found through the registry."""

from django.template.loader import render_to_string
from django.urls import reverse

from csadmin.pluginlib import Extensions, Tab, Widget
from plugins.services import selectors


def services_widget(request) -> str:
    return render_to_string(
        "services/widget.html",
        {
            "active": selectors.active_count(request.tenant),
            "recent": selectors.recent_services(request.tenant),
        },
        request=request,
    )


contributions = Extensions(
    tabs=[
        Tab(
            slot="customer",
            key="services",
            title="Services",
            url=lambda customer_id: reverse("services:customer-tab", args=[customer_id]),
            privilege="services.data.read",
        )
    ],
    widgets=[
        Widget(
            key="services",
            title="Services",
            render=services_widget,
            privilege="services.data.read",
        )
    ],
)
