"""Maintenance: purge old services, export them (stream and files), import files back, and a
nightly retention policy per tenant (Context Services API §6); customer profiles in bulk, out
and in (§8). Every long operation runs as a job of csadmin.jobs; the management commands call
the same functions."""

from csadmin.pluginlib import PluginConfig, Privilege, Schedule

OPERATOR = "Maintenance Operator"


class MaintenanceConfig(PluginConfig):
    name = "plugins.maintenance"
    label = "maintenance"
    verbose_name = "Maintenance"
    version = "1.0.0"
    description = (
        "Purge, export, import and the retention policy of services; customer profiles in bulk."
    )
    base_url = "maintenance"
    menu_heading = "Operations"
    requires = ("services", "profiles")
    privileges = (
        Privilege(
            "maintenance.run",
            "Purge, export and import services; edit the retention policy",
            administrative=True,
            roles=(OPERATOR,),
        ),
        Privilege(
            "maintenance.view",
            "See the maintenance page and the purge preview",
            read_only=True,
            roles=(OPERATOR,),
        ),
    )
    schedules = (
        # Nightly at 02:30 UTC: queue a purge per tenant whose retention policy is enabled.
        Schedule(
            "maintenance-retention-policies",
            task="maintenance.apply_retention_policies",
            cron="30 2 * * *",
        ),
        # Hourly: remove uploads no import job will read.
        Schedule(
            "maintenance-sweep-orphan-uploads",
            task="maintenance.sweep_orphan_uploads",
            every=3600.0,
        ),
    )


config = MaintenanceConfig
