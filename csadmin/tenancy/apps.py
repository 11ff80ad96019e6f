from csadmin.pluginlib.config import PluginConfig, Privilege

EVERY_ROLE = ("Supervisor", "Schema Designer", "Agent Application", "Maintenance Operator")


class TenancyConfig(PluginConfig):
    default = True
    name = "csadmin.tenancy"
    label = "tenancy"
    verbose_name = "Tenants"
    version = "1.0.0"
    description = "Tenants, the plug-ins enabled in each, and the server mode."
    base_url = "administration"
    menu_heading = "Administration"
    core = True
    privileges = (
        Privilege(
            "tenancy.server.status", "Read the server mode", read_only=True, roles=EVERY_ROLE
        ),
        Privilege(
            "tenancy.server.mode",
            "Switch the server between production and maintenance mode",
            administrative=True,
        ),
        Privilege("tenancy.plugins.view", "See the installed plug-ins", read_only=True),
        Privilege("tenancy.plugins.manage", "Enable or disable plug-ins for a tenant"),
        Privilege("tenancy.tenants.view", "See the tenants", read_only=True),
        Privilege("tenancy.tenants.manage", "Create tenants", administrative=True),
    )
