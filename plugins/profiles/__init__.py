"""Profiles: the profile schema, extension schemas, identification keys and customers."""

from csadmin.pluginlib import PluginConfig, Privilege, provide_customer_names

SCHEMA_ROLES = ("Schema Designer",)
AGENT_ROLES = ("Agent Application",)


class ProfilesConfig(PluginConfig):
    name = "plugins.profiles"
    label = "profiles"
    verbose_name = "Profiles"
    version = "1.0.0"
    description = (
        "Customer profiles: the core profile schema, extension schemas, identification keys "
        "and the customers that use them."
    )
    base_url = "profiles"
    menu_heading = "Configuration"
    privileges = (
        Privilege(
            "profiles.schema.read",
            "Read the profile schema, extension schemas and identification keys",
            read_only=True,
            roles=(*SCHEMA_ROLES, *AGENT_ROLES),
        ),
        Privilege(
            "profiles.schema.change",
            "Change the profile schema, extension schemas and identification keys",
            administrative=True,
            roles=SCHEMA_ROLES,
        ),
        Privilege("profiles.customers.read", "Read customers", read_only=True, roles=AGENT_ROLES),
        Privilege("profiles.customers.change", "Write customers", roles=AGENT_ROLES),
        Privilege(
            "profiles.customers.privacy",
            "Export all of a customer's data, or erase it, on a data-protection request",
            administrative=True,
        ),
    )

    def ready(self):
        super().ready()
        # Here, not at the top: the names are read from the plug-in's models.
        from plugins.profiles.naming import customer_names  # noqa: PLC0415

        provide_customer_names(customer_names)  # for other plug-ins' pages (a service's)


config = ProfilesConfig
