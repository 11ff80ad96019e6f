"""Event subscriptions: deliver service, state and task events to applications over HTTP
(webhooks), signed, in order per service, retried, with a delivery log."""

from csadmin.pluginlib import PluginConfig, Privilege

DESIGNER = "Schema Designer"


class WebhooksConfig(PluginConfig):
    name = "plugins.webhooks"
    label = "webhooks"
    verbose_name = "Event Subscriptions"
    version = "1.0.0"
    description = "Deliver service, state and task events to subscribed applications (webhooks)."
    base_url = "subscriptions"
    menu_heading = "Configuration"
    requires = ("services",)
    privileges = (
        Privilege(
            "webhooks.read",
            "See event subscriptions and their delivery log",
            read_only=True,
            roles=(DESIGNER,),
        ),
        Privilege(
            "webhooks.manage",
            "Create, change, pause and delete event subscriptions; send test events; redeliver",
            administrative=True,
            roles=(DESIGNER,),
        ),
    )

    def ready(self):
        super().ready()
        from csadmin.pluginlib import events_recorded
        from plugins.webhooks.outbox import queue_deliveries

        events_recorded.connect(queue_deliveries, dispatch_uid="webhooks.queue_deliveries")


config = WebhooksConfig
