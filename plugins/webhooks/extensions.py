"""The dashboard widget: the subscriptions that are paused or failing."""

from django.template.loader import render_to_string

from csadmin.pluginlib import Extensions, Widget
from plugins.webhooks.selectors import subscription_health


def subscriptions_widget(request) -> str:
    return render_to_string(
        "webhooks/widget.html", {"health": subscription_health(request.tenant)}, request=request
    )


contributions = Extensions(
    widgets=[
        Widget(
            key="webhooks",
            title="Webhook subscriptions",
            render=subscriptions_widget,
            privilege="webhooks.read",
            order=60,
        )
    ]
)
