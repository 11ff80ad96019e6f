"""Event subscriptions: deliver service, state and task events to applications over HTTP
(webhooks), signed, in order per service, retried, with a delivery log."""

from django.db.models.signals import post_delete, post_save

from csadmin.pluginlib import PluginConfig, Privilege, Schedule, events_recorded

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
    schedules = (
        # Sends whatever is due: retries, events recorded while the broker was down, resumed
        # subscriptions.
        # A sweep not started within its period is dropped: sweeps that piled up behind a
        # stalled broker would otherwise run back to back, each moving the marks to the last
        # one's horizon.
        Schedule("webhooks-deliver-due", task="webhooks.deliver_due", every=30.0, expires=30.0),
        Schedule("webhooks-prune-log", task="webhooks.prune_log", every=3600.0),
    )

    def ready(self):
        super().ready()
        # Models load after the apps' configs: this package is imported with the settings.
        from plugins.webhooks.announce import announce, subscription_changed  # noqa: PLC0415
        from plugins.webhooks.models import Subscription  # noqa: PLC0415

        events_recorded.connect(announce, dispatch_uid="webhooks.announce")
        post_save.connect(subscription_changed, sender=Subscription, dispatch_uid="webhooks.save")
        post_delete.connect(subscription_changed, sender=Subscription, dispatch_uid="webhooks.del")


config = WebhooksConfig
