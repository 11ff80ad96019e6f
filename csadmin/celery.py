"""The Celery application: configured from Django settings (CELERY_*), tasks found in plug-ins,
and the beat schedule built by the host: its own entries (CELERY_BEAT_SCHEDULE) and those the
installed plug-ins declare (PluginConfig.schedules). Plug-ins never import this module."""

import os

from celery import Celery
from celery.schedules import crontab
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csadmin.settings")

# The lanes a task may run on: jobs (the default queue) and deliveries (its own queue, so that
# a backlog of messages to other systems never holds up a job).
JOBS_LANE, DELIVERIES_LANE = "jobs", "deliveries"
LANES = (JOBS_LANE, DELIVERIES_LANE)

app = Celery("csadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="tasks")


def route_task(name, args, kwargs, options, task=None, **kw):
    """Tasks declared on the deliveries lane (`@task(..., lane="deliveries")`: messages to other
    systems, which may pile up) go to the deliveries queue (CSADMIN_DELIVERIES_QUEUE), read at
    each send; everything else to the jobs' queue (CELERY_TASK_DEFAULT_QUEUE)."""
    task = task or app.tasks.get(name)
    if getattr(task, "lane", None) == DELIVERIES_LANE:
        return {"queue": settings.CSADMIN_DELIVERIES_QUEUE}
    return None


def plugin_beat_entries(configs) -> dict:
    """Beat entries of the plug-ins' declared schedules, by name. A schedule that is not well
    formed, or whose name is taken, stops the start-up naming the plug-in."""
    entries, owners = {}, {}
    for config in configs:
        for declared in getattr(config, "schedules", ()):
            where = f"plug-in {config.label!r}: schedule {declared.name!r}"
            if declared.name in owners:
                raise ImproperlyConfigured(f"{where} is also declared by {owners[declared.name]!r}")
            if (declared.every is None) == (declared.cron is None):
                raise ImproperlyConfigured(f"{where} needs either `every` or `cron`, not both")
            if declared.cron is not None:
                try:
                    when = crontab.from_string(declared.cron)
                except (ValueError, TypeError) as exc:
                    raise ImproperlyConfigured(f"{where}: cron {declared.cron!r}: {exc}") from None
            elif declared.every > 0:
                when = float(declared.every)
            else:
                raise ImproperlyConfigured(f"{where}: `every` must be a positive number of seconds")
            owners[declared.name] = config.label
            entries[declared.name] = {"task": declared.task, "schedule": when}
            if declared.expires is not None:
                entries[declared.name]["options"] = {"expires": declared.expires}
    return entries


def install_beat_schedule() -> dict:
    """Set the beat schedule from the settings' entries and the installed plug-ins' schedules
    (called once Django's apps are ready, before beat reads it)."""
    own = dict(settings.CELERY_BEAT_SCHEDULE or {})
    declared = plugin_beat_entries(apps.get_app_configs())
    taken = sorted(set(own) & set(declared))
    if taken:
        raise ImproperlyConfigured(
            f"schedule(s) {', '.join(taken)} declared by a plug-in are already in "
            "CELERY_BEAT_SCHEDULE"
        )
    app.conf.beat_schedule = {**own, **declared}
    return app.conf.beat_schedule
