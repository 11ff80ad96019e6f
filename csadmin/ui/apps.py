from csadmin.pluginlib.config import PluginConfig, Privilege

EVERY_ROLE = ("Supervisor", "Schema Designer", "Agent Application", "Maintenance Operator")


class UiConfig(PluginConfig):
    default = True
    name = "csadmin.ui"
    label = "ui"
    verbose_name = "Dashboard"
    version = "1.0.0"
    description = "The shell: sign-in, the dashboard and its widgets, the header and menu."
    base_url = ""
    menu_heading = "Dashboard"
    core = True
    privileges = (
        Privilege("ui.dashboard.view", "See the dashboard", read_only=True, roles=EVERY_ROLE),
    )
