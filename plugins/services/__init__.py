"""Services: customer journeys (services, their states and tasks), their event history and the
business attributes that name their types (Context Services API §4, §5 and business attributes)."""

from csadmin.pluginlib import PluginConfig, Privilege, provide_event_feed

AGENT = "Agent Application"
DESIGNER = "Schema Designer"


class ServicesConfig(PluginConfig):
    name = "plugins.services"
    label = "services"
    verbose_name = "Services"
    version = "1.0.0"
    description = "Services, states, tasks, their events, and business attributes."
    base_url = "services"
    menu_heading = "Operations"
    privileges = (
        Privilege(
            "services.data.read", "Read services, states and tasks", read_only=True, roles=(AGENT,)
        ),
        Privilege(
            "services.data.change", "Start, end, associate and delete services", roles=(AGENT,)
        ),
        Privilege(
            "services.attributes.read",
            "Read business attributes",
            read_only=True,
            roles=(DESIGNER, AGENT),
        ),
        Privilege(
            "services.attributes.change", "Edit business attribute values", roles=(DESIGNER,)
        ),
    )

    def ready(self):
        super().ready()
        # Here, not at the top: Django imports this module before any model is ready, and the
        # feed reads the plug-in's models.
        from plugins.services.feed import ServiceEventFeed  # noqa: PLC0415

        provide_event_feed(ServiceEventFeed())


config = ServicesConfig
