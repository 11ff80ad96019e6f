from csadmin.celery import install_beat_schedule
from csadmin.pluginlib.config import PluginConfig, Privilege

OPERATORS = ("Maintenance Operator",)


class JobsConfig(PluginConfig):
    default = True
    name = "csadmin.jobs"
    label = "jobs"
    verbose_name = "Jobs"
    version = "1.0.0"
    description = "Background jobs: progress, counts, log, output files, cancel and retry."
    base_url = "jobs"
    menu_heading = "Operations"
    core = True
    privileges = (
        Privilege(
            "jobs.runs.view", "See jobs, their log and files", read_only=True, roles=OPERATORS
        ),
        Privilege("jobs.runs.manage", "Cancel or retry anyone's job", roles=OPERATORS),
    )

    def ready(self) -> None:
        super().ready()
        # Every app's config exists by now: the plug-ins' declared schedules are all known.
        install_beat_schedule()
