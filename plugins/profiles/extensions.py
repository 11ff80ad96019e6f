"""The dashboard widget: how many customers and extension schemas this tenant holds."""

from django.template.loader import render_to_string

from csadmin.pluginlib import Extensions, Widget
from plugins.profiles.models import Customer, ExtensionSchema


def counts_widget(request) -> str:
    tenant = request.tenant
    return render_to_string(
        "profiles/widget.html",
        {
            "customers": Customer.objects.filter(tenant=tenant).count(),
            "schemas": ExtensionSchema.objects.filter(tenant=tenant).count(),
        },
    )


contributions = Extensions(
    widgets=[
        Widget(
            key="profiles",
            title="Customer profiles",
            render=counts_widget,
            privilege="profiles.customers.read",
            order=10,
        )
    ]
)
