from django.apps import AppConfig


class PluginlibConfig(AppConfig):
    name = "csadmin.pluginlib"
    label = "pluginlib"
    verbose_name = "Plug-in framework"

    def ready(self) -> None:
        # Registers the system checks; they read the registry, which needs the apps loaded.
        from csadmin.pluginlib import checks  # noqa: F401, PLC0415
