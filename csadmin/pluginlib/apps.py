from django.apps import AppConfig


class PluginlibConfig(AppConfig):
    name = "csadmin.pluginlib"
    label = "pluginlib"
    verbose_name = "Plug-in framework"

    def ready(self) -> None:
        from csadmin.pluginlib import checks  # noqa: F401  (registers the system checks)
