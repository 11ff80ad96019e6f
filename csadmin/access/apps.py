from django.db.models.signals import post_migrate

from csadmin.pluginlib.config import PluginConfig, Privilege


class AccessConfig(PluginConfig):
    default = True
    name = "csadmin.access"
    label = "access"
    verbose_name = "Users and roles"
    version = "1.0.0"
    description = "Roles, privileges, grants of roles to users per tenant, and API tokens."
    base_url = "access"
    menu_heading = "Administration"
    core = True
    privileges = (
        Privilege("access.grants.view", "See users, roles and their grants", read_only=True),
        Privilege("access.grants.manage", "Grant and revoke roles; add users"),
    )

    def ready(self) -> None:
        # Modules that import models load once the apps' configs exist, not with this one.
        from csadmin.access.freshness import connect_signals  # noqa: PLC0415
        from csadmin.access.services import sync_privileges_after_migrate  # noqa: PLC0415

        post_migrate.connect(sync_privileges_after_migrate, sender=self)
        connect_signals()
